#!/usr/bin/env bash
# tests/shapes/t_shape_gitlab.sh - GitLab as an OpenID provider as it serves itself
# (discovery, /oauth/discovery/keys) and as it signs ID tokens (aud the application id,
# numeric sub, nickname, groups_direct, two-minute lifetime). The configuration is the ini
# block of docs/idp/gitlab.md; then the look-alikes: another application, gitlab.com, a
# user outside the group, a three-minute-old token, an opaque access token, forged.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/shapes/lib.sh
shapes_begin gitlab "${BASH_SOURCE[0]}" "$@"

CONF=$T_TMP/gitlab.conf
shapes_conf "$CONF" 1
IDT=$(shapes_mint id)
shape_accepts "ID token of the application (nickname, groups_direct)" "$CONF" alice "$IDT"
shape_refused "an ID token of another application" "$CONF" \
	"$(shapes_mint id '{"claims": {"aud": "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0"}}')" \
	wrong_audience
shape_refused "an ID token of gitlab.com" "$CONF" \
	"$(shapes_mint id '{"claims": {"iss": "https://gitlab.com"}}')" wrong_issuer
shape_refused "a user outside mail-users" "$CONF" \
	"$(shapes_mint id '{"claims": {"groups_direct": ["infra/ops"]}}')" claim_policy
shape_refused "an ID token five minutes old (GitLab's live two)" "$CONF" \
	"$(shapes_mint id '{"age": 300}')" token_expired
shape_refused "an OAuth access token (opaque)" "$CONF" \
	"3f9c2b1a0e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b" malformed_token
shape_refused "a forged ID token" "$CONF" "$(shapes_mint id '{"key": "attacker"}')" bad_signature
t_done
