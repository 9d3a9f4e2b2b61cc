#!/usr/bin/env bash
# .ci/packages-smoke.sh - build the Debian packages from a copy of the tree,
# run lintian, install them on this machine, check the installed files work,
# then purge them. Run as root on Debian 12 with .ci/packages.txt installed.
# Any problem stops the script with "not ok - ..." and a non-zero status.
#
# It changes the machine while it runs (dpkg -i, pam-auth-update), so it
# refuses to start when /etc/oidc-auth exists without being ours, and puts
# everything back (purge) on exit, failure included.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(oidc-auth libpam-oidc libsasl2-modules-oidc)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PAM_SO=/lib/$MA/security/pam_oidc.so
SASL_DIR=/usr/lib/$MA/sasl2
SASL_SO=$SASL_DIR/libsasl_xoauth2.so
CONF=/etc/oidc-auth/oidc-auth.conf
PAM_SVC=/etc/pam.d/oidc-auth-smoke
SVC_CONF=/etc/oidc-auth/postfix.conf
WORK=$(mktemp -d /tmp/oidc-auth-pkg.XXXXXX)
installed=0
checks=0

ok() { checks=$((checks + 1)); echo "ok - $*"; }
fail() { echo "not ok - $*"; exit 1; }
show() { sed 's/^/    /' "$1" | tail -"${2:-40}"; }

purge() {
	dpkg --purge "${PKGS[@]}" >"$WORK/purge.log" 2>&1
}
cleanup() {
	local rc=$?
	if [ "$installed" = 1 ] && ! purge; then
		echo "not ok - purge after failure"; show "$WORK/purge.log"; rc=1
	fi
	rm -rf "$WORK"
	[ "$installed" = 0 ] || rm -f "$PAM_SVC" "$SVC_CONF"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || fail "packages smoke test needs root (dpkg -i)"
left=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	case "$st" in '' | not-installed) ;; *) left+=("$p") ;; esac
done
if [ ${#left[@]} -gt 0 ]; then
	echo "# purging ${left[*]} left by an earlier run"
	dpkg --purge "${left[@]}" >/dev/null
fi
[ ! -e /etc/oidc-auth ] ||
	fail "/etc/oidc-auth exists and no package of ours owns it: not touching it"
[ ! -e "$PAM_SVC" ] || fail "$PAM_SVC exists: not touching it"

# ---- build from a copy (dpkg-buildpackage writes into ..) ---------------
t0=$SECONDS
mkdir "$WORK/src"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$WORK/src"
# noddebs: the -dbgsym packages are not under test and cost time.
if ! (cd "$WORK/src" && DEB_BUILD_OPTIONS=noddebs dpkg-buildpackage -us -uc -b -j2) \
	>"$WORK/build.log" 2>&1; then
	show "$WORK/build.log" 60
	fail "dpkg-buildpackage -us -uc -b"
fi
debs=()
for p in "${PKGS[@]}"; do
	f=("$WORK/${p}"_*.deb)
	[ -f "${f[0]}" ] || fail "no ${p}_*.deb built"
	debs+=("${f[0]}")
done
ok "dpkg-buildpackage built ${PKGS[*]} in $((SECONDS - t0)) s"

t0=$SECONDS
changes=("$WORK"/oidc-auth_*.changes)
if ! lintian --fail-on error "${changes[0]}" \
	>"$WORK/lintian.log" 2>&1; then
	show "$WORK/lintian.log"
	fail "lintian reports errors"
fi
ok "lintian: no errors ($(grep -c '^W:' "$WORK/lintian.log" || true) warnings, $((SECONDS - t0)) s)"
grep -E '^[WE]:' "$WORK/lintian.log" | sed 's/^/# /' || true

# ---- install -------------------------------------------------------------
pam_sums() { md5sum /etc/pam.d/common-* 2>/dev/null; }
pam_before=$(pam_sums)
installed=1
if ! dpkg -i "${debs[@]}" >"$WORK/install.log" 2>&1; then
	apt-get install -f -y -qq >>"$WORK/install.log" 2>&1 || true
fi
for p in "${PKGS[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -qx 'install ok installed' || {
		show "$WORK/install.log"; fail "$p is not installed after dpkg -i"; }
done
ok "dpkg -i of the three packages"

for f in "$PAM_SO" "$SASL_SO" /usr/bin/oidc-auth "$CONF" /usr/share/pam-configs/oidc \
	/usr/share/doc/oidc-auth/README.Debian; do
	[ -f "$f" ] || fail "installed file missing: $f"
done
[ "$(stat -c '%a %U' /var/cache/oidc-auth)" = "755 root" ] ||
	fail "/var/cache/oidc-auth is $(stat -c '%a %U' /var/cache/oidc-auth), want 755 root"
[ "$(stat -c '%a' "$CONF")" = 644 ] || fail "$CONF mode $(stat -c '%a' "$CONF")"
dpkg-query -W -f '${Conffiles}\n' oidc-auth | grep -q " $CONF " ||
	fail "$CONF is not a conffile of oidc-auth"
ok "installed paths, modes and conffile"

[ "$(pam_sums)" = "$pam_before" ] ||
	fail "installing libpam-oidc changed /etc/pam.d/common-* (profile must be Default: no)"
ok "pam-auth-update profile installed but not enabled"

# ---- the per-service layout (debian/oidc-auth.README.Debian, recipes) ----
# A service user's own cache directory inside the package's, its own file,
# checked as that user; then the 0.1.0 layout (parent root 0700), which
# locks it out, and the upgrade that opens it.
id postfix >/dev/null 2>&1 || fail "no user postfix (.ci/packages.txt installs postfix)"
install -d -o postfix -g postfix -m 0700 /var/cache/oidc-auth/postfix
{ grep -v '^cache_dir' "$CONF"; echo "cache_dir = /var/cache/oidc-auth/postfix"; } >"$SVC_CONF"
chmod 644 "$SVC_CONF"
oidc-auth check-config --as-user postfix "$SVC_CONF" >"$WORK/as.txt" 2>&1 ||
	{ show "$WORK/as.txt"; fail "check-config --as-user postfix $SVC_CONF"; }
ok "a postfix cache directory inside /var/cache/oidc-auth: check-config --as-user postfix passes"
if oidc-auth check-config --as-user root "$SVC_CONF" >"$WORK/as.txt" 2>&1 ||
	! grep -q cache_dir_unusable "$WORK/as.txt"; then
	show "$WORK/as.txt"; fail "check-config --as-user root accepted postfix's cache directory"
fi
ok "the same file for a root service: refused (cache_dir_unusable), as the core would"
chmod 0700 /var/cache/oidc-auth
if oidc-auth check-config --as-user postfix "$SVC_CONF" >"$WORK/as.txt" 2>&1 ||
	! grep -q 'cannot search /var/cache/oidc-auth ' "$WORK/as.txt"; then
	show "$WORK/as.txt"; fail "check-config --as-user postfix missed the 0.1.0 layout"
fi
ok "the 0.1.0 layout (root 0700): check-config --as-user postfix names /var/cache/oidc-auth"
/var/lib/dpkg/info/oidc-auth.postinst configure 0.1.0 >"$WORK/postinst.log" 2>&1 ||
	{ show "$WORK/postinst.log"; fail "postinst configure 0.1.0"; }
[ "$(stat -c '%a %U' /var/cache/oidc-auth)" = "755 root" ] ||
	fail "postinst configure 0.1.0 left /var/cache/oidc-auth $(stat -c '%a' /var/cache/oidc-auth)"
chmod 0700 /var/cache/oidc-auth
/var/lib/dpkg/info/oidc-auth.postinst configure 0.1.1 >"$WORK/postinst.log" 2>&1 ||
	{ show "$WORK/postinst.log"; fail "postinst configure 0.1.1"; }
[ "$(stat -c '%a' /var/cache/oidc-auth)" = 700 ] ||
	fail "postinst configure 0.1.1 changed an administrator's mode"
chmod 0755 /var/cache/oidc-auth
oidc-auth check-config --as-user postfix "$SVC_CONF" >/dev/null 2>&1 ||
	fail "check-config --as-user postfix after the upgrade"
rm -f "$SVC_CONF"
ok "the upgrade from 0.1.0 opens /var/cache/oidc-auth (0755), later upgrades leave it alone"

# ---- the installed objects load and work ---------------------------------
cat >"$WORK/dl.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	int i;

	if (!h) {
		printf("%s\n", dlerror());
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (!dlsym(h, argv[i])) {
			printf("%s: no symbol %s\n", argv[1], argv[i]);
			return 1;
		}
	return dlclose(h) ? 1 : 0;
}
EOF
cc -o "$WORK/dl" "$WORK/dl.c" -ldl || fail "cannot compile the dlopen checker"
"$WORK/dl" "$PAM_SO" pam_sm_authenticate pam_sm_acct_mgmt ||
	fail "dlopen(RTLD_NOW) $PAM_SO"
ok "dlopen(RTLD_NOW) of the installed pam_oidc.so"
"$WORK/dl" "$SASL_SO" sasl_server_plug_init || fail "dlopen(RTLD_NOW) $SASL_SO"
ok "dlopen(RTLD_NOW) of the installed libsasl_xoauth2.so"

# An application whose SASL configuration names no oidc_ option is not
# offered the mechanisms, so give saslpluginviewer (SASL application
# "pluginviewer") the installed configuration.
mkdir "$WORK/sasl"
echo "oidc_config: $CONF" >"$WORK/sasl/pluginviewer.conf"
SASL_CONF_PATH=$WORK/sasl saslpluginviewer -s >"$WORK/sasl.txt" 2>&1 ||
	{ show "$WORK/sasl.txt"; fail "saslpluginviewer -s"; }
for m in OAUTHBEARER XOAUTH2; do
	grep -q "SASL mechanism: $m," "$WORK/sasl.txt" ||
		{ show "$WORK/sasl.txt"; fail "saslpluginviewer -s does not list $m"; }
done
ok "saslpluginviewer -s lists OAUTHBEARER and XOAUTH2 from $SASL_DIR with $CONF"

oidc-auth --help >"$WORK/help.txt" 2>&1 || fail "oidc-auth --help exit $?"
grep -q check-config "$WORK/help.txt" || fail "oidc-auth --help does not list check-config"
ok "oidc-auth --help"
oidc-auth check-config "$CONF" >"$WORK/check.txt" 2>&1 ||
	{ show "$WORK/check.txt"; fail "oidc-auth check-config $CONF"; }
ok "oidc-auth check-config on the installed example configuration"

for page in "1 oidc-auth" "5 oidc-auth.conf" "8 pam_oidc" "8 sasl_xoauth2"; do
	# shellcheck disable=SC2086
	p=$(man -w $page 2>/dev/null) || fail "man -w $page finds nothing"
	case "$p" in /usr/share/man/*) ;; *) fail "man -w $page: $p is not ours" ;; esac
done
ok "man -w finds oidc-auth(1), oidc-auth.conf(5), pam_oidc(8), sasl_xoauth2(8)"

# The profile's module lines through libpam, the module found by name in the
# installed directory, with the installed configuration, followed by
# pam_deny: a password that is no token falls through (password_users=*) and
# pam_deny makes it "Authentication failure"; an argument or configuration
# the module refuses would be "Error in service module".
for field in Auth-Initial Auth; do
	line=$(awk -v f="$field:" '$1 == f { getline; sub(/^[ \t]*\[[^]]*\][ \t]*/, ""); print; exit }' \
		/usr/share/pam-configs/oidc)
	case "$line" in pam_oidc.so\ *) ;; *) fail "no pam_oidc.so line under $field: in the profile" ;; esac
	printf 'auth required %s\nauth required pam_deny.so\n' "$line" >"$PAM_SVC"
	if out=$(echo not-a-token | pamtester "${PAM_SVC##*/}" root authenticate 2>&1); then
		fail "profile $field line accepted a password that is no token"
	fi
	grep -q 'Authentication failure' <<<"$out" || fail "profile $field line ($line): $out"
done
rm -f "$PAM_SVC"
ok "libpam loads pam_oidc.so by name with the profile's arguments and the installed configuration"

# The profile as pam-auth-update writes it; prerm must take it out again.
pam-auth-update --enable oidc >"$WORK/pau.log" 2>&1 || { show "$WORK/pau.log"; fail "pam-auth-update --enable oidc"; }
grep -q 'pam_oidc.so config=/etc/oidc-auth/oidc-auth.conf' /etc/pam.d/common-auth ||
	fail "pam-auth-update --enable oidc did not add pam_oidc to common-auth"
grep -q 'pam_oidc.so' /etc/pam.d/common-account ||
	fail "pam-auth-update --enable oidc did not add pam_oidc to common-account"
ok "pam-auth-update --enable oidc puts pam_oidc into common-auth and common-account"

# ---- purge ---------------------------------------------------------------
purge || { show "$WORK/purge.log"; fail "dpkg --purge ${PKGS[*]}"; }
installed=0
for f in "$PAM_SO" "$SASL_SO" /usr/bin/oidc-auth /etc/oidc-auth /var/cache/oidc-auth \
	/usr/share/pam-configs/oidc; do
	[ ! -e "$f" ] || fail "$f still there after purge"
done
! grep -q pam_oidc /etc/pam.d/common-* || fail "pam_oidc still in /etc/pam.d/common-* after purge"
[ "$(pam_sums)" = "$pam_before" ] || fail "/etc/pam.d/common-* differ after purge"
SASL_CONF_PATH=$WORK/sasl saslpluginviewer -s 2>&1 | grep -q 'SASL mechanism: OAUTHBEARER,' &&
	fail "OAUTHBEARER still listed after purge"
ok "purge removes every file and restores /etc/pam.d/common-*"

echo "# packages smoke test: all $checks checks ok"
