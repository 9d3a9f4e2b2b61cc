/* SPDX-License-Identifier: MIT */
/* validate_priv.h - shared by validate.c and validate_opaque.c only. */
#ifndef OIDC_VALIDATE_PRIV_H
#define OIDC_VALIDATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct oidc_keysource;
struct oidc_introspect_cache;

/* Exactly two dots: a JWS compact token, as far as shape goes. */
bool oidc_token_is_jws_shaped(const char *token, size_t len);

/*
 * Introspect an opaque token for src's issuer (endpoint from the config
 * or discovery). On success *user_out is the username (malloc'd) and
 * *claims_out the answer as compact JSON (malloc'd). Statuses of
 * oidc_introspect (introspect.h) and oidc_keysource_meta.
 */
enum oidc_status oidc_validate_opaque(struct oidc_keysource *src,
				      struct oidc_introspect_cache *cache,
				      const char *token, size_t len, int64_t now,
				      char **user_out, char **claims_out,
				      struct oidc_error *err);

#endif
