/* SPDX-License-Identifier: MIT */
/*
 * context.c - the validation context (configuration, clock, key sources,
 * caches) and the result object oidc_validate() hands out: their life
 * cycle and accessors. The decision itself is validate.c.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "internal.h"
#include "keysource.h"
#include "tokencache.h"
#include "introspect.h"
#include "validate_priv.h"

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
	ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ctx->tokens = oidc_tokencache_new(0);
	ctx->accounts = oidc_account_memo_new();
	if (!ctx->tokens || !ctx->accounts) {
		oidc_ctx_free(&ctx);
		return oidc_err(err, OIDC_E_NOMEM, "token cache");
	}
	n = oidc_config_issuers(cfg, &list);
	ctx->sources = calloc(n, sizeof(*ctx->sources));
	if (!ctx->sources) {
		oidc_ctx_free(&ctx);
		return oidc_err(err, OIDC_E_NOMEM, "context");
	}
	for (size_t i = 0; i < n; i++) {
		if ((size_t)list[i]->max_token_size > ctx->max_token_size)
			ctx->max_token_size = (size_t)list[i]->max_token_size;
		if (oidc_keysource_init(&ctx->sources[i], list[i]) != OIDC_OK) {
			oidc_ctx_free(&ctx);
			return oidc_err(err, OIDC_E_NOMEM, "key source");
		}
		ctx->n_sources = i + 1;
	}
	ctx->opaque_source = n;
	for (size_t i = 0; i < n; i++) {
		if (list[i]->accept_opaque)
			ctx->opaque_source = i;
		if ((!list[i]->accept_opaque &&
		     list[i]->userinfo_mode == OIDC_USERINFO_OFF) || ctx->introspect)
			continue;
		/* introspection and userinfo answers, keyed by endpoint too */
		ctx->introspect = oidc_introspect_cache_new(
			0, OIDC_INTROSPECT_TTL_DEFAULT, OIDC_INTROSPECT_NEG_TTL_DEFAULT);
		if (!ctx->introspect) {
			oidc_ctx_free(&ctx);
			return oidc_err(err, OIDC_E_NOMEM, "introspection cache");
		}
	}
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

struct oidc_tokencache *oidc_ctx_tokencache(struct oidc_ctx *ctx)
{
	return ctx->tokens;
}

struct oidc_keysource *oidc_ctx_source(const struct oidc_ctx *ctx, const char *issuer_name)
{
	if (!issuer_name)
		return ctx->n_sources == 1 ? &ctx->sources[0] : NULL;
	for (size_t i = 0; i < ctx->n_sources; i++)
		if (strcmp(ctx->sources[i].ic->name, issuer_name) == 0)
			return &ctx->sources[i];
	return NULL;
}

OIDC_EXPORT void oidc_ctx_free(struct oidc_ctx **ctx)
{
	if (!ctx || !*ctx)
		return;
	oidc_tokencache_free(&(*ctx)->tokens);
	oidc_account_memo_free(&(*ctx)->accounts);
	oidc_introspect_cache_free(&(*ctx)->introspect);
	for (size_t i = 0; i < (*ctx)->n_sources; i++)
		oidc_keysource_clear(&(*ctx)->sources[i]);
	free((*ctx)->sources);
	oidc_config_free(&(*ctx)->cfg);
	EVP_MD_free((*ctx)->sha256);
	free(*ctx);
	*ctx = NULL;
}

/* Characters of an Entra tenant id (a GUID) or a verified domain name. */

OIDC_EXPORT const char *oidc_result_username(const struct oidc_result *res)
{
	return res->username;
}

OIDC_EXPORT const char *oidc_result_issuer_name(const struct oidc_result *res)
{
	return res->issuer_name;
}

OIDC_EXPORT int oidc_result_names_user(const struct oidc_ctx *ctx, const struct oidc_result *res,
				       const char *name)
{
	const struct oidc_keysource *src;
	char mapped[OIDC_USERNAME_MAX + 1];

	if (!ctx || !res || !name || !res->username || !res->issuer_name)
		return 0;
	src = oidc_ctx_source(ctx, res->issuer_name);
	return src && oidc_identity_map_name(src->ic, name, mapped, NULL) == OIDC_OK &&
	       strcmp(mapped, res->username) == 0;
}

OIDC_EXPORT enum oidc_status oidc_result_check_account(const struct oidc_ctx *ctx,
						       const struct oidc_result *res,
						       const char *name,
						       struct oidc_error *err)
{
	const struct oidc_keysource *src;

	if (!ctx || !res || !name || !res->issuer_name)
		return oidc_err(err, OIDC_E_INTERNAL, "account check without "
				"context, result or name");
	src = oidc_ctx_source(ctx, res->issuer_name);
	if (!src)
		return oidc_err(err, OIDC_E_INTERNAL, "no section %.64s",
				res->issuer_name);
	return oidc_identity_check_account(src->ic, ctx->accounts, oidc_ctx_now(ctx), name,
					   err);
}

OIDC_EXPORT enum oidc_status oidc_result_check_expiry(const struct oidc_ctx *ctx,
						      const struct oidc_result *res,
						      struct oidc_error *err)
{
	const struct oidc_jdoc *doc;
	int64_t exp = 0, now;
	int r;

	if (!ctx || !res)
		return oidc_err(err, OIDC_E_INTERNAL, "expiry check without context "
				"or result");
	doc = &res->claims;
	r = oidc_claims_date(res->kind, oidc_jobj_get(doc, oidc_jdoc_root(doc), "exp"),
			     &exp);
	/* no exp: only an introspection answer may lack one (RFC 7662 2.2),
	 * and the provider said then that the token was active */
	if (r == 0)
		return OIDC_OK;
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "exp is not a date");
	now = oidc_ctx_now(ctx);
	/* the rule and leeway the validation applied (claims.c, tokencache.c) */
	if (oidc_tokencache_expired(exp, now, res->leeway))
		return oidc_err(err, OIDC_E_EXPIRED, "expired since the login: exp=%"
				PRId64 " now=%" PRId64 " leeway=%" PRId64, exp, now,
				res->leeway);
	return OIDC_OK;
}

OIDC_EXPORT const char *oidc_result_alg(const struct oidc_result *res)
{
	const struct oidc_alg_info *info = oidc_alg_get(res->alg);

	return info ? info->name : "opaque";
}

OIDC_EXPORT const char *oidc_result_claim_string(const struct oidc_result *res,
						 const char *name)
{
	return oidc_jobj_str(&res->claims, oidc_jdoc_root(&res->claims), name);
}

OIDC_EXPORT int oidc_result_claim_int(const struct oidc_result *res,
				      const char *name, int64_t *value_out)
{
	int64_t v;

	if (oidc_jobj_numericdate(&res->claims, oidc_jdoc_root(&res->claims),
				  name, &v) != 1)
		return -1;
	*value_out = v;
	return 0;
}

OIDC_EXPORT char *oidc_result_claims_json(const struct oidc_result *res)
{
	struct oidc_jwriter w;

	/* Sorted members, as the CLI has always printed them. */
	oidc_jw_init(&w, 0, false);
	oidc_jw_node(&w, &res->claims, oidc_jdoc_root(&res->claims), true);
	return oidc_jw_finish(&w, NULL);
}

OIDC_EXPORT void oidc_result_free(struct oidc_result **res)
{
	if (!res || !*res)
		return;
	if ((*res)->cached) {
		oidc_tokencache_data_unref(&(*res)->cached);
	} else {
		free((*res)->username);
		oidc_jdoc_clear(&(*res)->claims);
		if ((*res)->buf)
			oidc_free_secret((*res)->buf, (*res)->buf_len);
	}
	free(*res);
	*res = NULL;
}
