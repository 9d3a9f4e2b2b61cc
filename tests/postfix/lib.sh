# tests/postfix/lib.sh - a private Postfix instance with Cyrus SASL and the plugin from
# $BUILD_DIR/sasl2 (source it from bash, inside a private network namespace).
#
#   pf_setup DIR        main.cf/master.cf under DIR/etc, spool DIR/spool, log DIR/maillog
#   pf_service PORT APP add an smtpd on 127.0.0.1:PORT whose SASL config is DIR/etc/sasl/APP.conf
#   pf_start / pf_stop  full start and stop (libsasl reads its config at smtpd start)
# smtpd runs as "postfix": everything it reads must be readable by that user.

PF_DIR=
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sanitize.sh"

pf_setup() {
	PF_DIR=$1
	local plug
	plug=$(cd "${BUILD_DIR:-build}/sasl2" && pwd) || return 1
	mkdir -p "$PF_DIR/etc/sasl" "$PF_DIR/spool" "$PF_DIR/data" || return 1
	chown postfix: "$PF_DIR/data"
	cat >"$PF_DIR/etc/main.cf" <<-EOF
	compatibility_level = 3.6
	queue_directory = $PF_DIR/spool
	data_directory = $PF_DIR/data
	mail_owner = postfix
	myhostname = mx.example.test
	mydestination =
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	maillog_file = $PF_DIR/maillog
	maillog_file_prefixes = $PF_DIR
	import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C SASL_PATH=$plug ${SAN_ENV[*]}
	smtpd_sasl_auth_enable = yes
	smtpd_sasl_type = cyrus
	smtpd_sasl_path = smtpd
	cyrus_sasl_config_path = $PF_DIR/etc/sasl
	smtpd_sasl_security_options = noanonymous
	smtpd_relay_restrictions = permit_sasl_authenticated, reject
	smtpd_tls_security_level = none
	smtpd_delay_reject = yes
	smtpd_error_sleep_time = 0
	smtpd_soft_error_limit = 1000
	smtpd_hard_error_limit = 1000
	smtpd_client_connection_rate_limit = 0
	smtpd_client_auth_rate_limit = 0
	default_destination_concurrency_limit = 1
	default_transport = discard
	relay_transport = discard
	EOF
	grep -v '^smtp[[:space:]]*inet' /etc/postfix/master.cf >"$PF_DIR/etc/master.cf"
	grep -q '^postlog' "$PF_DIR/etc/master.cf" ||
		echo 'postlog   unix-dgram n  -       n       -       1       postlogd' \
			>>"$PF_DIR/etc/master.cf"
	postconf -c "$PF_DIR/etc" -F '*/*/chroot = n' >/dev/null 2>&1
}

pf_service() {   # PORT APP [extra -o settings...]
	local port=$1 app=$2
	shift 2
	{
		echo "127.0.0.1:$port inet n - n - - smtpd"
		echo "  -o smtpd_sasl_path=$app"
		local o
		for o in "$@"; do echo "  -o $o"; done
	} >>"$PF_DIR/etc/master.cf"
}

pf_start() {
	local i out
	out=$(script -qc "postfix -c $PF_DIR/etc start" /dev/null 2>&1) ||
		{ echo "# postfix start failed: $out" >&2; return 1; }
	for ((i = 0; i < 100; i++)); do
		[ -s "$PF_DIR/spool/pid/master.pid" ] && break
		sleep 0.05
	done
	[ -s "$PF_DIR/spool/pid/master.pid" ] || { echo "# no master.pid" >&2; return 1; }
}

pf_stop() {
	[ -n "$PF_DIR" ] && [ -s "$PF_DIR/spool/pid/master.pid" ] || return 0
	postfix -c "$PF_DIR/etc" stop >/dev/null 2>&1
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$PF_DIR/spool/pid/master.pid" ] || break
		kill -0 "$(cat "$PF_DIR/spool/pid/master.pid")" 2>/dev/null || break
		sleep 0.05
	done
}

# pf_wait_port PORT: until something listens (smtpd is spawned on connect; master binds).
pf_wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
