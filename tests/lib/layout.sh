# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/layout.sh - the packaged layout and the recipes' files, for tests that run a server
# as Debian runs it. Source after tests/lib/testlib.sh and tests/pam/lib.sh, inside the private
# mount namespace of pam_enter_ns (it refuses to run outside one).
#
#   layout_overlay DIR...      DIR becomes copy-on-write in this namespace (overlayfs whose upper
#                              layer is a private tmpfs): the test may write /etc/oidc-auth,
#                              /etc/passwd or /var/cache/oidc-auth, the host's DIR never changes
#   layout_package             what the three packages install, at their paths: the example
#                              /etc/oidc-auth/oidc-auth.conf, /var/cache/oidc-auth (root 0755),
#                              pam_oidc.so in /lib/<triplet>/security, the plugin in
#                              /usr/lib/<triplet>/sasl2; overlays those directories first
#   layout_conf RECIPE HEADING FILE
#                              the recipe's configuration block (docs/recipes/RECIPE.md, code block
#                              under HEADING) as FILE, with this test's provider in place of the
#                              recipe's example one: issuer, audience (api://mail), required_scopes
#                              (mail.read) replaced, ca_file added; every other line as written
#   layout_sh RECIPE HEADING [INDEX]
#                              run the recipe's shell block as root, with build/oidc-auth as
#                              oidc-auth on PATH; its output in $T_TMP/recipe.out
#   layout_block RECIPE HEADING [INDEX]   print a code block of the recipe
#
# Provider variables (IDP_ISSUER, IDP_CA) come from tests/idp/lib.sh.

LAYOUT_MA=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
LAYOUT_PAM_DIR=/usr/lib/$LAYOUT_MA/security
LAYOUT_SASL_DIR=/usr/lib/$LAYOUT_MA/sasl2
LAYOUT_UPPER=
LAYOUT_MOUNTS=()

layout_in_private_ns() {
	[ -n "${OIDC_OUTER_MNTNS:-}" ] && [ "$(readlink /proc/self/ns/mnt)" != "$OIDC_OUTER_MNTNS" ]
}

layout_overlay() {
	local d n
	layout_in_private_ns || { echo "# layout_overlay: not in a private mount namespace" >&2; return 1; }
	if [ -z "$LAYOUT_UPPER" ]; then
		LAYOUT_UPPER=$T_TMP/overlays
		mkdir -p "$LAYOUT_UPPER" && mount -t tmpfs -o mode=700 layout "$LAYOUT_UPPER" || return 1
		LAYOUT_MOUNTS+=("$LAYOUT_UPPER")
	fi
	for d in "$@"; do
		n=$LAYOUT_UPPER/$(printf '%s' "$d" | tr / _)
		mkdir -p "$n/upper" "$n/work" &&
			mount -t overlay overlay -o "lowerdir=$d,upperdir=$n/upper,workdir=$n/work" "$d" ||
			return 1
		LAYOUT_MOUNTS=("$d" "${LAYOUT_MOUNTS[@]}")
	done
}

# layout_cleanup: unmount (lazily) before the temporary directory is removed.
layout_cleanup() {
	local m
	for m in "${LAYOUT_MOUNTS[@]}"; do
		umount -l "$m" 2>/dev/null
	done
	LAYOUT_MOUNTS=()
}

layout_package() {
	local b=$ROOT/build
	# real daemons load the normal build (an ASan object cannot go into them), as PAM_SO_HOST
	[ -f "$b/pam_oidc.so" ] && [ -f "$b/sasl2/libsasl_xoauth2.so" ] ||
		{ echo "# layout_package: $b/pam_oidc.so and the plugin are not built" >&2; return 1; }
	layout_overlay /etc /var/cache "$LAYOUT_PAM_DIR" "$LAYOUT_SASL_DIR" || return 1
	rm -rf /etc/oidc-auth /var/cache/oidc-auth || return 1
	install -d -m 0755 /etc/oidc-auth /var/cache/oidc-auth &&
		install -m 0644 "$ROOT/examples/oidc-auth.conf" /etc/oidc-auth/oidc-auth.conf &&
		install -m 0644 "$b/pam_oidc.so" "$LAYOUT_PAM_DIR/pam_oidc.so" &&
		install -m 0644 "$b/sasl2/libsasl_xoauth2.so" "$LAYOUT_SASL_DIR/libsasl_xoauth2.so"
}

layout_block() {
	"$PY" "$ROOT/tests/lib/recipe.py" "$ROOT/docs/recipes/$1.md" "$2" "${3:-0}"
}

layout_conf() {
	local block
	block=$(layout_block "$1" "$2") || return 1
	{
		printf '%s\n' "$block" | sed -E \
			-e "s|^(issuer[[:space:]]*=).*|\\1 $IDP_ISSUER|" \
			-e 's|^(audience[[:space:]]*=).*|\1 api://mail|' \
			-e 's|^(required_scopes[[:space:]]*=).*|\1 mail.read|'
		echo "ca_file = /etc/oidc-auth/test-ca.pem"
	} >"$3" && chmod 644 "$3" && install -m 0644 "$IDP_CA" /etc/oidc-auth/test-ca.pem
}

layout_sh() {
	local block bin=$T_TMP/layout-bin
	block=$(layout_block "$@") || return 1
	mkdir -p "$bin" && ln -sf "$ROOT/build/oidc-auth" "$bin/oidc-auth" || return 1
	printf '%s\n' "$block" >"$T_TMP/recipe.sh"
	PATH=$bin:$PATH bash -e "$T_TMP/recipe.sh" >"$T_TMP/recipe.out" 2>&1
}
