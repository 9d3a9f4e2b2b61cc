# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/exim/lib.sh - Debian's Exim (exim4-daemon-heavy 4.96: cyrus_sasl and PAM) installed into
# the test's copy of the system (tests/lib/overlay.sh) from the .debs of tests/lib/debs.sh,
# with what its maintainer scripts would do, and run by Debian's own init script. Source after
# tests/lib/overlay.sh, inside the namespaces, after ov_system (and tests/lib/mta.sh).
#
#   ex_install TREE     unpack the packages; Debian-exim user, spool and log directories (as
#                       exim4-base's postinst); update-exim4.conf.conf as debconf writes it for
#                       "local delivery only" with the split configuration
#   ex_start [PORT...]  /etc/init.d/exim4 start; fails when the daemon does not run and listen
#                       on the ports (default 25) afterwards (EX_OUT: what the script said)
#   ex_wait [PORT...]   wait (10 s) for the daemon and its ports
#   ex_stop             /etc/init.d/exim4 stop

# shellcheck disable=SC2034  # read by the tests
EX_OUT=

ex_install() {   # TREE
	ov_unpack "$1" || return 1
	# exim4-base postinst
	getent passwd Debian-exim >/dev/null ||
		adduser --system --group --quiet --home /var/spool/exim4 --no-create-home \
			--disabled-login --force-badname Debian-exim || return 1
	install -d -oDebian-exim -gadm -m2750 /var/log/exim4 &&
		install -d -oDebian-exim -gDebian-exim -m750 /run/exim4 /var/spool/exim4 \
			/var/spool/exim4/db /var/spool/exim4/input /var/spool/exim4/msglog &&
		install -d /var/lib/exim4 || return 1
	# exim4-config postinst: debconf's answers for a local-only mail server
	cat >/etc/exim4/update-exim4.conf.conf <<-'EOF'
	dc_eximconfig_configtype='local'
	dc_other_hostnames='mail.example.com'
	dc_local_interfaces='127.0.0.1 ; ::1'
	dc_readhost=''
	dc_relay_domains=''
	dc_minimaldns='false'
	dc_relay_nets=''
	dc_smarthost=''
	CFILEMODE='644'
	dc_use_split_config='true'
	dc_hide_mailname=''
	dc_mailname_in_oh='true'
	dc_localdelivery='mail_spool'
	EOF
	echo mail.example.com >/etc/mailname
	update-exim4defaults --init
}

ex_running() {
	[ -s /run/exim4/exim.pid ] && kill -0 "$(cat /run/exim4/exim.pid)" 2>/dev/null
}

# ex_wait [PORT...]: until the daemon runs and listens on every PORT (default 25), at most 10 s
ex_wait() { mta_wait ex_running "${@:-25}"; }

ex_start() {
	EX_OUT=$(/etc/init.d/exim4 start 2>&1)
	ex_wait "$@"
}

ex_stop() {
	local i
	ex_running || return 0
	/etc/init.d/exim4 stop >/dev/null 2>&1
	for ((i = 0; i < 100; i++)); do
		ex_running || return 0
		sleep 0.05
	done
	kill -KILL "$(cat /run/exim4/exim.pid)" 2>/dev/null
}
