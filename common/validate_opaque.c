/* SPDX-License-Identifier: MIT */
/*
 * validate_opaque.c - tokens that are not JWS: only the identity provider
 * can say whether they are genuine, through RFC 7662 introspection with this
 * server's client credentials. Used for the one issuer whose token_types
 * lists "opaque" (an opaque token names no issuer, so it is never offered
 * to several providers).
 */
#include <stdlib.h>
#include <string.h>

#include "introspect.h"
#include "keysource.h"
#include "validate_priv.h"

/* A JWS compact token has exactly two dots (RFC 7515 7.1). */
bool oidc_token_is_jws_shaped(const char *token, size_t len)
{
	size_t dots = 0;

	for (size_t i = 0; i < len && dots < 3; i++)
		if (token[i] == '.')
			dots++;
	return dots == 2;
}

enum oidc_status oidc_validate_opaque(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      char **user_out, char **claims_out,
				      struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	const struct oidc_provider_meta *meta = NULL;
	struct oidc_introspect_result res = { 0 };
	struct oidc_introspect_req req = { 0 };
	struct oidc_http_opts http;
	enum oidc_status st;

	oidc_keysource_http_opts(ic, &http);
	req.endpoint = ic->introspection_endpoint;
	if (!req.endpoint) {
		st = oidc_keysource_meta(src, now, &http, &meta, err);
		if (st != OIDC_OK)
			return st;
		req.endpoint = meta->introspection_endpoint;
		if (!req.endpoint)
			return oidc_err(err, OIDC_E_CONFIG, "the provider publishes no "
					"introspection_endpoint: set it");
	}
	req.client_id = ic->client_id;
	req.client_secret = ic->client_secret;
	req.auth = ic->client_auth_post ? OIDC_CLIENT_AUTH_POST : OIDC_CLIENT_AUTH_BASIC;
	/* iss, aud and scope are checked when the answer has them (RFC 7662
	 * 2.2 makes them optional). */
	req.expected_issuer = ic->is_template ? NULL : ic->issuer;
	req.audience = &ic->audience;
	req.required_scopes = &ic->required_scopes;
	req.allowed_client_ids = &ic->azp;
	req.username_claims = &ic->username_claim;
	req.leeway = ic->leeway;
	req.http = &http;
	req.cache = cache;
	st = oidc_introspect(&req, token, len, now, &res, err);
	if (st == OIDC_OK) {
		*claims_out = json_dumps(res.claims, JSON_COMPACT);
		*user_out = res.username;
		res.username = NULL;
		if (!*claims_out) {
			free(*user_out);
			*user_out = NULL;
			st = oidc_err(err, OIDC_E_NOMEM, "introspection result");
		}
	}
	oidc_introspect_result_clear(&res);
	return st;
}
