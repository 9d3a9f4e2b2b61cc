/* SPDX-License-Identifier: MIT */
/* validate_priv.h - shared by validate.c and validate_opaque.c only. */
#ifndef OIDC_VALIDATE_PRIV_H
#define OIDC_VALIDATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "internal.h"

struct oidc_keysource;
struct oidc_introspect_cache;

/* Exactly two dots: a JWS compact token, as far as shape goes. */
bool oidc_token_is_jws_shaped(const char *token, size_t len);

/*
 * Ask the provider about an opaque token for src's issuer: RFC 7662
 * introspection (endpoint from the config or discovery), or the userinfo
 * endpoint when userinfo = validate. On success *claims_out is the answer as
 * compact JSON (malloc'd); the caller maps the username and checks
 * required_claims over it like a JWT's claims. Statuses of oidc_introspect /
 * oidc_userinfo (introspect.h) and oidc_keysource_meta.
 */
enum oidc_status oidc_validate_opaque(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      char **claims_out, struct oidc_error *err);

/*
 * userinfo = enrich: call the userinfo endpoint with the (already
 * validated) token; its sub must equal sub (OIDC_E_USER_MISMATCH); members
 * the token lacks are added to claims (a jansson object, modified).
 * token_exp bounds the cached answer.
 */
enum oidc_status oidc_userinfo_enrich(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      const char *sub, int64_t token_exp,
				      json_t *claims, struct oidc_error *err);

#endif
