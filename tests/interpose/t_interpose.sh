#!/usr/bin/env bash
# tests/interpose/t_interpose.sh - issue 11 item 1: a plugin must never crash its host.
#
# PostgreSQL exports its SQL function json_object; the plugins' (and jansson's own) calls to
# jansson's json_object() bound to it and every token login crashed the backend. Here:
#  - the core archive and both plugins reference no json_* / jansson_* name and do not
#    need libjansson (nm, readelf);
#  - each plugin's symbol guard table lists exactly the library functions it calls;
#  - host.c, built here with -rdynamic and crashing definitions of jansson's names, loads
#    pam_oidc through libpam and the SASL plugin through libsasl2: a valid token passes, a
#    bad one is refused, the host never crashes;
#  - the same host also exporting EVP_DigestVerify and curl_easy_init (the core calls both),
#    or libpam's pam_prompt: every attempt is refused with symbol_interposed, no crash, and
#    one log line per process names the function.
# Tokens are minted by PyJWT (tests/pam/mint.py) with a jwks_file configuration. Runs in
# private network, PID and mount namespaces with a private /dev/log (tests/pam/lib.sh).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
pam_enter_ns interpose "${BASH_SOURCE[0]}" "$@"
t_init interpose "$@"
. tests/lib/sanitize.sh

CORE_LIB=$ROOT/$BUILD_DIR/liboidc-core.a
SASL_SO=$ROOT/$BUILD_DIR/sasl2/libsasl_xoauth2.so
GEN=$ROOT/$BUILD_DIR/gen
[ -f "$CORE_LIB" ] && [ -f "$PAM_SO" ] && [ -f "$SASL_SO" ] ||
	{ not_ok "interpose: the core and both plugins are built (make)"; t_done; exit 1; }
pam_devlog "$T_TMP" || { not_ok "interpose: private /dev/log"; t_done; exit 1; }

# ---- 1. no JSON library in the core or the plugins --------------------------------------
JANSSON=$(gcc -print-file-name=libjansson.so.4)
for f in "$CORE_LIB" "$PAM_SO" "$SASL_SO"; do
	name=${f#"$ROOT/"}
	if [ "${f##*.}" = a ]; then
		nm -u "$f" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$T_TMP/undef"
		nm --defined-only "$f" 2>/dev/null | awk 'NF >= 3 {print $3}' | sort -u >"$T_TMP/def"
	else
		nm -D --undefined-only "$f" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$T_TMP/undef"
		nm -D --defined-only "$f" | awk 'NF >= 3 {print $3}' | sed 's/@.*//' |
			sort -u >"$T_TMP/def"
	fi
	[ -s "$T_TMP/undef" ] || not_ok "$name: nm lists its undefined symbols"
	if grep -E '^(json_|jansson_)' "$T_TMP/undef" "$T_TMP/def"; then
		not_ok "$name: no json_* or jansson_* symbol" "$(grep -E '^(json_|jansson_)' \
			"$T_TMP/undef" "$T_TMP/def" | head -5 | tr '\n' ' ')"
	else
		ok "$name: no json_* or jansson_* symbol"
	fi
	# every name libjansson exports, whatever its prefix
	if [ -f "$JANSSON" ]; then
		nm -D --defined-only "$JANSSON" | awk 'NF >= 3 && $2 != "A" {print $3}' |
			sed 's/@.*//' | sort -u >"$T_TMP/jansson"
		if [ -s "$T_TMP/jansson" ] && [ -z "$(comm -12 "$T_TMP/undef" "$T_TMP/jansson")" ]; then
			ok "$name: none of the $(wc -l <"$T_TMP/jansson") names libjansson exports is used"
		else
			not_ok "$name: none of the names libjansson exports is used" \
				"$(comm -12 "$T_TMP/undef" "$T_TMP/jansson" | head -5 | tr '\n' ' ')"
		fi
	fi
	if [ "${f##*.}" = so ]; then
		if readelf -d "$f" | grep NEEDED | grep -qi jansson; then
			not_ok "$name: libjansson is not NEEDED" "$(readelf -d "$f" | grep NEEDED)"
		else
			ok "$name: libjansson is not NEEDED"
		fi
	fi
done

# ---- 2. the guard tables list what the plugins call -------------------------------------
# The table was made from the first link; generated again from the final plugin it must
# be the same (nothing the final link added escapes the guard).
for p in pam:"$PAM_SO" sasl:"$SASL_SO"; do
	kind=${p%%:*} so=${p#*:}
	table=$GEN/guard_$kind.c
	CC=gcc sh common/gen_guard_table.sh "$so" >"$T_TMP/again.c" 2>"$T_TMP/gen.err"
	n=$(grep -c '^	{ "' "$table" 2>/dev/null)
	if [ -f "$table" ] && diff <(grep -v '^/\*' "$table") <(grep -v '^/\*' "$T_TMP/again.c") \
		>/dev/null && [ "${n:-0}" -ge 40 ]; then
		ok "guard table of the $kind plugin: $n functions, exactly those the final link calls"
	else
		not_ok "guard table of the $kind plugin is the final link's" "entries: ${n:-none}" \
			"$(cat "$T_TMP/gen.err")"
	fi
	for fn in EVP_DigestVerify curl_easy_init; do
		check "guard table of the $kind plugin lists $fn" grep -q "{ \"$fn\"" "$table"
	done
done
check "guard table of the pam plugin lists libpam's pam_get_user" \
	grep -q '{ "pam_get_user", "LIBPAM_1.0"' "$GEN/guard_pam.c"
check "guard table of the pam plugin lists libqrencode's QRcode_encodeString (unversioned)" \
	grep -q '{ "QRcode_encodeString", 0,' "$GEN/guard_pam.c"

# ---- hosts -------------------------------------------------------------------------------
HOST=$T_TMP/host
SAN_CFLAGS=()
[ "${SANITIZE:-}" = 1 ] && SAN_CFLAGS=(-fsanitize=address,undefined -fno-omit-frame-pointer)
build_host() {   # NAME -DFLAGS...
	local n=$1
	shift
	gcc -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror "${SAN_CFLAGS[@]}" -rdynamic "$@" \
		-o "$HOST-$n" tests/interpose/host.c -lpam -lsasl2 2>"$T_TMP/cc.err" ||
		{ not_ok "host $n builds" "$(head -5 "$T_TMP/cc.err")"; t_done; exit 1; }
	# -rdynamic put the names in the dynamic symbol table, as postgres has them
	nm -D --defined-only "$HOST-$n" | grep -q ' T json_object$' ||
		{ not_ok "host $n exports json_object"; t_done; exit 1; }
}
build_host json
build_host crypto -DEXPORT_CRYPTO
build_host pamfn -DEXPORT_PAM
check "host crypto exports EVP_DigestVerify and curl_easy_init" \
	bash -c "nm -D --defined-only '$HOST-crypto' | grep -q ' T EVP_DigestVerify$' &&
		nm -D --defined-only '$HOST-crypto' | grep -q ' T curl_easy_init$'"
ASAN_HOST_ENV=()
[ "${SANITIZE:-}" = 1 ] && ASAN_HOST_ENV=(ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)

K=$T_TMP/keys
CONF=$T_TMP/pam.d
mkdir -p "$K" "$CONF" "$T_TMP/cache" "$T_TMP/plug" "$T_TMP/sasl" && chmod 700 "$T_TMP/cache"
"$PY" tests/pam/mint.py keys "$K" || { not_ok "interpose: make keys"; t_done; exit 1; }
cat >"$T_TMP/oidc.conf" <<EOF
issuer = https://idp.pam.test
audience = api://mail
jwks_file = $K/jwks.json
cache_dir = $T_TMP/cache
EOF
chmod 644 "$T_TMP/oidc.conf"
printf 'auth required %s config=%s\n' "$PAM_SO" "$T_TMP/oidc.conf" >"$CONF/tok"
ln -s "$SASL_SO" "$T_TMP/plug/libsasl_xoauth2.so"
cat >"$T_TMP/sasl/oidctest.conf" <<EOF
mech_list: OAUTHBEARER
oidc_issuer: https://idp.pam.test
oidc_audience: api://mail
oidc_jwks_file: $K/jwks.json
EOF
"$PY" tests/pam/mint.py token "$K" alice >"$T_TMP/good"
"$PY" tests/pam/mint.py token "$K" alice exp=-900 >"$T_TMP/expired"
mkdir -p "$T_TMP/other" && "$PY" tests/pam/mint.py keys "$T_TMP/other" &&
	"$PY" tests/pam/mint.py token "$T_TMP/other" alice >"$T_TMP/forged"

# host_run NAME ARGS...: stdout in $OUT, stderr in $ERR, RC
host_run() {
	local n=$1
	shift
	log_mark
	T_LAST=("$HOST-$n" "$@")
	env "${ASAN_HOST_ENV[@]}" "${T_LAST[@]}" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_lines NAME COUNT LINE: exactly COUNT lines of $OUT are LINE, and the host lived
expect_lines() {
	local got
	got=$(grep -cxF -- "$3" "$OUT")
	if [ "$RC" = 0 ] && [ "$got" = "$2" ] && ! grep -q "called the host's" "$ERR"; then
		ok "$1"
	else
		not_ok "$1" "want $2 x '$3', got $got" "$(t_last_run)"
	fi
}

# count_log PATTERN: syslog lines since log_mark matching the ERE (after a short settle)
count_log() {
	sleep 0.3
	log_new | grep -cE -- "$1"
}

# ---- 3. jansson's names exported by the host: everything works --------------------------
host_run json pam "$CONF" tok alice "$T_TMP/good" 2
expect_lines "pam, host exports json_*: a valid token passes, twice in one process" 2 \
	"auth=PAM_SUCCESS"
expect_log "pam, host exports json_*: audit allow line" \
	'pam_oidc\(tok:auth\): result=allow reason=ok mode=token user="alice"'
host_run json pam "$CONF" tok alice "$T_TMP/expired"
expect_lines "pam, host exports json_*: an expired token is refused" 1 "auth=PAM_AUTH_ERR"
expect_log "pam, host exports json_*: audit deny token_expired" \
	'pam_oidc\(tok:auth\): result=deny reason=token_expired'
host_run json pam "$CONF" tok alice "$T_TMP/forged"
expect_lines "pam, host exports json_*: a token signed by another key is refused" 1 \
	"auth=PAM_AUTH_ERR"
host_run json sasl "$T_TMP/plug" "$T_TMP/sasl" "$T_TMP/good" 2
expect_lines "sasl, host exports json_*: a valid token passes, twice in one process" 2 \
	"sasl=SASL_OK"
check "sasl, host exports json_*: audit allow line" \
	grep -qE 'oidc-auth sasl: mech=OAUTHBEARER result=allow reason=ok user="alice"' "$OUT"
host_run json sasl "$T_TMP/plug" "$T_TMP/sasl" "$T_TMP/expired"
expect_lines "sasl, host exports json_*: an expired token is refused" 1 "sasl=SASL_BADAUTH"
check "sasl, host exports json_*: audit deny token_expired" \
	grep -qE 'result=deny reason=token_expired' "$OUT"

# ---- 4. functions the core really calls exported by the host: the guard refuses ---------
GUARD_LINE='symbol_interposed: EVP_DigestVerify \(from libcrypto\.so\.3\) is bound to [^ ]*host-crypto, not to libcrypto\.so\.3'
host_run crypto pam "$CONF" tok alice "$T_TMP/good" 3
expect_lines "pam, host exports EVP_DigestVerify: every attempt is refused (service error)" 3 \
	"auth=PAM_SERVICE_ERR"
n=$(count_log "pam_oidc\(tok:auth\): $GUARD_LINE")
[ "$n" = 1 ] && ok "pam, host exports EVP_DigestVerify: one log line per process names it" ||
	not_ok "pam, host exports EVP_DigestVerify: one log line per process names it" \
		"got $n" "$(log_new | tail -n 5 | tr '\n' '|')"
n=$(count_log 'pam_oidc\(tok:auth\): result=error reason=symbol_interposed mode=- ')
[ "$n" = 3 ] && ok "pam, host exports EVP_DigestVerify: an audit line per attempt" ||
	not_ok "pam, host exports EVP_DigestVerify: an audit line per attempt" "got $n"
host_run crypto sasl "$T_TMP/plug" "$T_TMP/sasl" "$T_TMP/good" 3
expect_lines "sasl, host exports EVP_DigestVerify: every exchange fails (SASL_FAIL)" 3 \
	"sasl=SASL_FAIL"
n=$(grep -cE "^saslog: 1 oidc-auth sasl: $GUARD_LINE" "$OUT")
[ "$n" = 1 ] && ok "sasl, host exports EVP_DigestVerify: one log line per process names it" ||
	not_ok "sasl, host exports EVP_DigestVerify: one log line per process names it" \
		"got $n" "$(t_last_run)"
n=$(grep -c 'oidc-auth sasl: mech=OAUTHBEARER result=error reason=symbol_interposed' "$OUT")
[ "$n" = 3 ] && ok "sasl, host exports EVP_DigestVerify: an audit line per exchange" ||
	not_ok "sasl, host exports EVP_DigestVerify: an audit line per exchange" "got $n"

# libpam's own function shadowed: nothing goes through libpam, the lines go to syslog(3)
host_run pamfn pam "$CONF" tok alice "$T_TMP/good" 2
expect_lines "pam, host exports libpam's pam_prompt: refused (service error)" 2 \
	"auth=PAM_SERVICE_ERR"
n=$(count_log 'pam_oidc: symbol_interposed: pam_prompt \(from libpam\.so\.0\) is bound to [^ ]*host-pamfn')
[ "$n" = 1 ] && ok "pam, host exports pam_prompt: one line through syslog(3) names it" ||
	not_ok "pam, host exports pam_prompt: one line through syslog(3) names it" "got $n" \
		"$(log_new | tail -n 5 | tr '\n' '|')"
n=$(count_log 'pam_oidc: result=error reason=symbol_interposed mode=-')
[ "$n" = 2 ] && ok "pam, host exports pam_prompt: an audit line per attempt, not via libpam" ||
	not_ok "pam, host exports pam_prompt: an audit line per attempt, not via libpam" "got $n"
if log_new | grep -q 'pam_oidc(tok:auth)'; then
	not_ok "pam, host exports pam_prompt: nothing logged through pam_syslog"
else
	ok "pam, host exports pam_prompt: nothing logged through pam_syslog"
fi

t_done
