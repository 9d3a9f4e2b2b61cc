# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/pam/lib.sh - helpers for the PAM integration tests (tests/pam,
# tests/dovecot, tests/sshd). Source after tests/lib/testlib.sh, inside a
# private mount namespace (unshare -n -p -f --mount-proc): pam_devlog
# replaces /dev there, so nothing here touches the host's /dev.

BUILD_DIR=${BUILD_DIR:-build}
PAM_SO=$ROOT/$BUILD_DIR/pam_oidc.so
# Real daemons (Dovecot, sshd) are not built with the sanitizers, and an
# ASan module cannot be loaded into them: they get the normal build, and
# tests/pam/t_pam.sh (its driver is sanitized too) covers the ASan build.
PAM_SO_HOST=$PAM_SO
[ "${SANITIZE:-}" = 1 ] && PAM_SO_HOST=$ROOT/build/pam_oidc.so
PAM_DRIVER=$ROOT/$BUILD_DIR/tests/pam_driver
SYSLOG=
SYSLOG_MARK=0

# pam_devlog DIR: a private /dev with a syslog socket at /dev/log whose
# messages land in DIR/syslog (pam_syslog() writes to /dev/log; there is no
# syslog daemon here). Must run in a private mount namespace. The new /dev
# is a tmpfs built in DIR/newdev, with the host's nodes bind-mounted onto
# empty files, then moved over /dev: no host directory is ever bind-mounted
# under DIR, so removing DIR can never reach the host's /dev.
pam_devlog() {
	local dir=$1 nd=$1/newdev n out i line
	# the caller exports OIDC_OUTER_MNTNS (readlink /proc/self/ns/mnt)
	# before its exec unshare: refuse to touch /dev in the host's namespace
	if [ -z "${OIDC_OUTER_MNTNS:-}" ] ||
		[ "$(readlink /proc/self/ns/mnt)" = "$OIDC_OUTER_MNTNS" ]; then
		echo "# pam_devlog: not in a private mount namespace" >&2
		return 1
	fi
	mkdir -p "$nd" && mount -t tmpfs -o mode=755 devtmp "$nd" || return 1
	for n in null zero full random urandom tty; do
		[ -e "/dev/$n" ] || continue
		: >"$nd/$n" && mount --bind "/dev/$n" "$nd/$n" || return 1
	done
	# a devpts instance of our own for ssh's pseudo-terminals
	mkdir -p "$nd/pts" "$nd/shm" &&
		mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$nd/pts" &&
		ln -s pts/ptmx "$nd/ptmx" &&
		mount -t tmpfs -o mode=1777 shm "$nd/shm" || return 1
	ln -s /proc/self/fd "$nd/fd" && ln -s /proc/self/fd/0 "$nd/stdin" &&
		ln -s /proc/self/fd/1 "$nd/stdout" && ln -s /proc/self/fd/2 "$nd/stderr" &&
		mount --move "$nd" /dev || return 1
	SYSLOG=$dir/syslog
	: >"$SYSLOG"
	out=$dir/syslogd.out
	: >"$out"
	"$PY" "$ROOT/tests/pam/syslogd.py" /dev/log "$SYSLOG" >"$out" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		read -r line <"$out" && [ "$line" = READY ] && return 0
		sleep 0.05
	done
	return 1
}

# log_mark: remember where the syslog ends; log_new prints what came after.
log_mark() {
	SYSLOG_MARK=$(wc -l <"$SYSLOG")
}

log_new() {
	tail -n +$((SYSLOG_MARK + 1)) "$SYSLOG"
}

# log_wait PATTERN: wait (up to 2 s) until a new syslog line matches.
log_wait() {
	local i
	for ((i = 0; i < 40; i++)); do
		log_new | grep -qE -- "$1" && return 0
		sleep 0.05
	done
	return 1
}

# expect_log NAME PATTERN: a syslog line since log_mark matches (ERE).
expect_log() {
	if log_wait "$2"; then
		ok "$1"
	else
		not_ok "$1" "no syslog line matching: $2" \
			"new lines: $(log_new | tail -n 5 | tr '\n' '|')"
	fi
}

# expect_out NAME LINE: the last run printed exactly LINE and exited 0
# (under SANITIZE=1 a sanitizer report makes the driver exit non-zero).
expect_out() {
	if [ "$RC" = 0 ] && grep -qxF -- "$2" "$OUT"; then
		ok "$1"
	else
		not_ok "$1" "expected '$2'" "$(t_last_run)"
	fi
}

# pam_enter_ns NAME SCRIPT ARGS...: run SCRIPT again in private network, PID
# and mount namespaces (once; OIDC_OUTER_MNTNS tells pam_devlog and
# pam_private_etc that they are in a private mount namespace), then bring
# up its loopback. With NAME=provider the npm provider must be installed.
pam_enter_ns() {
	local name=$1 script=$2
	shift 2
	if [ ! -f "$ROOT/tests/idp/node_modules/oidc-provider/package.json" ]; then
		echo "not ok - $name: oidc-provider missing: run npm ci --prefix tests/idp (or .ci/run)"
		exit 1
	fi
	if [ "${OIDC_PAM_NS:-}" != "$name" ]; then
		OIDC_OUTER_MNTNS=$(readlink /proc/self/ns/mnt) OIDC_PAM_NS=$name \
			exec unshare -n -p -f --mount-proc bash "$script" "$@"
	fi
	ip link set lo up || { echo "not ok - $name: ip link set lo up failed"; exit 1; }
}

# pam_idp_up DIR [PORT]: CA, keys and the OpenID provider (tests/idp).
pam_idp_up() {
	mkdir -p "$1" && idp_make_ca "$1" >/dev/null 2>&1 &&
		idp_make_keys "$1" >/dev/null 2>&1 && idp_start "$1" "${2:-8443}"
}

# pam_idp_conf FILE CACHE_DIR [LINES...]: an oidc-auth.conf trusting the
# provider for api://mail tokens, user names from preferred_username.
pam_idp_conf() {
	local file=$1 cache=$2
	shift 2
	mkdir -p "$cache" && chmod 700 "$cache" || return 1
	{
		echo "issuer = $IDP_ISSUER"
		echo "audience = api://mail"
		echo "ca_file = $IDP_CA"
		echo "cache_dir = $cache"
		echo "username_claim = preferred_username"
		printf '%s\n' "$@"
	} >"$file" && chmod 644 "$file"
}
