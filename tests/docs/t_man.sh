#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t_man.sh - every manual page in docs/man renders without a single groff or
# man warning and has a NAME section lexgrog(1) can read (mandb and apropos
# depend on it). Any output on stderr fails the page.
#
# Run from the repository root: bash tests/docs/t_man.sh
set -u
cd "$(dirname "$0")/../.."

pass=0
fail=0
ok() { printf 'ok - %s\n' "$1"; pass=$((pass + 1)); }
not_ok() {
	printf 'not ok - %s\n' "$1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
	fail=$((fail + 1))
}

tmp=$(mktemp -d /tmp/oidc-man-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The pages the project promises (packaging installs them; see docs/README.md).
expected="oidc-auth.1 oidc-auth.conf.5 pam_oidc.8 sasl_xoauth2.8"
for p in $expected; do
	if [ -f "docs/man/$p" ]; then
		ok "man page $p exists"
	else
		not_ok "man page $p exists" "docs/man/$p is missing"
	fi
done

for page in docs/man/*.[1-8]; do
	[ -f "$page" ] || continue
	name=$(basename "$page")
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
		man --warnings -E UTF-8 -l "$page" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/out" ]; then
		ok "$name renders without warnings"
	else
		not_ok "$name renders without warnings" "man exit $rc" \
			"$(head -20 "$tmp/err")"
	fi
	# A narrow terminal brings out overfull lines and bad breaks too.
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=60 \
		man --warnings -E UTF-8 -l "$page" >/dev/null 2>"$tmp/err"
	if [ ! -s "$tmp/err" ]; then
		ok "$name renders at 60 columns without warnings"
	else
		not_ok "$name renders at 60 columns without warnings" \
			"$(head -20 "$tmp/err")"
	fi
	if lexgrog "$page" >"$tmp/lex" 2>&1; then
		ok "$name: lexgrog reads its NAME section"
	else
		not_ok "$name: lexgrog reads its NAME section" "$(cat "$tmp/lex")"
	fi
	# The section in .TH must match the file name (man -w, mandb).
	sect=${name##*.}
	th=$(sed -n 's/^\.TH  *"\{0,1\}\([^" ]*\)"\{0,1\}  *"\{0,1\}\([0-9]\).*/\1 \2/p' "$page" | head -1)
	if [ "$th" = "$(echo "${name%.*}" | tr a-z A-Z) $sect" ]; then
		ok "$name: .TH names the page and section $sect"
	else
		not_ok "$name: .TH names the page and section $sect" "got '$th'"
	fi
done

printf '# t_man: %d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
