# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/lib/netns.sh - the preamble of the tests that run the real OpenID provider: source it
# first thing, from the repository root, as
#     . tests/lib/netns.sh NAME "$@"
# It fails loudly when the provider is not installed, re-executes the calling script once
# inside private network, PID and mount namespaces (loopback only, fixed ports cannot clash,
# every process started dies with the script), and brings loopback up there.
_ns_name=$1
shift
if [ ! -f tests/idp/node_modules/oidc-provider/package.json ]; then
	echo "not ok - $_ns_name: oidc-provider missing: run npm ci --prefix tests/idp (or .ci/run)"
	exit 1
fi
# the script's own path, also when it was started by a relative path from elsewhere (the
# caller has just done cd "$ROOT", so OLDPWD is where it was started)
_ns_self=$(cd "${OLDPWD:-.}" 2>/dev/null && readlink -f "$0") || _ns_self=$0
if [ "${OIDC_TEST_IN_NS:-}" != "$_ns_self" ]; then
	OIDC_TEST_IN_NS=$_ns_self exec unshare -n -p -f --mount-proc bash "$_ns_self" "$@"
fi
ip link set lo up || { echo "not ok - $_ns_name: ip link set lo up failed"; exit 1; }
