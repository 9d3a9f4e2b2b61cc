# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/sendmail/lib.sh - Debian's sendmail 8.17 (sendmail-bin, -base, -cf) installed into the
# test's copy of the system (tests/lib/overlay.sh) from the .debs of tests/lib/debs.sh, with
# what their maintainer scripts do (users smmta/smmsp, the alternatives, the setgid binary, a
# default sendmail.mc built into sendmail.cf), and run by Debian's init script. Source after
# tests/lib/overlay.sh and tests/lib/mta.sh, inside the namespaces, after ov_system.
#
#   sm_install TREE     unpack and configure as the postinst scripts would
#   sm_running          the MTA daemon runs
#   sm_wait PORT...     until it runs and listens on every PORT, at most 10 s

sm_install() {   # TREE
	ov_unpack "$1" || return 1
	# sendmail-base postinst
	getent group smmta >/dev/null || addgroup --system --quiet smmta || return 1
	getent passwd smmta >/dev/null || adduser --system --ingroup smmta --home /var/lib/sendmail \
		--disabled-password --quiet --gecos 'Mail Transfer Agent' smmta || return 1
	getent group smmsp >/dev/null || addgroup --system --quiet smmsp || return 1
	getent passwd smmsp >/dev/null || adduser --system --ingroup smmsp --home /var/lib/sendmail \
		--disabled-password --quiet --gecos 'Mail Submission Program' smmsp || return 1
	install -d -o root -g smmsp -m 2755 /etc/mail/sasl /etc/mail/tls || return 1
	# sendmail-bin postinst: the alternatives (here: the links they make), the setgid binary,
	# then update_sendmail (sendmail.mc, sendmail.cf, databases)
	ln -sf /usr/libexec/sendmail/sendmail /usr/sbin/sendmail-mta &&
		ln -sf /usr/libexec/sendmail/sendmail /usr/sbin/sendmail-msp &&
		ln -sf /usr/libexec/sendmail/sendmail /usr/sbin/sendmail &&
		ln -sf /usr/libexec/sendmail/sendmail /usr/lib/sendmail &&
		ln -sf /usr/share/sendmail/newaliases /usr/sbin/newaliases || return 1
	chown root:smmsp /usr/libexec/sendmail/sendmail /usr/libexec/sendmail/mailstats &&
		chmod 02755 /usr/libexec/sendmail/sendmail /usr/libexec/sendmail/mailstats || return 1
	# as the postinst: "update_sendmail || true" (it fails on the databases it had to create)
	/usr/share/sendmail/update_sendmail || true
	[ -s /etc/mail/sendmail.cf ]
}

sm_running() {
	local p
	for p in /run/sendmail/mta/sendmail.pid /var/run/sendmail/mta/sendmail.pid; do
		[ -s "$p" ] && kill -0 "$(head -n 1 "$p")" 2>/dev/null && return 0
	done
	return 1
}

sm_wait() { mta_wait sm_running "$@"; }
