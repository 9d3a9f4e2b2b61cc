# shellcheck shell=bash
# shellcheck disable=SC2034  # TOK, TLS, MAIL_*, T_LAST, RC are read by the sourcing test
# SPDX-License-Identifier: MIT
# tests/lib/mta.sh - what the mail-server recipe tests (tests/exim, tests/saslauthd,
# tests/postfix/t_postfix_dovecot.sh) share: a copy-on-write system with this build installed as
# the packages do, the real provider, a server certificate for mail.example.com, the recipe
# applied as written, and SMTP logins through tests/postfix/smtp_auth.py. Source after
# tests/lib/testlib.sh, tests/pam/lib.sh, tests/idp/lib.sh and tests/lib/overlay.sh, inside the
# namespaces (pam_enter_ns), after t_init.
#
#   mta_fatal NAME DIAG...   not ok, then stop the test
#   mta_up NAME              ov_system, a private /dev/log, mail.example.com -> 127.0.0.1, the
#                            provider on 8443 (D), JWTs for alice and bob (TOK/alice, TOK/bob,
#                            audience api://mail), the server's certificate (MAIL_CRT,
#                            MAIL_KEY), ov_install_oidc and /etc/oidc-auth/test-ca.pem (the
#                            provider's CA, for the site configuration's ca_file)
#   mta_wait CMD PORT...     wait (10 s) until CMD succeeds and every PORT listens
#   mta_apply NAME DOC       follow DOC's recipe steps (tests/lib/recipe_steps.py), ok or fatal
#   mta_forge [BYTES]        alice's claims and kid signed by another key, padded to about
#                            BYTES (stdout)
#   mta_reached FILE         an audit line since log_mark carries FILE's token fingerprint: our
#                            code got it whole
#   mta_login MECH TOKEN USER MODE [smtp_auth.py options]   one login to mail.example.com:587
#                            (another port through MTA_PORT), each from its own 127.0.0.x
#                            (one fixed address through MTA_SOURCE), result JSON in $OUT
#   mta_smtp NAME PORT MECH TOKEN PYEXPR [--user USER] [smtp_auth.py options]
#                            one login, ok when PYEXPR holds for its JSON d (expect_py)
# TLS holds the STARTTLS options for smtp_auth.py.

TOK=
TLS=()
MTA_SRC=10

mta_fatal() {
	not_ok "$@"
	t_done
	exit 1
}

mta_up() {   # NAME
	local n=$1
	ov_system "$T_TMP/ov" || mta_fatal "$n: copy-on-write /etc /usr /var /run"
	pam_devlog "$T_TMP" || mta_fatal "$n: private /dev/log"
	echo "127.0.0.1 mail.example.com" >>/etc/hosts
	D=$T_TMP/idp
	pam_idp_up "$D" 8443 || mta_fatal "$n: start the OpenID provider"
	TOK=$T_TMP/tok
	mkdir -p "$TOK"
	idp_token_cc api://mail mail.read alice >"$TOK/alice" &&
		idp_token_cc api://mail mail.read bob >"$TOK/bob" ||
		mta_fatal "$n: tokens from the provider"
	MAIL_CRT=$T_TMP/mail.crt MAIL_KEY=$T_TMP/mail.key
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=mail.example.com -keyout "$MAIL_KEY" -out "$T_TMP/mail.csr" 2>/dev/null &&
		openssl x509 -req -in "$T_TMP/mail.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
			-CAcreateserial -days 2 -out "$MAIL_CRT" 2>/dev/null \
			-extfile <(echo "subjectAltName=DNS:mail.example.com") ||
		mta_fatal "$n: server certificate"
	TLS=(--starttls "$D/ca.pem")
	ov_install_oidc || mta_fatal "$n: install oidc-auth, pam_oidc and the plugin"
	install -m 0644 "$D/ca.pem" /etc/oidc-auth/test-ca.pem
}

mta_wait() {   # RUNNING_CMD PORT...: until RUNNING_CMD succeeds and every PORT listens, 10 s
	local i p up run=$1
	shift
	for ((i = 0; i < 200; i++)); do
		up=1
		"$run" || up=0
		for p in "$@"; do
			[ -n "$(ss -Hltn "sport = :$p")" ] || up=0
		done
		[ "$up" = 1 ] && return 0
		sleep 0.05
	done
	return 1
}

mta_apply() {   # NAME DOC
	T_LAST=(recipe_steps.py apply "$2")
	if "$PY" tests/lib/recipe_steps.py apply "$2" >"$OUT" 2>&1; then
		ok "$1: $2 applied as written ($(grep -c '^# recipe step' "$OUT") steps)"
	else
		t_diag "$(cat "$OUT")"
		mta_fatal "$1: $2 applied as written"
	fi
}

mta_forge() {   # [BYTES]
	"$PY" - "$TOK/alice" "${1:-0}" <<'PYEOF'
import sys
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
tok = open(sys.argv[1]).read().strip()
claims = jwt.decode(tok, options={"verify_signature": False})
head = {"kid": jwt.get_unverified_header(tok)["kid"], "typ": "at+jwt"}
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
if int(sys.argv[2]):
    claims["pad"] = ""
    base = len(jwt.encode(claims, key, algorithm="RS256", headers=head))
    claims["pad"] = "p" * ((int(sys.argv[2]) - base) * 3 // 4)
print(jwt.encode(claims, key, algorithm="RS256", headers=head))
PYEOF
}

mta_reached() {   # FILE
	local i fp
	fp=$(tr -d '\n' <"$1" | sha256sum | cut -c1-16)
	for ((i = 0; i < 60; i++)); do
		log_new | grep -q "token=sha256:$fp" && return 0
		sleep 0.05
	done
	return 1
}

# Dovecot delays each failure from one client address longer than the last, past what Postfix
# waits: every login comes from its own 127.0.0.x
mta_login() {   # MECH TOKEN USER MODE [options]; port: MTA_PORT (default 587)
	local mech=$1 tok=$2 user=$3 mode=$4 port=${MTA_PORT:-587}
	shift 4
	local src=${MTA_SOURCE:-}
	if [ -z "$src" ]; then
		MTA_SRC=$((MTA_SRC % 250 + 1))
		src=127.0.0.$MTA_SRC
	fi
	T_LAST=(smtp_auth.py "$port" "$mech" "$tok" "$user" "$mode" --source "$src" "$@")
	"$PY" tests/postfix/smtp_auth.py "$port" "$mech" "$tok" "$user" "$mode" \
		--host mail.example.com --source "$src" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

mta_smtp() {   # NAME PORT MECH TOKEN PYEXPR [--user USER] [options]
	local name=$1 port=$2 mech=$3 tok=$4 expr=$5 user=alice
	shift 5
	[ "${1:-}" != --user ] || { user=$2; shift 2; }
	MTA_PORT=$port mta_login "$mech" "$tok" "$user" ack "$@"
	expect_py "$name" "$expr"
}
