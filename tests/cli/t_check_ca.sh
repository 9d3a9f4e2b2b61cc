#!/usr/bin/env bash
# tests/cli/t_check_ca.sh - ca_file must be a CA bundle (issue 12 item 2: check-config accepted
# "ca_file = /nonexistent" and "ca_file = /etc/passwd"). Every configuration load refuses a file
# without a PEM certificate (so PAM and SASL fail closed with config_error at once, not with a
# TLS error at the first login); check-config, also --as-user, parses every block as libcurl
# does and refuses a file with one it cannot read. Certificates and keys come from the openssl
# command line; files live under a private temporary directory (/etc/passwd is only read).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
t_init check_ca "$@"
[ "$(id -u)" = 0 ] || { not_ok "check_ca: needs root (--as-user switches users)"; t_done; exit 1; }
chmod 755 "$T_TMP"
C=$T_TMP/ca
mkdir -p "$C" "$T_TMP/cache" && chmod 755 "$C" && chown nobody: "$T_TMP/cache" &&
	chmod 700 "$T_TMP/cache"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=check_ca test CA" -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=second CA" -keyout "$C/ca2.key" -out "$C/ca2.pem" 2>/dev/null; then
	ok "check_ca: two CA certificates made by openssl"
else
	not_ok "check_ca: make CA certificates with openssl"
fi
cat "$C/ca.pem" "$C/ca2.pem" >"$C/bundle.pem"
cp "$C/ca.key" "$C/key-only.pem"
# a good certificate, then a block whose base64 is no certificate: libcurl refuses the file
{ cat "$C/ca.pem"; printf -- '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n'; } \
	>"$C/broken.pem"
: >"$C/empty.pem"
chmod 644 "$C"/*.pem

conf() {   # CA_FILE: $T_TMP/c.conf
	printf '%s\n' "issuer = https://idp.example.test" "audience = smtp" "ca_file = $1" \
		"cache_dir = $T_TMP/cache" >"$T_TMP/c.conf"
	chmod 644 "$T_TMP/c.conf"
}
# expect_ca NAME CA_FILE LOAD CHECK: the exit codes of validate (the load every login does:
# 2 = refused) and of check-config, plain and --as-user nobody
expect_ca() {
	conf "$2"
	run_cli validate --config "$T_TMP/c.conf" --json "a.b.c"
	if [ "$3" = 2 ]; then
		expect_exit "$1: every load refuses it (validate exit 2)" 2
		expect_json "$1: ... config_error" reason config_error
	else
		# the load passes: the token is refused (exit 1), not the configuration
		expect_exit "$1: the configuration loads (the token is refused)" 1
	fi
	run_cli check-config "$T_TMP/c.conf"
	expect_exit "$1: check-config exit $4" "$4"
	[ "$4" = 2 ] && check "$1: check-config names the ca_file key and the file" \
		grep -q "ca_file: $2" "$ERR"
	run_cli check-config --as-user nobody --json "$T_TMP/c.conf"
	expect_exit "$1: check-config --as-user nobody exit $4" "$4"
	[ "$4" = 2 ] && expect_py "$1: --as-user: one problem, the ca_file" \
		"len(d['problems']) == 1 and d['problems'][0]['path'] == '$2'"
}
expect_py() {
	if "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$OUT" "$2" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "not true: $2" "$(t_last_run)"
	fi
}

expect_ca "ca_file = /nonexistent" /nonexistent 2 2
expect_ca "ca_file = /etc/passwd" /etc/passwd 2 2
expect_ca "ca_file with a private key only" "$C/key-only.pem" 2 2
expect_ca "an empty ca_file" "$C/empty.pem" 2 2
expect_ca "a certificate, then a broken block (loads; check-config parses it all)" \
	"$C/broken.pem" 1 2
expect_ca "one CA certificate" "$C/ca.pem" 1 0
expect_ca "a bundle of two" "$C/bundle.pem" 1 0
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	expect_ca "the system bundle" /etc/ssl/certs/ca-certificates.crt 1 0
else
	not_ok "check_ca: /etc/ssl/certs/ca-certificates.crt (package ca-certificates) missing"
fi
t_done
