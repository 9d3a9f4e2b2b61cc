/* SPDX-License-Identifier: MIT */
/*
 * validate_opaque.c - tokens that are not JWS: only the identity provider
 * can say whether they are genuine. Used for the one issuer whose
 * token_types lists "opaque" (an opaque token names no issuer, so it is
 * never offered to several providers).
 *
 * An answer must bind the token to this service, as a JWT's aud does: the
 * RFC 7662 introspection answer (with this server's client credentials),
 * or with userinfo = validate Google's tokeninfo answer. It goes through
 * the claims policy of a JWT (claims.c, oidc_claims_check_answer); a
 * userinfo answer never binds (it has no aud: any client's token gets
 * one), it only adds claims: userinfo = enrich after introspection (the
 * introspection answer's members win), userinfo = validate after tokeninfo
 * (userinfo's members win: they are the user's claims, tokeninfo adds the
 * binding ones). validate.c then maps the user name and checks
 * required_claims over the result, as for a JWT.
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
 * because it comes from the provider over verified TLS. Its sub must be
 * expected_sub (5.3.2); token_exp bounds how long it is cached.
 */
static enum oidc_status ask_userinfo(struct oidc_keysource *src,
				     struct oidc_introspect_cache *cache,
				     const char *token, size_t len, int64_t now,
				     const char *expected_sub, int64_t token_exp,
				     struct oidc_jshared **claims_out, struct oidc_error *err)
{
	struct oidc_userinfo_result res = { 0 };
	struct oidc_userinfo_req req = { 0 };
	struct oidc_http_opts http;
	enum oidc_status st;

	oidc_keysource_http_opts(src->ic, &http);
	st = userinfo_endpoint(src, now, &http, &req.endpoint, err);
	if (st != OIDC_OK)
		return st;
	req.expected_sub = expected_sub;
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
 * The two claim sets as one JSON object (malloc'd in *out): every member of
 * first, then the members of second that first lacks, each in its order.
 */
static enum oidc_status merge(const struct oidc_jdoc *first,
			      const struct oidc_jdoc *second, char **out,
			      struct oidc_error *err)
{
	const struct oidc_jnode *r1 = oidc_jdoc_root(first), *r2 = oidc_jdoc_root(second);
	const struct oidc_jnode *m;
	struct oidc_jwriter w;

	oidc_jw_init(&w, 0, false);
	oidc_jw_object_begin(&w);
	for (m = oidc_jnode_first(first, r1); m; m = oidc_jnode_next(first, r1, m)) {
		oidc_jw_key(&w, m->key, m->key_len);
		oidc_jw_node(&w, first, m, false);
	}
	for (m = oidc_jnode_first(second, r2); m; m = oidc_jnode_next(second, r2, m)) {
		if (oidc_jobj_get(first, r1, m->key))
			continue;
		oidc_jw_key(&w, m->key, m->key_len);
		oidc_jw_node(&w, second, m, false);
	}
	oidc_jw_object_end(&w);
	*out = oidc_jw_finish(&w, NULL);
	return *out ? OIDC_OK : oidc_err(err, OIDC_E_NOMEM, "merged claims");
}

/*
 * The userinfo answer about the sub of claims (what: the claim set's name
 * for the details), merged with them: claims_win says whose members win.
 */
static enum oidc_status with_userinfo(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      int64_t token_exp, const struct oidc_jdoc *claims,
				      const char *what, bool claims_win, char **merged_out,
				      struct oidc_error *err)
{
	const char *sub = oidc_jobj_str(claims, oidc_jdoc_root(claims), "sub");
	struct oidc_jshared *answer = NULL;
	enum oidc_status st;

	/* OIDC Core 5.3.2: the answer's sub must be the token's. */
	if (!sub)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "userinfo needs a sub in "
				"the %s", what);
	st = ask_userinfo(src, cache, token, len, now, sub, token_exp, &answer, err);
	if (st != OIDC_OK)
		return st;
	st = claims_win ? merge(claims, &answer->own.doc, merged_out, err)
			: merge(&answer->own.doc, claims, merged_out, err);
	oidc_jshared_unref(&answer);
	return st;
}

/*
 * The provider's answer that binds an opaque token to this service, and
 * its kind: RFC 7662 introspection with this server's client credentials,
 * or with userinfo = validate Google's tokeninfo (a userinfo answer has no
 * aud: it cannot bind).
 */
static enum oidc_status binding_answer(struct oidc_keysource *src,
				       struct oidc_introspect_cache *cache,
				       const char *token, size_t len, int64_t now,
				       struct oidc_introspect_result *res,
				       enum oidc_claims_kind *kind_out,
				       struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	const struct oidc_provider_meta *meta = NULL;
	struct oidc_introspect_req req = { 0 };
	struct oidc_tokeninfo_req treq = { 0 };
	struct oidc_http_opts http;
	enum oidc_status st;

	oidc_keysource_http_opts(ic, &http);
	if (ic->userinfo_mode == OIDC_USERINFO_VALIDATE) {
		*kind_out = OIDC_CLAIMS_TOKENINFO;
		treq.endpoint = ic->tokeninfo_endpoint;
		treq.http = &http;
		treq.cache = cache;
		return oidc_tokeninfo(&treq, token, len, now, res, err);
	}
	*kind_out = OIDC_CLAIMS_INTROSPECTION;
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
	req.http = &http;
	req.cache = cache;
	return oidc_introspect(&req, token, len, now, res, err);
}

enum oidc_status oidc_validate_opaque(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      char **claims_out, struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_introspect_result res = { 0 };
	enum oidc_claims_kind kind = OIDC_CLAIMS_INTROSPECTION;
	const struct oidc_jdoc *doc;
	struct oidc_jwriter w;
	enum oidc_status st;

	st = binding_answer(src, cache, token, len, now, &res, &kind, err);
	if (st != OIDC_OK)
		goto out;
	doc = &res.claims->own.doc;
	/* The answer under the policy of a JWT's claims (claims.c). */
	st = oidc_claims_check_answer(ic, kind, doc, now, err);
	if (st != OIDC_OK)
		goto out;
	if (ic->userinfo_mode == OIDC_USERINFO_VALIDATE) {
		/* the claims are userinfo's; tokeninfo adds aud, azp, scope, exp
		 * (its email_verified is the string "true", userinfo's the
		 * literal) */
		st = with_userinfo(src, cache, token, len, now, res.exp, doc,
				   "tokeninfo answer", false, claims_out, err);
	} else if (ic->userinfo_mode == OIDC_USERINFO_ENRICH) {
		/* issue 12: what the introspection answer says wins, as a
		 * signed token's claims do */
		st = with_userinfo(src, cache, token, len, now, res.exp, doc,
				   "introspection answer", true, claims_out, err);
	} else {
		/* The answer as the provider ordered it, for the result to own. */
		oidc_jw_init(&w, 0, false);
		oidc_jw_node(&w, doc, oidc_jdoc_root(doc), false);
		*claims_out = oidc_jw_finish(&w, NULL);
		if (!*claims_out)
			st = oidc_err(err, OIDC_E_NOMEM, "provider answer");
	}
out:
	oidc_introspect_result_clear(&res);
	return st;
}

enum oidc_status oidc_userinfo_enrich(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      int64_t token_exp, const struct oidc_jdoc *claims,
				      char **merged_out, struct oidc_error *err)
{
	/* The signed token's own claims win over the answer's. */
	return with_userinfo(src, cache, token, len, now, token_exp, claims, "token",
			     true, merged_out, err);
}
