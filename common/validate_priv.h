/* SPDX-License-Identifier: MIT */
/* validate_priv.h - shared by validate.c and validate_opaque.c only. */
#ifndef OIDC_VALIDATE_PRIV_H
#define OIDC_VALIDATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "internal.h"

struct oidc_keysource;
struct oidc_introspect_cache;
struct oidc_tokencache;
struct oidc_tokencache_data;

/* Shared by validate.c (the decision) and context.c (life cycle). */
struct oidc_ctx {
	struct oidc_config *cfg;
	oidc_clock_fn clock;
	void *clock_arg;
	size_t max_token_size;   /* largest max_token_size of any issuer */
	EVP_MD *sha256;          /* for audit fingerprints, fetched once (NULL:
				    oidc_token_fingerprint fetches per call) */
	struct oidc_keysource *sources; /* one per issuer, same order as
					   oidc_config_issuers() */
	size_t n_sources;
	struct oidc_tokencache *tokens; /* verified tokens (tokencache.h) */
	struct oidc_introspect_cache *introspect; /* the opaque issuer's */
	size_t opaque_source;    /* index of the issuer taking opaque tokens,
				    or n_sources when none does */
	struct oidc_account_memo *accounts; /* account database answers */
};

struct oidc_result {
	char *username;
	char *issuer_name;        /* in the same allocation, after the struct */
	unsigned char *buf;       /* the JWS's decoded segments, wiped on free */
	size_t buf_len;
	struct oidc_jdoc claims;  /* over the payload inside buf */
	enum oidc_alg alg;
	struct oidc_tokencache_data *cached; /* a cache hit: username and
						claims are borrowed from it */
	/* what accepted it, for oidc_result_check_expiry: the section's
	 * leeway (a copy: the result may outlive the context) and the kind
	 * of claim set, which says how its exp reads */
	int64_t leeway;
	enum oidc_claims_kind kind;
};

/*
 * Does iss name ic's issuer? Exact for plain issuers; for a {tenantid}
 * template the part in place of {tenantid} is returned in *tenant (borrowed
 * from iss, *tenant_len bytes). E2: the literal "{tenantid}" never matches.
 */
bool oidc_issuer_matches(const struct oidc_issuer_cfg *ic, const char *iss,
			 const char **tenant, size_t *tenant_len);

/*
 * unverified.c: the refusal for a token of ic whose signature could not be
 * checked because no key has its kid (or none fits it without one),
 * chosen from its claims, which were NOT verified (parsed from
 * jws->payload into claims when not done yet): OIDC_E_FOREIGN_ISSUER (iss
 * not ic's, tid not allowed), else OIDC_E_KID_NOT_PUBLISHED when the
 * provider's set was fetched during this validation (fetched_now), else
 * OIDC_E_UNKNOWN_KID (refetch: why fetching the set again failed, if it
 * did). Always a refusal; err names what was seen.
 */
enum oidc_status oidc_explain_unknown_key(const struct oidc_issuer_cfg *ic,
					  struct oidc_jws *jws, struct oidc_jdoc *claims,
					  bool fetched_now,
					  const struct oidc_error *refetch,
					  struct oidc_error *err);

/* Exactly two dots: a JWS compact token, as far as shape goes. */
bool oidc_token_is_jws_shaped(const char *token, size_t len);

/*
 * Ask the provider about an opaque token for src's issuer: RFC 7662
 * introspection (endpoint from the config or discovery), or Google's
 * tokeninfo when userinfo = validate; the answer goes through the claims
 * policy (oidc_claims_check_answer: binding, times, azp, scopes), then with
 * userinfo = enrich / validate the userinfo answer about its sub is merged
 * in. On success *claims_out is the claim set as compact JSON (malloc'd);
 * the caller maps the username and checks required_claims over it like a
 * JWT's claims. Statuses of oidc_introspect / oidc_tokeninfo /
 * oidc_userinfo (introspect.h), oidc_claims_check_answer and
 * oidc_keysource_meta; OIDC_E_MISSING_CLAIM when userinfo is asked and the
 * answer has no sub.
 */
enum oidc_status oidc_validate_opaque(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      char **claims_out, struct oidc_error *err);

/*
 * userinfo = enrich: call the userinfo endpoint with the (already
 * validated) token; its sub must equal the sub of claims
 * (OIDC_E_USER_MISMATCH; none: OIDC_E_MISSING_CLAIM). *merged_out is the
 * claim set as compact JSON (malloc'd): the token's members, then the
 * answer's members the token lacks. token_exp bounds the cached answer.
 */
enum oidc_status oidc_userinfo_enrich(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      int64_t token_exp, const struct oidc_jdoc *claims,
				      char **merged_out, struct oidc_error *err);

#endif
