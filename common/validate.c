/* SPDX-License-Identifier: MIT */
/*
 * validate.c - the whole decision for one bearer token: structure, issuer
 * selection, signature, claims, username. The order is the security
 * argument: nothing from the claim set is trusted (beyond picking which
 * configured issuer's keys to try) before the signature verified, and a
 * signature failure is reported before any claim error (checklist G1).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct oidc_ctx {
	struct oidc_config *cfg;
	oidc_clock_fn clock;
	void *clock_arg;
	size_t max_token_size;   /* largest max_token_size of any issuer */
};

struct oidc_result {
	char *username;
	char *issuer_name;
	json_t *claims;
	enum oidc_alg alg;
};

static int64_t oidc_wall_clock(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

OIDC_EXPORT enum oidc_status oidc_ctx_new(struct oidc_ctx **ctx_out,
					  struct oidc_config *cfg,
					  struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	struct oidc_ctx *ctx = NULL;
	size_t n;

	if (!cfg || !cfg->finished) {
		oidc_config_free(&cfg);
		return oidc_err(err, OIDC_E_CONFIG,
				"configuration not finished");
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		oidc_config_free(&cfg);
		return oidc_err(err, OIDC_E_NOMEM, "context");
	}
	ctx->cfg = cfg;
	ctx->clock = oidc_wall_clock;
	n = oidc_config_issuers(cfg, &list);
	for (size_t i = 0; i < n; i++)
		if ((size_t)list[i]->max_token_size > ctx->max_token_size)
			ctx->max_token_size = (size_t)list[i]->max_token_size;
	*ctx_out = ctx;
	return OIDC_OK;
}

OIDC_EXPORT void oidc_ctx_set_clock(struct oidc_ctx *ctx, oidc_clock_fn fn,
				    void *arg)
{
	ctx->clock = fn ? fn : oidc_wall_clock;
	ctx->clock_arg = fn ? arg : NULL;
}

OIDC_EXPORT int64_t oidc_ctx_now(const struct oidc_ctx *ctx)
{
	return ctx->clock(ctx->clock_arg);
}

OIDC_EXPORT void oidc_ctx_free(struct oidc_ctx **ctx)
{
	if (!ctx || !*ctx)
		return;
	oidc_config_free(&(*ctx)->cfg);
	free(*ctx);
	*ctx = NULL;
}

/* Characters of an Entra tenant id (a GUID) or a verified domain name. */
static bool tenant_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/*
 * Does iss match ic->issuer? Exact for plain issuers; for a {tenantid}
 * template the part in place of {tenantid} is returned in *tenant (borrowed
 * from iss, *tenant_len bytes). E2: the literal "{tenantid}" never matches.
 */
static bool issuer_matches(const struct oidc_issuer_cfg *ic, const char *iss,
			   const char **tenant, size_t *tenant_len)
{
	static const char placeholder[] = "{tenantid}";
	size_t iss_len, pre, suf_len;
	const char *suffix;

	if (!ic->is_template)
		return strcmp(ic->issuer, iss) == 0;
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
				      const json_t *claims,
				      const struct oidc_issuer_cfg **ic_out,
				      struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n = oidc_config_issuers(ctx->cfg, &list);
	const char *iss = oidc_json_str(claims, "iss");
	const char *tenant;
	size_t tenant_len;

	if (!iss)
		return oidc_err(err, json_object_get(claims, "iss") ?
					     OIDC_E_BAD_CLAIM : OIDC_E_MISSING_CLAIM,
				"iss missing or not a string");
	for (size_t i = 0; i < n; i++) {
		if (issuer_matches(list[i], iss, &tenant, &tenant_len)) {
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

/*
 * D1/E2 after the signature verified: iss equals the configured issuer; for
 * a template, tid equals the tenant part of iss and is allow-listed; a key
 * that names its issuer (Entra) must have signed for this one.
 */
static enum oidc_status check_issuer(const struct oidc_issuer_cfg *ic,
				     const struct oidc_key *key,
				     const json_t *claims,
				     struct oidc_error *err)
{
	const char *iss = oidc_json_str(claims, "iss");
	const char *tenant = NULL, *tid;
	size_t tenant_len = 0;
	enum oidc_status st = OIDC_OK;
	char *key_iss = NULL;

	if (!iss)
		return oidc_err(err, json_object_get(claims, "iss") ?
					     OIDC_E_BAD_CLAIM : OIDC_E_MISSING_CLAIM,
				"iss missing or not a string");
	if (!issuer_matches(ic, iss, &tenant, &tenant_len))
		return oidc_err(err, OIDC_E_WRONG_ISSUER,
				"iss \"%.100s\" is not %.100s", iss, ic->issuer);
	if (ic->is_template) {
		tid = oidc_json_str(claims, "tid");
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
		tid = oidc_json_str(claims, "tid");
		key_iss = issuer_for_tenant(key->issuer, tid ? tid : "");
		if (!key_iss)
			return oidc_err(err, OIDC_E_NOMEM, "issuer");
		if (strcmp(key_iss, iss) != 0)
			st = oidc_err(err, OIDC_E_WRONG_ISSUER,
				      "key %.64s is published for another issuer",
				      key->kid ? key->kid : "(no kid)");
		free(key_iss);
	}
	return st;
}

static void audit_copy(char *dst, size_t cap, const char *src)
{
	if (src)
		oidc_sanitize(dst, cap, src, strlen(src));
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
	struct oidc_jws jws = { 0 };
	struct oidc_result *res = NULL;
	json_t *claims = NULL;
	char *user = NULL;
	enum oidc_status st;

	if (audit)
		memset(audit, 0, sizeof(*audit));
	if (!ctx || !token)
		return oidc_err(err, OIDC_E_INTERNAL, "no context or token");
	if (audit)
		oidc_token_fingerprint(token, len, audit->token_sha256);

	st = oidc_jws_parse(token, len, ctx->max_token_size, &jws, err);
	if (st != OIDC_OK)
		goto out;
	if (audit) {
		audit_copy(audit->kid, sizeof(audit->kid), jws.kid);
		audit_copy(audit->alg, sizeof(audit->alg),
			   oidc_alg_get(jws.alg)->name);
	}

	/* With one issuer the claims stay unread until the signature holds;
	 * with several, iss only chooses whose keys to try. */
	if (oidc_config_issuers(ctx->cfg, &list) == 1) {
		ic = list[0];
	} else {
		st = oidc_json_parse_object(jws.payload, jws.payload_len,
					    &claims, err);
		if (st != OIDC_OK)
			goto out;
		st = select_issuer(ctx, claims, &ic, err);
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
	if (!(ic->algorithms & OIDC_ALG_BIT(jws.alg))) {
		st = oidc_err(err, OIDC_E_ALG_NOT_ALLOWED,
			      "%s is not in algorithms",
			      oidc_alg_get(jws.alg)->name);
		goto out;
	}
	if (!ic->keys) {
		st = oidc_err(err, OIDC_E_KEYS_UNAVAILABLE, "no keys for %s",
			      ic->name);
		goto out;
	}
	st = oidc_keyset_find(ic->keys, jws.alg, jws.kid, &key, err);
	if (st != OIDC_OK)
		goto out;
	st = oidc_jws_check_signature(&jws, key, err);
	if (st != OIDC_OK)
		goto out;

	if (!claims) {
		st = oidc_json_parse_object(jws.payload, jws.payload_len,
					    &claims, err);
		if (st != OIDC_OK)
			goto out;
	}
	if (audit) {
		audit_copy(audit->iss, sizeof(audit->iss),
			   oidc_json_str(claims, "iss"));
		audit_copy(audit->sub, sizeof(audit->sub),
			   oidc_json_str(claims, "sub"));
		audit_copy(audit->jti, sizeof(audit->jti),
			   oidc_json_str(claims, "jti"));
	}
	st = check_issuer(ic, key, claims, err);
	if (st != OIDC_OK)
		goto out;
	st = oidc_claims_check(ic, claims, jws.typ, oidc_ctx_now(ctx), err);
	if (st != OIDC_OK)
		goto out;
	st = oidc_identity_map(ic, claims, &user, err);
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

	if (result_out) {
		res = calloc(1, sizeof(*res));
		if (!res || !(res->issuer_name = strdup(ic->name))) {
			st = oidc_err(err, OIDC_E_NOMEM, "result");
			goto out;
		}
		res->username = user;
		res->claims = claims;
		res->alg = jws.alg;
		user = NULL;
		claims = NULL;
		*result_out = res;
		res = NULL;
	}
	st = OIDC_OK;
	if (err) {
		err->status = OIDC_OK;
		err->detail[0] = '\0';
	}
out:
	oidc_result_free(&res);
	free(user);
	json_decref(claims);
	oidc_jws_clear(&jws);
	return st;
}

OIDC_EXPORT const char *oidc_result_username(const struct oidc_result *res)
{
	return res->username;
}

OIDC_EXPORT const char *oidc_result_issuer_name(const struct oidc_result *res)
{
	return res->issuer_name;
}

OIDC_EXPORT const char *oidc_result_alg(const struct oidc_result *res)
{
	return oidc_alg_get(res->alg)->name;
}

OIDC_EXPORT const char *oidc_result_claim_string(const struct oidc_result *res,
						 const char *name)
{
	return oidc_json_str(res->claims, name);
}

OIDC_EXPORT int oidc_result_claim_int(const struct oidc_result *res,
				      const char *name, int64_t *value_out)
{
	int64_t v;

	if (oidc_json_numericdate(res->claims, name, &v) != 1)
		return -1;
	*value_out = v;
	return 0;
}

OIDC_EXPORT char *oidc_result_claims_json(const struct oidc_result *res)
{
	return json_dumps(res->claims, JSON_COMPACT | JSON_SORT_KEYS);
}

OIDC_EXPORT void oidc_result_free(struct oidc_result **res)
{
	if (!res || !*res)
		return;
	free((*res)->username);
	free((*res)->issuer_name);
	json_decref((*res)->claims);
	free(*res);
	*res = NULL;
}
