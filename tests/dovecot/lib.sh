# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/dovecot/lib.sh - a private Dovecot 2.3 instance for tests and the
# benchmark. Source after tests/lib/testlib.sh, inside a private mount
# namespace: pam_private_etc bind-mounts a private folder over /etc/pam.d
# in that namespace only, so Dovecot's auth process finds the test's PAM
# service while the host's /etc/pam.d is never written.

# pam_private_etc DIR: DIR becomes /etc/pam.d in this mount namespace.
pam_private_etc() {
	if [ -z "${OIDC_OUTER_MNTNS:-}" ] ||
		[ "$(readlink /proc/self/ns/mnt)" = "$OIDC_OUTER_MNTNS" ]; then
		echo "# pam_private_etc: not in a private mount namespace" >&2
		return 1
	fi
	mkdir -p "$1" && mount --bind "$1" /etc/pam.d
}

# dovecot_start DIR PORT PASSDB_BLOCK [EXTRA]: start Dovecot with IMAP on
# 127.0.0.1:PORT, high-performance login processes (service_count = 0),
# no auth cache, no failure delay; the passdb { } block as given. EXTRA is
# appended last: its settings override the ones above (TLS, mechanisms, an
# imaps listener: Dovecot merges blocks of the same name).
dovecot_start() {
	local dir=$1 port=$2 passdb=$3 extra=${4:-} i
	[ -n "$dir" ] && [ -n "$port" ] || return 1
	mkdir -p "$dir/run" "$dir/state" "$dir/home" || return 1
	chmod 755 "$dir" "$dir/home"
	cat >"$dir/dovecot.conf" <<-DOVECOT_CONF
	base_dir = $dir/run
	state_dir = $dir/state
	log_path = $dir/dovecot.log
	info_log_path = $dir/dovecot.log
	listen = 127.0.0.1
	protocols = imap
	ssl = no
	disable_plaintext_auth = no
	auth_mechanisms = plain login
	auth_failure_delay = 0
	auth_cache_size = 0
	mail_location = maildir:~/Maildir
	$passdb
	userdb {
	  driver = static
	  args = uid=nobody gid=nogroup home=$dir/home/%u
	}
	service imap-login {
	  inet_listener imap {
	    address = 127.0.0.1
	    port = $port
	  }
	  inet_listener imaps {
	    port = 0
	  }
	  service_count = 0
	  process_min_avail = 2
	}
	# no per-IP auth penalty (up to 15 s after failures): tests fail on purpose
	service anvil {
	  unix_listener anvil-auth-penalty {
	    mode = 0
	  }
	}
	$extra
	DOVECOT_CONF
	DOVECOT_DIR=$dir
	dovecot -c "$dir/dovecot.conf" || return 1
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# dovecot did not listen on $port; log tail:" >&2
	tail -n 20 "$dir/dovecot.log" | sed 's/^/#   /' >&2
	return 1
}

dovecot_stop() {
	local pid i
	[ -n "${DOVECOT_DIR:-}" ] && [ -f "$DOVECOT_DIR/run/master.pid" ] || return 0
	pid=$(cat "$DOVECOT_DIR/run/master.pid")
	kill "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	DOVECOT_DIR=
}

# imap_login USER PASSWORD: curl logs in over IMAP on 127.0.0.1:1143 (the port the tests
# give dovecot_start) with the token as the password; 0 when CAPABILITY after the login
# works. Sets RC, OUT/ERR (testlib.sh) and T_LAST without the token.
imap_login() {
	T_LAST=(curl -sS --max-time 10 "imap://127.0.0.1:1143/" --user "$1:<token>" -X CAPABILITY)
	RC=0
	curl -sS --max-time 10 "imap://127.0.0.1:1143/" --user "$1:$2" -X CAPABILITY \
		>"$OUT" 2>"$ERR" || RC=$?
	return $RC
}
