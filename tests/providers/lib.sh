# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/providers/lib.sh - what the tests against further real OpenID providers share
# (t_glewlwyd.sh, t_lemonldap.sh): the namespaces, the configuration taken from the
# provider's guide in docs/idp/, and the three ways a token is presented: the CLI
# (testlib.sh run_cli), pam_oidc through libpam (tests/pam/pam_driver) and the SASL plugin
# through Cyrus SASL's sasl-sample-server. Source it after tests/lib/testlib.sh and
# tests/pam/lib.sh, from the repository root.

# prov_enter_ns NAME SCRIPT ARGS...: run SCRIPT again in private network, PID and mount
# namespaces (once; OIDC_OUTER_MNTNS lets pam_devlog and the providers' bind mounts check
# that they are not in the host's mount namespace), then bring up its loopback.
prov_enter_ns() {
	local name=$1 script=$2
	shift 2
	if [ "${OIDC_PROV_NS:-}" != "$name" ]; then
		if ! unshare -n -p -f --mount-proc true 2>/dev/null; then
			echo "not ok - $name: cannot create namespaces (unshare -n -p -f -m needs root)"
			exit 1
		fi
		OIDC_OUTER_MNTNS=$(readlink /proc/self/ns/mnt) OIDC_PROV_NS=$name \
			exec unshare -n -p -f --mount-proc bash "$script" "$@"
	fi
	ip link set lo up || { echo "not ok - $name: ip link set lo up failed"; exit 1; }
}

# prov_ready NAME: after t_init: the modules and test programs are built, a private
# /dev/log collects the audit lines (pam_devlog), the provider's service user can reach its
# directory below $T_TMP (711: searchable, not listable) and $T_TMP/cache is the cache_dir.
prov_ready() {
	if [ ! -x "$PAM_DRIVER" ] || [ ! -f "$PAM_SO" ] || [ ! -f "$BUILD_DIR/sasl2/libsasl_xoauth2.so" ]; then
		not_ok "$1: pam_oidc.so, the SASL plugin and tests/pam_driver are built (make check)"
		return 1
	fi
	pam_devlog "$T_TMP" || { not_ok "$1: private /dev/log"; return 1; }
	chmod 711 "$T_TMP" && mkdir -p "$T_TMP/cache" && chmod 700 "$T_TMP/cache"
}

# prov_doc_conf OUT DOC N [FROM=TO...] [+ LINE...]: write OUT from the Nth ```ini block
# (1-based) of DOC with every FROM replaced by TO, then the LINEs after "+" appended (the
# test's CA file and cache directory). Every FROM must occur in the block: when the guide
# changes, the test fails here instead of quietly testing another configuration.
prov_doc_conf() {
	local out=$1 doc=$2 n=$3
	shift 3
	"$PY" - "$out" "$doc" "$n" "$@" <<-'EOF'
	import os, re, sys
	out, doc, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
	args = sys.argv[4:]
	subst, extra = (args[:args.index("+")], args[args.index("+") + 1:]) if "+" in args \
	    else (args, [])
	blocks = re.findall(r"```ini\n(.*?)```", open(doc, encoding="utf-8").read(), re.S)
	if len(blocks) < n:
	    sys.exit("%s has %d ini blocks, not %d" % (doc, len(blocks), n))
	text = blocks[n - 1]
	for s in subst:
	    old, new = s.split("=", 1)
	    if old not in text:
	        sys.exit("ini block %d of %s no longer contains %r" % (n, doc, old))
	    text = text.replace(old, new)
	fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	with os.fdopen(fd, "w") as f:
	    f.write(text + "".join(l + "\n" for l in extra))
	EOF
}

# prov_pam NAME CONF USER TOKEN [ARGS]: auth and account through pam_oidc.so (config=CONF
# and ARGS) and the real libpam; check NAME: both PAM_SUCCESS and one audit line allowing
# USER. A token that must fail: prov_pam_deny.
prov_pam_service() {   # CONF ARGS
	mkdir -p "$T_TMP/pam.d" || return 1
	printf '%s\n' "auth required $PAM_SO config=$1 ${2:-}" \
		"account required $PAM_SO config=$1 ${2:-}" >"$T_TMP/pam.d/prov"
}
prov_pam_run() {   # USER TOKEN
	printf '%s' "$2" >"$T_TMP/pam-secret"
	log_mark
	T_LAST=("$PAM_DRIVER" "$T_TMP/pam.d" prov "$1" auth acct)
	PAM_DRIVER_SECRET=$T_TMP/pam-secret "${T_LAST[@]}" >"$OUT" 2>"$ERR"
	RC=$?
}
prov_pam() {
	prov_pam_service "$2" "${5:-}" || { not_ok "$1" "cannot write the PAM service"; return 1; }
	prov_pam_run "$3" "$4"
	if [ "$RC" = 0 ] && grep -qx 'auth=PAM_SUCCESS' "$OUT" && grep -qx 'acct=PAM_SUCCESS' "$OUT" &&
		log_wait "pam_oidc\\(prov:auth\\): result=allow reason=ok mode=token user=\"$3\""; then
		ok "$1"
	else
		not_ok "$1" "$(t_last_run)" "syslog: $(log_new | tail -n 3 | tr '\n' '|')"
	fi
}
# prov_pam_deny NAME CONF USER TOKEN REASON: auth refused with an audit line reason=REASON.
prov_pam_deny() {
	prov_pam_service "$2" || { not_ok "$1" "cannot write the PAM service"; return 1; }
	prov_pam_run "$3" "$4"
	if [ "$RC" = 0 ] && grep -qx 'auth=PAM_AUTH_ERR' "$OUT" &&
		log_wait "pam_oidc\\(prov:auth\\): result=deny reason=$5 "; then
		ok "$1"
	else
		not_ok "$1" "$(t_last_run)" "syslog: $(log_new | tail -n 3 | tr '\n' '|')"
	fi
}

# prov_sasl NAME CONF USER TOKEN [allow|REASON]: an OAUTHBEARER exchange (RFC 7628, a=USER)
# through sasl-sample-server with the plugin from $BUILD_DIR/sasl2 and "oidc_config: CONF";
# allow (default): negotiation completes as USER with one audit line result=allow; REASON:
# it fails with an audit line reason=REASON.
prov_sasl() {
	local want=${5:-allow} d=$T_TMP/sasl
	mkdir -p "$d" && printf 'mech_list: OAUTHBEARER\noidc_config: %s\n' "$2" >"$d/sample.conf" ||
		{ not_ok "$1" "cannot write sample.conf"; return 1; }
	if "$PY" - "$ROOT/$BUILD_DIR/sasl2" "$d" "$3" "$4" "$want" >"$T_TMP/sasl.out" 2>&1 <<-'EOF'
	import sys
	sys.path.insert(0, "tests/sasl")
	import saslrun
	plug, conf, user, token, want = sys.argv[1:6]
	msg = b"n,a=" + user.encode() + b",\x01auth=Bearer " + token.encode() + b"\x01\x01"
	more = [] if want == "allow" else [b"\x01"]   # RFC 7628 3.2.3: answer the error
	ex = saslrun.server(plug, conf, "OAUTHBEARER", [b"OAUTHBEARER\0" + msg] + more)
	audit = ex.audit()
	if want == "allow":
	    good = ex.success and ex.user == user and len(audit) == 1 and "result=allow" in audit[0]
	else:
	    good = not ex.success and any("result=deny reason=%s " % want in l for l in audit)
	print(ex.out[-600:])
	sys.exit(0 if good else 1)
	EOF
	then
		ok "$1"
	else
		not_ok "$1" "sasl-sample-server: $(tr '\n' '|' <"$T_TMP/sasl.out" | tail -c 600)"
	fi
}

# prov_secret FILE VALUE: a client secret file as oidc-auth wants it (0600, no newline).
prov_secret() {
	(umask 077 && printf '%s' "$2" >"$1")
}

