# shellcheck shell=bash
# tests/lib/sanitize.sh - under `make check SANITIZE=1` the plugins are built with ASan and
# UBSan; a host program that loads one (sasl-sample-server, Postfix smtpd, slapd,
# ldapwhoami) must have the sanitizer runtimes loaded first. Sets SAN_PRELOAD (empty
# otherwise) and SAN_ENV (env assignments for such hosts); leak checking is left to the
# unit tests and valgrind runs (hosts leak on purpose at exit).
SAN_PRELOAD=
SAN_ENV=()
if [ "${SANITIZE:-}" = 1 ]; then
	SAN_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
	SAN_ENV=(LD_PRELOAD="$SAN_PRELOAD" ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)
fi
