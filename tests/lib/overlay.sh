# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/overlay.sh - a throw-away copy of the system for one test: inside the test's private
# mount namespace, /etc, /usr, /var and /run become copy-on-write (overlayfs, the changes in the
# test's temporary directory). A recipe can then be followed exactly as written, with the paths
# of a real installation (/etc/exim4, /etc/pam.d/exim, /etc/sasl2, /var/cache/oidc-auth,
# /usr/lib/<triplet>/sasl2 ...), packages unpacked into /, service users added with adduser,
# and the host sees none of it. Source after tests/lib/testlib.sh, inside the namespace that
# tests/pam/lib.sh pam_enter_ns makes.
#
#   ov_system DIR          overlay /etc /usr /var /run, upper layers under DIR; the host's
#                          systemd and D-Bus hidden (init scripts must not reach them)
#   ov_unpack TREE         copy an unpacked package tree (tests/lib/debs.sh) into the system,
#                          as dpkg would unpack it (no maintainer scripts: the test does what
#                          they do, e.g. adduser)
#   ov_install_oidc        install this build as the Debian packages do: oidc-auth in
#                          /usr/bin, pam_oidc.so in /lib/<triplet>/security,
#                          libsasl_xoauth2.so in /usr/lib/<triplet>/sasl2, /etc/oidc-auth,
#                          /var/cache/oidc-auth (root 0700, as debian/ makes it)

OV_MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

ov_system() {   # DIR
	local dir=$1 d
	# the caller exported OIDC_OUTER_MNTNS before unshare (pam_enter_ns): never overlay the
	# host's own /etc
	if [ -z "${OIDC_OUTER_MNTNS:-}" ] ||
		[ "$(readlink /proc/self/ns/mnt)" = "$OIDC_OUTER_MNTNS" ]; then
		echo "# ov_system: not in a private mount namespace" >&2
		return 1
	fi
	for d in etc usr var run; do
		mkdir -p "$dir/$d.up" "$dir/$d.work" &&
			mount -t overlay "oidc-test-$d" \
				-o "lowerdir=/$d,upperdir=$dir/$d.up,workdir=$dir/$d.work" "/$d" ||
			{ echo "# ov_system: overlay on /$d failed" >&2; return 1; }
	done
	# On a host run by systemd, Debian's init scripts would hand "start" to the host's
	# systemctl, and pam_systemd would talk to the host's logind: hide both, here only.
	for d in /run/systemd /run/dbus; do
		[ ! -d "$d" ] || mount -t tmpfs -o mode=0755 oidc-test-hidden "$d" ||
			{ echo "# ov_system: cannot hide $d" >&2; return 1; }
	done
	export SYSTEMCTL_SKIP_REDIRECT=1
}

ov_unpack() {   # TREE
	local d
	for d in etc usr var; do
		[ ! -d "$1/$d" ] || cp -a "$1/$d/." "/$d/" || return 1
	done
}

ov_install_oidc() {
	local b=${BUILD_DIR:-build}
	[ "${b#/}" != "$b" ] || b=$ROOT/$b
	# real daemons are not built with the sanitizers: they get the normal build (as
	# tests/pam/lib.sh PAM_SO_HOST)
	[ "${SANITIZE:-}" != 1 ] || b=$ROOT/build
	install -m 0755 "$b/oidc-auth" /usr/bin/oidc-auth &&
		install -D -m 0644 "$b/pam_oidc.so" "/usr/lib/$OV_MA/security/pam_oidc.so" &&
		install -D -m 0644 "$b/sasl2/libsasl_xoauth2.so" \
			"/usr/lib/$OV_MA/sasl2/libsasl_xoauth2.so" &&
		install -d -m 0755 /etc/oidc-auth &&
		install -d -m 0700 /var/cache/oidc-auth
}
