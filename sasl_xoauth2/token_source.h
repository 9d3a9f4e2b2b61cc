/* SPDX-License-Identifier: MIT */
/*
 * token_source.h - where the client plugin gets a token when the
 * application does not hand one over: a token file (oidc_token_file), or
 * the token endpoint through the core (client_credentials, or a refresh
 * token), cached until shortly before it expires.
 */
#ifndef OIDC_SASL_TOKEN_SOURCE_H
#define OIDC_SASL_TOKEN_SOURCE_H

#include "plugin.h"

struct xo_token_source;

/* NULL *src_out (and SASL_OK) when no source is configured. */
int xo_token_source_new(const sasl_utils_t *utils, const struct xo_options *opts,
			struct xo_token_source **src_out);

/*
 * A token: SASL_OK with *tok_out a malloc'd NUL-terminated copy (the caller
 * wipes and frees it), or SASL_OK with *tok_out NULL when no source is
 * configured (use the password callback). Other codes: the source failed.
 * Thread-safe. On failure why (why_cap bytes) says what went wrong.
 */
int xo_token_source_get(struct xo_token_source *src, const struct xo_options *opts,
			char **tok_out, size_t *len_out, char *why, size_t why_cap);

void xo_token_source_free(struct xo_token_source **src);

#endif /* OIDC_SASL_TOKEN_SOURCE_H */
