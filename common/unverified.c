/* SPDX-License-Identifier: MIT */
/*
 * unverified.c - a better name for a refusal whose signature could not be
 * checked (no configured key has the token's kid, or none fits it).
 *
 * The rule: claims that were not verified are used only to explain a
 * refusal, never to accept, never to pick keys that are then trusted, never
 * logged (the detail of a refused token stays out of the audit line). The
 * token is refused either way; what changes is the reason the
 * administrator reads:
 *   - its iss is not the issuer of the section that checked it, or its
 *     Entra tid is not in allowed_tenants: foreign_issuer (a token for
 *     another provider or tenant; "update the JWKS" was wrong advice);
 *   - the provider's key set was fetched during this very validation and
 *     still lacks the kid: kid_not_published (not a rotation);
 *   - else unknown_kid, the detail saying when the set was fetched or why
 *     fetching it again failed.
 * An attacker who forges the claims only chooses among these refusals.
 */
#include <string.h>

#include "validate_priv.h"

static const char *unverified_str(const struct oidc_jdoc *claims, const char *name)
{
	return oidc_jobj_str(claims, oidc_jdoc_root(claims), name);
}

/* foreign_issuer when the unverified iss or tid is not ic's to accept. */
static enum oidc_status unverified_issuer(const struct oidc_issuer_cfg *ic,
					  const struct oidc_jdoc *claims,
					  struct oidc_error *err)
{
	const char *iss = unverified_str(claims, "iss");
	const char *tid = unverified_str(claims, "tid");
	const char *tenant = NULL;
	size_t tenant_len = 0;

	if (!iss)
		return OIDC_OK;
	if (!oidc_issuer_matches(ic, iss, &tenant, &tenant_len))
		return oidc_err(err, OIDC_E_FOREIGN_ISSUER,
				"no key verifies it, and it names issuer \"%.80s\" "
				"(not verified), not %.80s", iss, ic->issuer);
	if (ic->is_template && tid && !oidc_strlist_contains(&ic->allowed_tenants, tid))
		return oidc_err(err, OIDC_E_FOREIGN_ISSUER,
				"no key verifies it, and it names tenant %.64s (not "
				"verified), which is not in allowed_tenants", tid);
	return OIDC_OK;
}

enum oidc_status oidc_explain_unknown_key(const struct oidc_issuer_cfg *ic,
					  struct oidc_jws *jws, struct oidc_jdoc *claims,
					  bool fetched_now,
					  const struct oidc_error *refetch,
					  struct oidc_error *err)
{
	enum oidc_status st;

	/* In place, as oidc_validate would: the payload is ours. A payload
	 * that is no JSON object explains nothing. */
	if (!oidc_jdoc_root(claims) &&
	    oidc_jdoc_parse(claims, (char *)jws->payload, jws->payload_len, NULL) != OIDC_OK)
		oidc_jdoc_clear(claims);
	if (oidc_jdoc_root(claims)) {
		st = unverified_issuer(ic, claims, err);
		if (st != OIDC_OK)
			return st;
	}
	if (!jws->kid)
		return oidc_err(err, OIDC_E_UNKNOWN_KID, "token has no kid and no key "
				"fits %s", oidc_alg_get(jws->alg) ?
				oidc_alg_get(jws->alg)->name : "?");
	if (!ic->network_keys)
		return oidc_err(err, OIDC_E_UNKNOWN_KID, "no key with kid \"%.64s\" in "
				"jwks_file", jws->kid);
	if (fetched_now)
		return oidc_err(err, OIDC_E_KID_NOT_PUBLISHED, "kid \"%.64s\" is not in "
				"the key set fetched from the provider just now",
				jws->kid);
	if (refetch && refetch->status != OIDC_OK)
		return oidc_err(err, OIDC_E_UNKNOWN_KID, "no key with kid \"%.64s\"; "
				"fetching the key set again failed: %s: %s", jws->kid,
				oidc_status_name(refetch->status), refetch->detail);
	return oidc_err(err, OIDC_E_UNKNOWN_KID, "no key with kid \"%.64s\" (the key "
			"set is fetched again for an unknown kid at most every "
			"jwks_refetch_interval = %llds)", jws->kid,
			(long long)ic->jwks_refetch_interval);
}
