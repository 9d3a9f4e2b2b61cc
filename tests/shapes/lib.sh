# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# tests/shapes/lib.sh - the provider-shape tests (t_shape_*.sh): one provider's discovery
# document and JWKS served on its own host names as its documentation shows them
# (tests/shapes/stub.py, a private /etc/hosts and a throw-away CA in the test's mount
# namespace), tokens with that provider's headers and claims (fixtures.py, signed by
# python3-cryptography), and the configuration taken from the provider's guide in
# docs/idp/ so that guide and test cannot drift. Source it from the repository root (it
# sources testlib.sh, tests/pam/lib.sh and tests/providers/lib.sh):
#
#     shapes_begin okta "${BASH_SOURCE[0]}" "$@"
#     shapes_conf "$CONF" 1              # the guide's first ini block
#     shape_accepts "access token" "$CONF" alice "$(shapes_mint access)"
#     shape_refused "ID token" "$CONF" "$(shapes_mint id)" wrong_audience
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/providers/lib.sh

# shapes_begin PROVIDER SCRIPT ARGS...: namespaces, t_init, the stub up and /etc/hosts
# pointing the provider's names at it. Exits (after not ok) when any of it fails.
shapes_begin() {
	local p=$1 script=$2 i
	shift 2
	prov_enter_ns "shape-$p" "$script" "$@"
	t_init "shape-$p" "$@"
	trap 'shapes_stop; t_cleanup' EXIT
	SH_PROVIDER=$p
	SH_GUIDE=docs/idp/$p.md
	[ "$p" = entra ] && SH_GUIDE=docs/idp/entra-id.md
	SH_STATE=$T_TMP/stub
	prov_ready "shape-$p" || { t_done; exit 1; }
	mkdir -p "$SH_STATE" && chmod 700 "$SH_STATE" || exit 1
	"$PY" tests/shapes/stub.py "$SH_STATE" "$p" >"$T_TMP/stub.out" 2>"$T_TMP/stub.err" &
	SH_PID=$!
	for i in $(seq 1 300); do
		grep -q READY "$T_TMP/stub.out" 2>/dev/null && break
		kill -0 "$SH_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q READY "$T_TMP/stub.out" 2>/dev/null; then
		not_ok "$p: the provider stub starts" "$(tail -c 600 "$T_TMP/stub.err")"
		t_done
		exit 1
	fi
	# a private /etc/hosts, in this mount namespace only (the host's is never touched)
	if [ "$(readlink /proc/self/ns/mnt)" = "${OIDC_OUTER_MNTNS:-}" ] ||
		! mount --bind "$SH_STATE/hosts" /etc/hosts; then
		not_ok "$p: private /etc/hosts for $(tr '\n' ' ' <"$SH_STATE/hosts")"
		t_done
		exit 1
	fi
	SH_CA=$SH_STATE/ca.pem
	ok "$p: its discovery and keys served on $("$PY" tests/shapes/fixtures.py hosts "$p")"
}

shapes_stop() {
	[ -n "${SH_PID:-}" ] && kill "$SH_PID" 2>/dev/null
	[ -n "${SH_PID:-}" ] && wait "$SH_PID" 2>/dev/null
	SH_PID=
}

# shapes_mint KIND [JSON]: a token of the provider (fixtures.py mint) on stdout.
shapes_mint() {
	"$PY" tests/shapes/fixtures.py mint "$SH_STATE" "$SH_PROVIDER" "$@"
}

# shapes_conf OUT N [FROM=TO...]: the guide's Nth ini block (prov_doc_conf) after the
# test's CA and cache directory (first, so that they are defaults for every [issuer]
# section); not ok and exit when it cannot be taken.
shapes_conf() {
	local out=$1 n=$2
	shift 2
	if prov_doc_conf "$out.block" "$SH_GUIDE" "$n" "$@" &&
		{ printf 'ca_file = %s\ncache_dir = %s\n' "$SH_CA" "$T_TMP/cache" &&
			cat "$out.block"; } >"$out"; then
		run_cli check-config "$out"
		expect_exit "$SH_PROVIDER: ini block $n of $SH_GUIDE passes check-config" 0
	else
		not_ok "$SH_PROVIDER: ini block $n of $SH_GUIDE can be taken"
		t_done
		exit 1
	fi
}

# shape_ok NAME CONF USER TOKEN: the CLI accepts TOKEN as USER.
shape_ok() {
	run_cli validate --config "$2" --json "$4"
	if [ "$RC" = 0 ] && [ "$(json_field user)" = "$3" ]; then
		ok "$SH_PROVIDER: $1"
	else
		not_ok "$SH_PROVIDER: $1" "expected exit 0 and user $3" "$(t_last_run)"
	fi
}

# shape_accepts NAME CONF USER TOKEN: accepted as USER by the CLI, by pam_oidc through
# libpam and by the SASL plugin (OAUTHBEARER through sasl-sample-server).
shape_accepts() {
	shape_ok "$1" "$2" "$3" "$4"
	prov_pam "$SH_PROVIDER: ... through pam_oidc and libpam" "$2" "$3" "$4"
	prov_sasl "$SH_PROVIDER: ... through the SASL plugin (OAUTHBEARER)" "$2" "$3" "$4"
}

# shape_refused NAME CONF TOKEN REASON: the CLI refuses TOKEN with REASON (exit 1).
shape_refused() {
	run_cli validate --config "$2" --json "$3"
	expect_reason "$SH_PROVIDER: $1" 1 "$4"
}

# shape_fetched PATH: the provider stub has served PATH (a request for it arrived).
shape_fetched() {
	curl -sf --cacert "$SH_CA" "https://$("$PY" tests/shapes/fixtures.py hosts \
		"$SH_PROVIDER" | cut -d' ' -f1)/__seen" | grep -qF "$1"
}
