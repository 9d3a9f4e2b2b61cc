/* SPDX-License-Identifier: MIT */
/*
 * claims_priv.h - shared by claims.c (the policy over one claim set) and
 * binding.c (is the token meant for this service). Nothing else includes
 * it.
 */
#ifndef OIDC_CLAIMS_PRIV_H
#define OIDC_CLAIMS_PRIV_H

#include "internal.h"

/*
 * The registered claims the policy reads, found in one pass over the claim
 * set (the parser refused duplicate names, so the one found is the only
 * one). NULL when absent.
 */
struct oidc_claim_refs {
	const struct oidc_jnode *cnf, *aud, *exp, *nbf, *iat, *azp, *scope, *scp;
	const struct oidc_jnode *iss, *client_id, *token_use, *token_type;
};

/* A JSON string equal to s, byte for byte over its whole length. */
bool oidc_jstr_equals(const struct oidc_jnode *v, const char *s);
/* A JSON string equal to one of l's items; numbers, booleans, objects and
 * null never match, since "1" and 1 or "true" and true are not the same. */
bool oidc_jstr_listed(const struct oidc_strlist *l, const struct oidc_jnode *v);

/*
 * aud (RFC 7519 4.1.3): present, it must name a configured audience
 * (OIDC_E_WRONG_AUDIENCE, OIDC_E_GRAPH_AUDIENCE, OIDC_E_BAD_CLAIM), and
 * accept_clients never overrides it; absent, the token is bound only by
 * accept_clients (OIDC_E_NO_AUDIENCE without it, OIDC_E_CLIENT_NOT_ACCEPTED
 * when its client is not listed). Then token_use, when present, must be
 * "access" (OIDC_E_WRONG_TYP: a Cognito ID token).
 */
enum oidc_status oidc_binding_audience(const struct oidc_issuer_cfg *ic,
				       const struct oidc_jdoc *doc,
				       const struct oidc_claim_refs *c,
				       struct oidc_error *err);

/* The azp key, an extra restriction on every token (OIDC_E_WRONG_AZP). */
enum oidc_status oidc_binding_azp(const struct oidc_issuer_cfg *ic,
				  const struct oidc_claim_refs *c,
				  struct oidc_error *err);

#endif /* OIDC_CLAIMS_PRIV_H */
