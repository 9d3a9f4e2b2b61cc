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

/* The userinfo endpoint of src's issuer: configured, else discovery. */
static enum oidc_status userinfo_endpoint(struct oidc_keysource *src, int64_t now,
					  const struct oidc_http_opts *http,
					  const char **url_out, struct oidc_error *err)
{
	const struct oidc_provider_meta *meta = NULL;
	enum oidc_status st;

	if (src->ic->userinfo_endpoint) {
		*url_out = src->ic->userinfo_endpoint;
		return OIDC_OK;
	}
	st = oidc_keysource_meta(src, now, http, &meta, err);
	if (st != OIDC_OK)
		return st;
	if (!meta->userinfo_endpoint)
		return oidc_err(err, OIDC_E_CONFIG, "the provider publishes no "
				"userinfo_endpoint: set it");
	*url_out = meta->userinfo_endpoint;
	return OIDC_OK;
}

/*
 * OIDC Core 5.3 with the bearer token itself; the answer is trusted only
 * because it comes from the provider over verified TLS. sub only for the
 * username here: validate.c maps the username over the whole answer.
 */
static enum oidc_status ask_userinfo(struct oidc_keysource *src,
				     struct oidc_introspect_cache *cache,
				     const char *token, size_t len, int64_t now,
				     const char *expected_sub, int64_t token_exp,
				     struct oidc_jshared **claims_out, struct oidc_error *err)
{
	static char sub_name[] = "sub";
	static char *sub_list[] = { sub_name };
	const struct oidc_strlist only_sub = { sub_list, 1 };
	struct oidc_userinfo_result res = { 0 };
	struct oidc_userinfo_req req = { 0 };
	struct oidc_http_opts http;
	enum oidc_status st;

	oidc_keysource_http_opts(src->ic, &http);
	st = userinfo_endpoint(src, now, &http, &req.endpoint, err);
	if (st != OIDC_OK)
		return st;
	req.expected_sub = expected_sub;
	req.username_claims = &only_sub;
	req.token_exp = token_exp;
	req.http = &http;
	req.cache = cache;
	st = oidc_userinfo(&req, token, len, now, &res, err);
	if (st == OIDC_OK) {
		*claims_out = res.claims;
		res.claims = NULL;
	}
	oidc_userinfo_result_clear(&res);
	return st;
}

/*
 * Every accepted token is bound to this service: an aud we configured, or a
 * client list the administrator chose. RFC 7662 2.2 makes aud optional and
 * some providers leave it out (LemonLDAP::NG answers any of its clients
 * about any token, with client_id and no aud), so an answer without aud is
 * accepted only with azp set and a client_id in the answer. introspect.c
 * has checked both against the configuration where the answer has them.
 */
static enum oidc_status check_bound(const struct oidc_issuer_cfg *ic,
				    const struct oidc_jshared *answer,
				    struct oidc_error *err)
{
	const struct oidc_jdoc *doc = &answer->own.doc;

	if (oidc_jdoc_get(doc, "aud"))
		return OIDC_OK;
	if (ic->azp.n == 0)
		return oidc_err(err, OIDC_E_WRONG_AUDIENCE, "the introspection "
				"answer has no aud: set azp to the clients whose "
				"tokens are for this service");
	if (!oidc_jobj_str(doc, oidc_jdoc_root(doc), "client_id"))
		return oidc_err(err, OIDC_E_WRONG_AZP, "the introspection answer "
				"has neither aud nor client_id");
	return OIDC_OK;
}

enum oidc_status oidc_validate_opaque(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      char **claims_out, struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	const struct oidc_provider_meta *meta = NULL;
	struct oidc_introspect_result res = { 0 };
	struct oidc_introspect_req req = { 0 };
	struct oidc_http_opts http;
	struct oidc_jshared *answer = NULL;
	struct oidc_jwriter w;
	enum oidc_status st;

	if (ic->userinfo_mode == OIDC_USERINFO_VALIDATE) {
		st = ask_userinfo(src, cache, token, len, now, NULL, 0, &answer, err);
		goto done;
	}
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
	if (st == OIDC_OK)
		st = check_bound(ic, res.claims, err);
	if (st == OIDC_OK) {
		answer = res.claims;
		res.claims = NULL;
	}
	oidc_introspect_result_clear(&res);
done:
	if (st == OIDC_OK) {
		/* The answer as the provider ordered it, for the result to own. */
		oidc_jw_init(&w, 0, false);
		oidc_jw_node(&w, &answer->own.doc, oidc_jdoc_root(&answer->own.doc), false);
		*claims_out = oidc_jw_finish(&w, NULL);
		if (!*claims_out)
			st = oidc_err(err, OIDC_E_NOMEM, "provider answer");
	}
	oidc_jshared_unref(&answer);
	return st;
}

enum oidc_status oidc_userinfo_enrich(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      int64_t token_exp, const struct oidc_jdoc *claims,
				      char **merged_out, struct oidc_error *err)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims), *m, *aroot;
	const char *sub = oidc_jobj_str(claims, root, "sub");
	struct oidc_jshared *answer = NULL;
	const struct oidc_jdoc *adoc;
	struct oidc_jwriter w;
	enum oidc_status st;

	/* OIDC Core 5.3.2: the answer's sub must be the token's. */
	if (!sub)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "userinfo = enrich needs "
				"a sub in the token");
	st = ask_userinfo(src, cache, token, len, now, sub, token_exp, &answer, err);
	if (st != OIDC_OK)
		return st;
	adoc = &answer->own.doc;
	aroot = oidc_jdoc_root(adoc);
	/* The signed token's own claims win over the answer's: the token's
	 * members, then the answer's that the token lacks, each in order. */
	oidc_jw_init(&w, 0, false);
	oidc_jw_object_begin(&w);
	for (m = oidc_jnode_first(claims, root); m; m = oidc_jnode_next(claims, root, m)) {
		oidc_jw_key(&w, m->key, m->key_len);
		oidc_jw_node(&w, claims, m, false);
	}
	for (m = oidc_jnode_first(adoc, aroot); m; m = oidc_jnode_next(adoc, aroot, m)) {
		if (oidc_jobj_get(claims, root, m->key))
			continue;
		oidc_jw_key(&w, m->key, m->key_len);
		oidc_jw_node(&w, adoc, m, false);
	}
	oidc_jw_object_end(&w);
	*merged_out = oidc_jw_finish(&w, NULL);
	if (!*merged_out)
		st = oidc_err(err, OIDC_E_NOMEM, "merged claims");
	oidc_jshared_unref(&answer);
	return st;
}
