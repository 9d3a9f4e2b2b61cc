/* SPDX-License-Identifier: MIT */
/*
 * validate.c - the whole decision for one bearer token: structure, issuer
 * selection, signature, claims, username. The order is the security
 * argument: nothing from the claim set is trusted (beyond picking which
 * configured issuer's keys to try) before the signature verified, and a
 * signature failure is reported before any claim error (checklist G1).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"
#include "keysource.h"
#include "tokencache.h"
#include "introspect.h"
#include "validate_priv.h"

static bool tenant_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* validate_priv.h */
bool oidc_issuer_matches(const struct oidc_issuer_cfg *ic, const char *iss,
			 const char **tenant, size_t *tenant_len)
{
	static const char placeholder[] = "{tenantid}";
	size_t iss_len, pre, suf_len;
	const char *suffix;

	if (!ic->is_template)
		return strcmp(ic->issuer, iss) == 0 ||
		       oidc_strlist_contains(&ic->issuer_aliases, iss);
	pre = ic->issuer_prefix_len;
	suffix = ic->issuer + pre + sizeof(placeholder) - 1;
	suf_len = strlen(suffix);
	iss_len = strlen(iss);
	if (iss_len <= pre + suf_len || strncmp(iss, ic->issuer, pre) != 0 ||
	    strcmp(iss + iss_len - suf_len, suffix) != 0)
		return false;
	for (size_t i = pre; i < iss_len - suf_len; i++)
		if (!tenant_char_ok(iss[i]))
			return false;
	*tenant = iss + pre;
	*tenant_len = iss_len - suf_len - pre;
	return true;
}

/* D1: pick the configured issuer by the token's iss (selection only). */
static enum oidc_status select_issuer(const struct oidc_ctx *ctx,
				      const struct oidc_jdoc *claims,
				      const struct oidc_issuer_cfg **ic_out,
				      struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	const struct oidc_jnode *root = oidc_jdoc_root(claims);
	size_t n = oidc_config_issuers(ctx->cfg, &list);
	const char *iss = oidc_jobj_str(claims, root, "iss");
	const char *tenant;
	size_t tenant_len;

	if (!iss)
		return oidc_err(err, oidc_jobj_get(claims, root, "iss") ?
					     OIDC_E_BAD_CLAIM : OIDC_E_MISSING_CLAIM,
				"iss missing or not a string");
	for (size_t i = 0; i < n; i++) {
		if (oidc_issuer_matches(list[i], iss, &tenant, &tenant_len)) {
			*ic_out = list[i];
			return OIDC_OK;
		}
	}
	return oidc_err(err, OIDC_E_WRONG_ISSUER,
			"iss \"%.100s\" is not a configured issuer", iss);
}

/* Replace {tenantid} in tmpl by tid; malloc'd, NULL on OOM. */
static char *issuer_for_tenant(const char *tmpl, const char *tid)
{
	static const char placeholder[] = "{tenantid}";
	const char *p = strstr(tmpl, placeholder);
	size_t pre, rest, tl = strlen(tid);
	char *out;

	if (!p)
		return strdup(tmpl);
	pre = (size_t)(p - tmpl);
	rest = strlen(p + sizeof(placeholder) - 1);
	out = malloc(pre + tl + rest + 1);
	if (!out)
		return NULL;
	memcpy(out, tmpl, pre);
	memcpy(out + pre, tid, tl);
	memcpy(out + pre + tl, p + sizeof(placeholder) - 1, rest + 1);
	return out;
}

/* The claims that name the token and its issuer, found in one pass (the
 * parser refused duplicate names). */
struct id_claims {
	const struct oidc_jnode *iss, *sub, *jti, *tid;
};

static void find_id_claims(const struct oidc_jdoc *claims,
			   struct id_claims *c)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims);
	const struct oidc_jnode *nodes = claims->nodes;

	memset(c, 0, sizeof(*c));
	/* jdoc.h: the members are root+1.. and each one's end is the next. */
	for (uint32_t i = 1; root && i < root->end; i = nodes[i].end) {
		const struct oidc_jnode *n = &nodes[i];

		if (n->key_len != 3)
			continue;
		if (memcmp(n->key, "iss", 3) == 0)
			c->iss = n;
		else if (memcmp(n->key, "sub", 3) == 0)
			c->sub = n;
		else if (memcmp(n->key, "jti", 3) == 0)
			c->jti = n;
		else if (memcmp(n->key, "tid", 3) == 0)
			c->tid = n;
	}
}

static const char *jstr(const struct oidc_jnode *v)
{
	return v && v->type == OIDC_JSTRING ? v->v.s : NULL;
}

/*
 * D1/E2 after the signature verified: iss equals the configured issuer; for
 * a template, tid equals the tenant part of iss and is allow-listed; a key
 * that names its issuer (Entra) must have signed for this one.
 */
static enum oidc_status check_issuer(const struct oidc_issuer_cfg *ic,
				     const struct oidc_key *key,
				     const struct id_claims *c,
				     struct oidc_error *err)
{
	const char *iss = jstr(c->iss);
	const char *tenant = NULL, *tid;
	size_t tenant_len = 0;
	enum oidc_status st = OIDC_OK;
	char *key_iss = NULL;

	if (!iss)
		return oidc_err(err, c->iss ? OIDC_E_BAD_CLAIM :
					      OIDC_E_MISSING_CLAIM,
				"iss missing or not a string");
	if (!oidc_issuer_matches(ic, iss, &tenant, &tenant_len))
		return oidc_err(err, OIDC_E_WRONG_ISSUER,
				"iss \"%.100s\" is not %.100s", iss, ic->issuer);
	if (ic->is_template) {
		tid = jstr(c->tid);
		if (!tid || strlen(tid) != tenant_len ||
		    memcmp(tid, tenant, tenant_len) != 0)
			return oidc_err(err, OIDC_E_TENANT_NOT_ALLOWED,
					"tid does not match the tenant in iss");
		if (!oidc_strlist_contains(&ic->allowed_tenants, tid))
			return oidc_err(err, OIDC_E_TENANT_NOT_ALLOWED,
					"tenant %.64s is not in allowed_tenants",
					tid);
	}
	if (key->issuer) {
		tid = jstr(c->tid);
		key_iss = issuer_for_tenant(key->issuer, tid ? tid : "");
		if (!key_iss)
			return oidc_err(err, OIDC_E_NOMEM, "issuer");
		/* an alias (E3) names the configured issuer */
		if (!ic->is_template && strcmp(iss, ic->issuer) != 0)
			iss = ic->issuer;
		if (strcmp(key_iss, iss) != 0)
			st = oidc_err(err, OIDC_E_WRONG_ISSUER,
				      "key %.64s is published for another issuer",
				      key->kid ? key->kid : "(no kid)");
		free(key_iss);
	}
	return st;
}

/* src is NUL-terminated and oidc_sanitize stops there or at cap. */
static void audit_copy(char *dst, size_t cap, const char *src)
{
	if (src)
		oidc_sanitize(dst, cap, src, cap);
}

/*
 * oidc_token_fingerprint without its per-call digest fetch (SHA256() in
 * OpenSSL 3 fetches the algorithm each time): same output.
 */
static void token_fingerprint(const struct oidc_ctx *ctx, const char *token,
			      size_t len, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!ctx->sha256 ||
	    EVP_Digest(token, len, md, &md_len, ctx->sha256, NULL) != 1 ||
	    md_len < 8) {
		oidc_token_fingerprint(token, len, out);
		return;
	}
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
}

static struct oidc_keysource *source_of(struct oidc_ctx *ctx,
					 const struct oidc_issuer_cfg *ic)
{
	for (size_t i = 0; i < ctx->n_sources; i++)
		if (ctx->sources[i].ic == ic)
			return &ctx->sources[i];
	return NULL;
}

/* design.md 5: stale keys serve within cache_stale_max, and the audit line
 * says so, with why the refresh failed (the server's side, not the token). */
static void audit_keys_note(struct oidc_ctx *ctx, const struct oidc_issuer_cfg *ic,
			    struct oidc_audit *audit)
{
	(void)oidc_keysource_note(source_of(ctx, ic), oidc_ctx_now(ctx), audit->note,
				  sizeof(audit->note));
}

/*
 * A reference to the keys that verify ic's tokens: the configured files, or
 * the provider's set through the memory/disk cache (keysource.c). kid is set
 * only to ask for a rate-limited refetch after an unknown kid.
 */
static enum oidc_status issuer_keys(struct oidc_ctx *ctx,
				    const struct oidc_issuer_cfg *ic,
				    const char *kid, struct oidc_keyset **keys_out,
				    struct oidc_error *err)
{
	for (size_t i = 0; i < ctx->n_sources; i++)
		if (ctx->sources[i].ic == ic)
			return oidc_keysource_get(&ctx->sources[i],
						  oidc_ctx_now(ctx), kid, NULL,
						  keys_out, err);
	return oidc_err(err, OIDC_E_INTERNAL, "no key source for %s", ic->name);
}

/* An empty result for ic; one allocation, the issuer name after the
 * struct. NULL when out of memory. */
static struct oidc_result *result_new(const struct oidc_issuer_cfg *ic)
{
	size_t name_len = strlen(ic->name);
	struct oidc_result *res = calloc(1, sizeof(*res) + name_len + 1);

	if (!res)
		return NULL;
	res->issuer_name = (char *)(res + 1);
	memcpy(res->issuer_name, ic->name, name_len + 1);
	res->leeway = ic->leeway;
	res->kind = OIDC_CLAIMS_JWT;
	return res;
}

/*
 * Not a JWS, and one issuer takes opaque tokens: ask its introspection
 * endpoint (validate_opaque.c). The result's claims are the answer.
 */
static enum oidc_status validate_opaque_token(struct oidc_ctx *ctx,
					      const char *token, size_t len,
					      const char *expected_user,
					      struct oidc_result **result_out,
					      struct oidc_audit *audit,
					      struct oidc_error *err)
{
	struct oidc_keysource *src = &ctx->sources[ctx->opaque_source];
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_result *res = NULL;
	char *user = NULL, *claims = NULL;
	enum oidc_status st;

	audit_copy(audit->issuer_name, sizeof(audit->issuer_name), ic->name);
	audit_copy(audit->alg, sizeof(audit->alg), "opaque");
	if (len > (size_t)ic->max_token_size)
		return oidc_err(err, OIDC_E_TOO_LARGE, "%zu bytes, limit %lld", len,
				(long long)ic->max_token_size);
	st = oidc_validate_opaque(src, ctx->introspect, token, len,
				  oidc_ctx_now(ctx), &claims, err);
	if (st != OIDC_OK)
		goto out;
	res = result_new(ic);
	if (!res) {
		st = oidc_err(err, OIDC_E_NOMEM, "result");
		goto out;
	}
	res->alg = OIDC_ALG_UNKNOWN;
	/* the claims hold the binding answer's exp (validate_opaque.c) */
	res->kind = ic->userinfo_mode == OIDC_USERINFO_VALIDATE ?
		    OIDC_CLAIMS_TOKENINFO : OIDC_CLAIMS_INTROSPECTION;
	res->buf_len = strlen(claims);
	res->buf = (unsigned char *)claims;
	claims = NULL;
	st = oidc_jdoc_parse(&res->claims, (char *)res->buf, res->buf_len, err);
	/* The provider vouches for the token; our policy and username mapping
	 * are the same as for a JWT. */
	if (st == OIDC_OK)
		st = oidc_claims_required(ic, &res->claims, err);
	if (st == OIDC_OK)
		st = oidc_identity_map(ic, &res->claims, &user, err);
	if (st != OIDC_OK)
		goto out;
	audit_copy(audit->user, sizeof(audit->user), user);
	audit_copy(audit->sub, sizeof(audit->sub),
		   oidc_jobj_str(&res->claims, oidc_jdoc_root(&res->claims), "sub"));
	if (expected_user && strcmp(expected_user, user) != 0) {
		st = oidc_err(err, OIDC_E_USER_MISMATCH,
			      "token maps to another user than %.64s", expected_user);
		goto out;
	}
	st = oidc_identity_check_account(ic, ctx->accounts, oidc_ctx_now(ctx), user, err);
	if (st != OIDC_OK)
		goto out;
	if (result_out) {
		res->username = user;
		user = NULL;
		*result_out = res;
		res = NULL;
	}
	if (err) {
		err->status = OIDC_OK;
		err->detail[0] = '\0';
	}
out:
	oidc_result_free(&res);
	free(claims);
	free(user);
	return st;
}

/*
 * userinfo = enrich: the verified claims plus what the userinfo endpoint
 * says about the same sub. The merged document replaces the JWS buffer, so
 * the result owns it the way it owns the token's payload.
 */
static enum oidc_status enrich_claims(struct oidc_ctx *ctx,
				      const struct oidc_issuer_cfg *ic,
				      const char *token, size_t len, int64_t now,
				      struct oidc_jdoc *claims, struct oidc_jws *jws,
				      struct oidc_error *err)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims);
	struct oidc_keysource *src = source_of(ctx, ic);
	int64_t exp = 0;
	char *merged = NULL;
	enum oidc_status st;

	if (!src)
		return oidc_err(err, OIDC_E_INTERNAL, "claims");
	(void)oidc_jobj_numericdate(claims, root, "exp", &exp);
	st = oidc_userinfo_enrich(src, ctx->introspect, token, len, now, exp, claims,
				  &merged, err);
	if (st != OIDC_OK)
		return st;
	oidc_jdoc_clear(claims);
	oidc_free_secret(jws->buf, jws->buf_len);
	jws->buf = (unsigned char *)merged;
	jws->buf_len = strlen(merged);
	jws->payload = NULL;
	jws->kid = jws->typ = NULL;
	jws->header_json = NULL;
	jws->sig = NULL;
	return oidc_jdoc_parse(claims, merged, jws->buf_len, err);
}

/*
 * Issue 3: a token verified before costs a lookup. Returns false to run the
 * full validation: not cached, the clock went back (nbf and iat were
 * checked at a later time), or the issuer's key set is not the one that
 * verified the token (dropped: a key the provider stopped publishing stops
 * working). exp and expected_user are decided here as claims.c and
 * oidc_validate decide them, and the system-account check is run again;
 * the audit is the one the miss filled, and a
 * result shares the claims the miss decoded (nothing is re-decoded).
 */
static bool validate_cached(struct oidc_ctx *ctx, const char *token,
			    size_t len, const char *expected_user,
			    struct oidc_result **result_out,
			    struct oidc_audit *audit, struct oidc_error *err,
			    enum oidc_status *st_out)
{
	struct oidc_tokencache_data *d = NULL;
	struct oidc_keyset *keys = NULL, *cached_keys = NULL;
	struct oidc_result *res;
	struct oidc_error key_err;
	bool done = false;
	enum oidc_status st = OIDC_OK;
	int64_t now;

	if (!oidc_tokencache_lookup(ctx->tokens, token, len, &cached_keys, &d))
		return false;
	now = oidc_ctx_now(ctx);
	if (now < d->validated_at)
		goto out;
	/* Unavailable keys (stale window over): the full path says so. */
	if (issuer_keys(ctx, d->ic, NULL, &keys, &key_err) != OIDC_OK)
		goto out;
	if (keys != cached_keys) {
		oidc_tokencache_drop(ctx->tokens, token, len);
		goto out;
	}
	done = true;
	*audit = d->audit;
	audit_keys_note(ctx, d->ic, audit);
	if (oidc_tokencache_expired(d->exp, now, d->ic->leeway)) {
		oidc_tokencache_drop(ctx->tokens, token, len);
		audit->user[0] = '\0';  /* a miss fails before mapping */
		st = oidc_err(err, OIDC_E_EXPIRED,
			      "expired: exp=%" PRId64 " now=%" PRId64
			      " leeway=%" PRId64, d->exp, now, d->ic->leeway);
		goto out;
	}
	if (expected_user && strcmp(expected_user, d->user) != 0) {
		st = oidc_err(err, OIDC_E_USER_MISMATCH,
			      "token maps to another user than %.64s",
			      expected_user);
		goto out;
	}
	/* not cached: the account database may have changed since */
	st = oidc_identity_check_account(d->ic, ctx->accounts, oidc_ctx_now(ctx), d->user,
					  err);
	if (st != OIDC_OK)
		goto out;
	if (result_out) {
		res = result_new(d->ic);
		if (!res) {
			st = oidc_err(err, OIDC_E_NOMEM, "result");
			goto out;
		}
		res->username = d->user;
		res->claims = d->claims;
		res->alg = d->alg;
		res->cached = d;
		d = NULL;
		*result_out = res;
	}
	if (err) {
		err->status = OIDC_OK;
		err->detail[0] = '\0';
	}
out:
	oidc_tokencache_data_unref(&d);
	oidc_keyset_unref(&cached_keys);
	oidc_keyset_unref(&keys);
	*st_out = st;
	return done;
}

OIDC_EXPORT enum oidc_status oidc_validate(struct oidc_ctx *ctx,
					   const char *token, size_t len,
					   const char *expected_user,
					   struct oidc_result **result_out,
					   struct oidc_audit *audit,
					   struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	const struct oidc_issuer_cfg *ic = NULL;
	const struct oidc_key *key = NULL;
	struct oidc_keyset *keys = NULL;
	struct oidc_jws jws = { 0 };
	struct oidc_result *res = NULL;
	struct oidc_jdoc claims = { NULL, 0, 0 };
	struct id_claims idc;
	struct oidc_audit own_audit;   /* the cache keeps one either way */
	struct oidc_error refetch = { OIDC_OK, "" };
	bool cacheable = false, multi, nonce;
	char *user = NULL;
	enum oidc_status st;
	int64_t now, started;

	if (!audit)
		audit = &own_audit;
	memset(audit, 0, sizeof(*audit));
	if (!ctx || !token)
		return oidc_err(err, OIDC_E_INTERNAL, "no context or token");
	started = oidc_ctx_now(ctx);
	/* Hash only what could be a token: an oversize input must cost
	 * nothing before it is refused. A hit takes its fingerprint from the
	 * miss that stored it. */
	if (len <= ctx->max_token_size) {
		cacheable = ctx->tokens != NULL;
		if (cacheable && validate_cached(ctx, token, len, expected_user,
						 result_out, audit, err, &st))
			return st;
		token_fingerprint(ctx, token, len, audit->token_sha256);
	}

	if (ctx->opaque_source < ctx->n_sources &&
	    !oidc_token_is_jws_shaped(token, len))
		return oidc_token_cut_refusal(
			validate_opaque_token(ctx, token, len, expected_user,
					      result_out, audit, err),
			token, len, err);

	st = oidc_jws_parse(token, len, ctx->max_token_size, &jws, err);
	if (st != OIDC_OK) {
		st = oidc_token_cut_refusal(st, token, len, err);
		goto out;
	}
	if (audit) {
		audit_copy(audit->kid, sizeof(audit->kid), jws.kid);
		audit_copy(audit->alg, sizeof(audit->alg),
			   oidc_alg_get(jws.alg)->name);
	}

	/* With one issuer the claims stay unread until the signature holds;
	 * with several, iss only chooses whose keys to try. A nonce in the
	 * header: aud is read too, to refuse Graph tokens (below). */
	multi = oidc_config_issuers(ctx->cfg, &list) > 1;
	nonce = oidc_jobj_get(&jws.header, oidc_jdoc_root(&jws.header),
			      "nonce") != NULL;
	if (multi || nonce) {
		st = oidc_jdoc_parse(&claims, (char *)jws.payload,
				     jws.payload_len, err);
		if (st != OIDC_OK)
			goto out;
	}
	/*
	 * Checklist E1: a Microsoft Graph access token carries a nonce in its
	 * header and is signed over SHA-256(nonce), so no one but Graph can
	 * verify it; checking its signature would only say bad_signature.
	 * Named for what it is, before the signature, and only ever refused:
	 * nothing else in it is read or trusted.
	 */
	if (nonce && oidc_claims_aud_is_graph(&claims)) {
		st = oidc_err(err, OIDC_E_GRAPH_AUDIENCE, "a Microsoft Graph "
			      "access token (nonce header, aud Graph; unverified): "
			      "only Graph can verify it, request a token for this "
			      "service's Application ID URI");
		goto out;
	}
	if (!multi) {
		ic = list[0];
	} else {
		st = select_issuer(ctx, &claims, &ic, err);
		if (st != OIDC_OK)
			goto out;
	}
	if (audit)
		audit_copy(audit->issuer_name, sizeof(audit->issuer_name),
			   ic->name);
	if (len > (size_t)ic->max_token_size) {
		st = oidc_err(err, OIDC_E_TOO_LARGE, "%zu bytes, limit %lld",
			      len, (long long)ic->max_token_size);
		goto out;
	}
	if (!ic->accept_jwt) {
		st = oidc_err(err, OIDC_E_MALFORMED, "token_types of %s does "
			      "not list jwt", ic->name);
		goto out;
	}
	if (!(ic->algorithms & OIDC_ALG_BIT(jws.alg))) {
		st = oidc_err(err, OIDC_E_ALG_NOT_ALLOWED,
			      "%s is not in algorithms",
			      oidc_alg_get(jws.alg)->name);
		goto out;
	}
	st = issuer_keys(ctx, ic, NULL, &keys, err);
	if (st != OIDC_OK)
		goto out;
	audit_keys_note(ctx, ic, audit);
	st = oidc_keyset_find(keys, jws.alg, jws.kid, &key, err);
	if (st == OIDC_E_UNKNOWN_KID && jws.kid && ic->network_keys) {
		/* A8 / rotation: the provider may have published a new key;
		 * the key source refetches at most once per interval. */
		oidc_keyset_unref(&keys);
		st = issuer_keys(ctx, ic, jws.kid, &keys, &refetch);
		if (st != OIDC_OK && err)
			*err = refetch;
		if (st == OIDC_OK)
			st = oidc_keyset_find(keys, jws.alg, jws.kid, &key, err);
	}
	/* no key to check the signature with: say what the token is, from
	 * claims read only for that (unverified.c) */
	if (st == OIDC_E_UNKNOWN_KID)
		st = oidc_explain_unknown_key(ic, &jws, &claims,
					      oidc_keysource_fetched_since(source_of(ctx, ic),
									   keys, started),
					      &refetch, err);
	if (st != OIDC_OK)
		goto out;
	st = oidc_jws_check_signature(&jws, key, err);
	/* a full-length signature that fails stays a forgery */
	if (st == OIDC_E_BAD_SIGNATURE &&
	    jws.sig_len < oidc_jws_sig_len_for(&jws, key))
		st = oidc_token_cut_refusal(st, token, len, err);
	if (st != OIDC_OK)
		goto out;

	/* In place: the decoded payload is ours, and the signature covers
	 * the received text, not these bytes. */
	if (!oidc_jdoc_root(&claims)) {
		st = oidc_jdoc_parse(&claims, (char *)jws.payload,
				     jws.payload_len, err);
		if (st != OIDC_OK)
			goto out;
	}
	find_id_claims(&claims, &idc);
	if (audit) {
		audit_copy(audit->iss, sizeof(audit->iss), jstr(idc.iss));
		audit_copy(audit->sub, sizeof(audit->sub), jstr(idc.sub));
		audit_copy(audit->jti, sizeof(audit->jti), jstr(idc.jti));
	}
	st = check_issuer(ic, key, &idc, err);
	if (st != OIDC_OK)
		goto out;
	now = oidc_ctx_now(ctx);
	st = oidc_claims_check(ic, &claims, jws.typ, now, err);
	if (st == OIDC_OK && ic->userinfo_mode == OIDC_USERINFO_ENRICH) {
		/* the merged claims are not the token's: never cached */
		cacheable = false;
		st = enrich_claims(ctx, ic, token, len, now, &claims, &jws, err);
		if (st == OIDC_OK)
			st = oidc_claims_required(ic, &claims, err);
	}
	if (st != OIDC_OK)
		goto out;
	st = oidc_identity_map(ic, &claims, &user, err);
	if (st != OIDC_OK)
		goto out;
	if (audit)
		audit_copy(audit->user, sizeof(audit->user), user);
	if (expected_user && strcmp(expected_user, user) != 0) {
		st = oidc_err(err, OIDC_E_USER_MISMATCH,
			      "token maps to another user than %.64s",
			      expected_user);
		goto out;
	}
	if (cacheable) {
		struct oidc_tokencache_entry ce = {
			.ic = ic, .keys = keys, .validated_at = now,
			.alg = jws.alg, .audit = *audit,
		};

		/* claims.c required a numeric exp (clamped the same way). */
		if (oidc_jobj_numericdate(&claims, oidc_jdoc_root(&claims),
					  "exp", &ce.exp) == 1)
			oidc_tokencache_insert(ctx->tokens, token, len, &ce,
					       user, &claims,
					       (const char *)jws.payload,
					       jws.payload_len);
	}
	/* After the insert: the token itself is verified, and a hit asks the
	 * account database again anyway (the slow NSS answer does not widen
	 * the window in which concurrent misses of one token all insert). */
	st = oidc_identity_check_account(ic, ctx->accounts, oidc_ctx_now(ctx), user, err);
	if (st != OIDC_OK)
		goto out;

	if (result_out) {
		res = result_new(ic);
		if (!res) {
			st = oidc_err(err, OIDC_E_NOMEM, "result");
			goto out;
		}
		/* The claims point into the JWS buffer: both move. */
		res->username = user;
		res->claims = claims;
		res->buf = jws.buf;
		res->buf_len = jws.buf_len;
		res->alg = jws.alg;
		user = NULL;
		memset(&claims, 0, sizeof(claims));
		jws.buf = NULL;
		*result_out = res;
		res = NULL;
	}
	st = OIDC_OK;
	if (err) {
		err->status = OIDC_OK;
		err->detail[0] = '\0';
	}
out:
	oidc_keyset_unref(&keys);
	oidc_result_free(&res);
	free(user);
	oidc_jdoc_clear(&claims);
	oidc_jws_clear(&jws);
	return st;
}
