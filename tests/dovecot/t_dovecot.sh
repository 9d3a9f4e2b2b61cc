#!/usr/bin/env bash
# tests/dovecot/t_dovecot.sh - pam_oidc.so inside a real Dovecot 2.3
# (passdb pam), with tokens from the real OpenID provider (tests/idp).
# curl logs in over IMAP with the token as the password. Runs in private
# network, PID and mount namespaces; /etc/pam.d is a private folder there.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns dovecot "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
. tests/dovecot/lib.sh
t_init dovecot "$@"
trap 'dovecot_stop; idp_cleanup; t_cleanup' EXIT
chmod 755 "$T_TMP"

command -v dovecot >/dev/null || { not_ok "dovecot: dovecot is not installed"; t_done; exit 1; }
[ -f "$PAM_SO_HOST" ] || { not_ok "dovecot: $PAM_SO_HOST is built"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "dovecot: private /dev/log"; t_done; exit 1; }
pam_private_etc "$T_TMP/pam.d" || { not_ok "dovecot: private /etc/pam.d"; t_done; exit 1; }

pam_idp_up "$T_TMP/idp" || { not_ok "dovecot: start the OpenID provider"; t_done; exit 1; }
pam_idp_conf "$T_TMP/oidc.conf" "$T_TMP/cache"
SVC=oidc-dovecot-test
cat >"$T_TMP/pam.d/$SVC" <<EOF
auth required $PAM_SO_HOST config=$T_TMP/oidc.conf
account required $PAM_SO_HOST config=$T_TMP/oidc.conf
EOF

dovecot_start "$T_TMP/dovecot" 1143 "passdb {
  driver = pam
  args = $SVC
}" || { not_ok "dovecot: start Dovecot"; t_done; exit 1; }
ok "dovecot: Dovecot up on 127.0.0.1:1143"


TOK=$(idp_token_cc api://mail "" alice) || not_ok "dovecot: token from the provider"
log_mark
if imap_login alice "$TOK"; then ok "IMAP login with a provider token"; else
	not_ok "IMAP login with a provider token" "$(t_last_run)" \
		"$(tail -n 5 "$T_TMP/dovecot/dovecot.log")"; fi
expect_log "IMAP login: audit allow line from Dovecot's auth process" \
	"pam_oidc\\($SVC:auth\\): result=allow reason=ok mode=token user=\"alice\""

log_mark
# flip a bit in the middle of the signature
SIG=${TOK##*.}
MID=$((${#SIG} / 2))
case "${SIG:$MID:1}" in A) C=B ;; *) C=A ;; esac
FORGED=${TOK%.*}.${SIG:0:$MID}$C${SIG:$((MID + 1))}
if imap_login alice "$FORGED"; then not_ok "IMAP login with a forged signature is refused"; else
	ok "IMAP login with a forged signature is refused"; fi
expect_log "forged signature: audit reason" 'result=deny reason=bad_signature'
if imap_login bob "$TOK"; then not_ok "IMAP login as bob with alice's token is refused"; else
	ok "IMAP login as bob with alice's token is refused"; fi
if imap_login alice "not-a-token"; then not_ok "IMAP login with a password is refused"; else
	ok "IMAP login with a password is refused"; fi

BIG_GROUPS=$(seq -f 'mail-group-number-%03g' 1 150 | paste -sd, -)
BIG=$(idp_token_cc api://mail "" alice "$BIG_GROUPS") || not_ok "dovecot: big token from the provider"
if [ "${#BIG}" -ge 5000 ]; then ok "5 KB token built by the provider (${#BIG} bytes)"; else
	not_ok "5 KB token built by the provider" "only ${#BIG} bytes"; fi
if imap_login alice "$BIG"; then ok "IMAP login with a 5 KB token"; else
	not_ok "IMAP login with a 5 KB token" "$(t_last_run)"; fi

if grep -qF -- "$SIG" "$SYSLOG" "$T_TMP/dovecot/dovecot.log"; then
	not_ok "no token signature in the syslog or Dovecot's log"
else
	ok "no token signature in the syslog or Dovecot's log"
fi
t_done
