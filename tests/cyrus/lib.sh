# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/cyrus/lib.sh - a private Cyrus IMAPd (Debian's cyrus-imapd 3.6) with the SASL plugin
# from $BUILD_DIR/sasl2. Source it after tests/lib/testlib.sh and tests/pam/lib.sh; run
# cy_find_imapd fetch before entering the test's namespaces (it may need apt's network), the
# rest inside private network, PID and mount namespaces, after pam_devlog (Cyrus logs only to
# syslog).
#
#   cy_find_imapd [fetch]   sets CY_IMAPD (see below)
#   cy_setup DIR            directories under DIR, owned by cyrus; DIR/imapd.conf gets the
#                           base settings (append the rest)
#   cy_service NAME PORT [imapd args...]   an imapd on 127.0.0.1:PORT named NAME (the name
#                           is also the prefix of its own imapd.conf overrides: NAME_option)
#   cy_start / cy_stop      write DIR/cyrus.conf, run the master process (cyrmaster) with
#                           SASL_PATH=$BUILD_DIR/sasl2 / stop it; under SANITIZE=1 the
#                           sanitizer runtimes are preloaded and their reports go to DIR/san
#
# Gotchas this encodes: cyrmaster -C does not reach the services, so every cmd= carries its own
# -C (else imapd reads /etc/imapd.conf and the host's /var/lib/cyrus); the processes run as
# "cyrus", so everything they read must be readable by it; Cyrus refuses an imapd.conf that
# names an option twice.

CY_DIR=
CY_PID=
CY_SERVICES=()
CY_PORTS=()
CY_MASTER=/usr/lib/cyrus/bin/master
CY_IMAPD=/usr/lib/cyrus/bin/imapd
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sanitize.sh"

# Debian's cyrus-imapd (the package with imapd; master and everything else are in
# cyrus-common) has "Conflicts: imap-server", which dovecot-imapd provides, and the suite needs
# Dovecot too: apt refuses to install both. Without cyrus-imapd the test runs the very same
# imapd unpacked (not installed) from the cyrus-imapd .deb of the installed cyrus-common's
# version: apt-get download once, kept under build/. cy_find_imapd sets CY_IMAPD; with
# "fetch" it downloads what is missing (outside the network namespace), else it only looks.
cy_find_imapd() {
	local ver dir
	[ -x /usr/lib/cyrus/bin/imapd ] && return 0
	ver=$(dpkg-query -W -f='${Version}' cyrus-common 2>/dev/null) || return 1
	dir=$ROOT/build/cyrus-imapd-$ver
	CY_IMAPD=$dir/usr/lib/cyrus/bin/imapd
	[ -x "$CY_IMAPD" ] && return 0
	[ "${1:-}" = fetch ] || return 1
	rm -rf "$dir" "$dir.deb" && mkdir -p "$dir.deb" &&
		(cd "$dir.deb" && apt-get download -q "cyrus-imapd=$ver") >"$dir.log" 2>&1 &&
		dpkg-deb -x "$dir.deb/cyrus-imapd_"*.deb "$dir" && rm -rf "$dir.deb" && [ -x "$CY_IMAPD" ]
}

cy_setup() {
	CY_DIR=$1
	local d
	for d in config/db config/socket config/proc config/lock config/log spool; do
		mkdir -p "$CY_DIR/$d" || return 1
	done
	chown -R cyrus:mail "$CY_DIR/config" "$CY_DIR/spool" && chmod 755 "$CY_DIR" || return 1
	cat >"$CY_DIR/imapd.conf" <<-EOF
	configdirectory: $CY_DIR/config
	partition-default: $CY_DIR/spool
	defaultpartition: default
	servername: imap.example.test
	syslog_prefix: cyrus-oidc-test
	EOF
	CY_SERVICES=()
	CY_PORTS=()
}

cy_service() {   # NAME PORT [imapd args...]
	local name=$1 port=$2
	shift 2
	CY_SERVICES+=("$(printf '  %s cmd="%s %s-C %s" listen="127.0.0.1:%s" prefork=0' \
		"$name" "$CY_IMAPD" "${*:+$* }" "$CY_DIR/imapd.conf" "$port")")
	CY_PORTS+=("$port")
}

# cy_listening: every service's port is bound (by cyrmaster, once its START commands ran)
cy_listening() {
	local p
	for p in "${CY_PORTS[@]}"; do
		[ -n "$(ss -Hltn "sport = :$p")" ] || return 1
	done
}

# cy_start: start cyrmaster in the foreground (a child of this script) and wait (up to 10 s)
# until it listens on every service's port.
cy_start() {
	local plug i
	plug=$(cd "${BUILD_DIR:-build}/sasl2" && pwd) || return 1
	# recover creates the databases before the services start, as Debian's cyrus.conf does
	{
		echo "START {"
		echo "  recover cmd=\"ctl_cyrusdb -r -C $CY_DIR/imapd.conf\""
		echo "}"
		echo "SERVICES {"
		printf '%s\n' "${CY_SERVICES[@]}"
		echo "}"
		echo "EVENTS {"
		echo "}"
	} >"$CY_DIR/cyrus.conf"
	# sanitizer reports of the services (which run as cyrus) land in DIR/san
	mkdir -p "$CY_DIR/san" && chown cyrus:mail "$CY_DIR/san" || return 1
	local san=()
	[ ${#SAN_ENV[@]} -eq 0 ] || san=("${SAN_ENV[@]}"
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:log_path=$CY_DIR/san/asan
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$CY_DIR/san/ubsan)
	env "${san[@]}" SASL_PATH="${CY_SASL_PATH:-$plug}" "$CY_MASTER" -C "$CY_DIR/imapd.conf" \
		-M "$CY_DIR/cyrus.conf" -p "$CY_DIR/master.pid" -L "$CY_DIR/master.log" \
		</dev/null &
	CY_PID=$!
	for ((i = 0; i < 200; i++)); do
		cy_listening && return 0
		kill -0 "$CY_PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

# cy_stop: SIGTERM to cyrmaster (it stops its children and waits for them), at most 5 s.
# Then SIGKILL: with the ASan runtime preloaded (make check SANITIZE=1) an imapd that has
# called strerror_r can deadlock in its exit handlers (freelocale in libp11-kit's destructor),
# whatever the plugin does; the PID namespace ends the rest when the test exits.
cy_stop() {
	local i
	[ -n "$CY_PID" ] || return 0
	kill "$CY_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$CY_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$CY_PID" 2>/dev/null
	wait "$CY_PID" 2>/dev/null
	CY_PID=
}
