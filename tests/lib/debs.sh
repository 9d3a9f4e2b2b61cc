# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/debs.sh - Debian packages the suite runs but must never install: Exim and sendmail
# conflict with Postfix (apt would remove it, and Dovecot with it). They are downloaded once
# with apt-get download into $ROOT/build/debs and unpacked there (dpkg-deb -x), never given to
# dpkg; a test copies a tree into its own copy-on-write system (tests/lib/overlay.sh).
#
# Sourced:   debs_fetch GROUP   download and unpack GROUP once (needs apt's network: call it
#                               before entering a network namespace); 0 when the tree is there
#            debs_need GROUP NAME   the same, or the test's "not ok" and exit
#            debs_tree GROUP    print the unpacked tree of GROUP; 1 when it is missing
# Run:       bash tests/lib/debs.sh [GROUP...]   fetch the groups (default: all), as .ci/run
#                               does before make check so that the tests need no network
# Groups and their packages: DEBS_GROUPS below. A group's tree is
# build/debs/GROUP-VERSION (VERSION of its first package) with a .complete marker, so a
# download cut short is never taken for a tree.

declare -A DEBS_GROUPS=(
	[exim]="exim4-daemon-heavy exim4-base exim4-config"
	[sendmail]="sendmail-bin sendmail-base sendmail-cf"
)
DEBS_DIR=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/build/debs

debs_tree() {   # GROUP
	local t
	for t in "$DEBS_DIR/$1"-*; do
		[ -f "$t/.complete" ] && { printf '%s\n' "$t"; return 0; }
	done
	return 1
}

debs_fetch() {   # GROUP
	local group=$1 pkgs tmp f ver tree
	pkgs=${DEBS_GROUPS[$group]:-}
	[ -n "$pkgs" ] || { echo "# debs: unknown group $group" >&2; return 1; }
	debs_tree "$group" >/dev/null && return 0
	mkdir -p "$DEBS_DIR" || return 1
	tmp=$(mktemp -d "$DEBS_DIR/.fetch-$group.XXXXXX") || return 1
	# shellcheck disable=SC2086  # a word list
	if ! (cd "$tmp" && apt-get download -q $pkgs) >"$tmp/apt.log" 2>&1; then
		echo "# debs: apt-get download $pkgs failed:" >&2
		sed 's/^/#   /' "$tmp/apt.log" | tail -n 5 >&2
		rm -rf "$tmp"
		return 1
	fi
	f=("$tmp/${pkgs%% *}"_*.deb)
	ver=$(dpkg-deb -f "${f[0]}" Version) || { rm -rf "$tmp"; return 1; }
	tree=$DEBS_DIR/$group-$ver
	rm -rf "$tree" && mkdir -p "$tree" || { rm -rf "$tmp"; return 1; }
	for f in "$tmp"/*.deb; do
		dpkg-deb -x "$f" "$tree" || { rm -rf "$tmp" "$tree"; return 1; }
	done
	rm -rf "$tmp"
	touch "$tree/.complete"
}

debs_need() {   # GROUP NAME: debs_fetch GROUP, or "not ok - NAME: ..." and exit
	debs_fetch "$1" && return 0
	echo "not ok - $2: the $1 .debs are missing and apt-get download failed (run bash tests/lib/debs.sh)"
	exit 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	groups=("$@")
	[ ${#groups[@]} -gt 0 ] || groups=("${!DEBS_GROUPS[@]}")
	rc=0
	for g in "${groups[@]}"; do
		if debs_fetch "$g"; then
			echo "debs: $g in $(debs_tree "$g")"
		else
			echo "debs: $g: download failed" >&2
			rc=1
		fi
	done
	exit "$rc"
fi
