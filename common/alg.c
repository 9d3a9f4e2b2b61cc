/* SPDX-License-Identifier: MIT */
/*
 * alg.c - the JWS algorithms this core verifies (RFC 7518 section 3, RFC
 * 8037 section 3.1) and the parsing of the configured allow-list. "none" is
 * not in the table, so no lookup can ever return it (RFC 8725 3.1).
 */
#include <string.h>
#include <strings.h>

#include <openssl/obj_mac.h>

#include "internal.h"

static const struct oidc_alg_info alg_table[OIDC_ALG_COUNT] = {
	[OIDC_ALG_RS256] = { "RS256", OIDC_FAM_RSA_PKCS1, "SHA256", 32, 0, 0 },
	[OIDC_ALG_RS384] = { "RS384", OIDC_FAM_RSA_PKCS1, "SHA384", 48, 0, 0 },
	[OIDC_ALG_RS512] = { "RS512", OIDC_FAM_RSA_PKCS1, "SHA512", 64, 0, 0 },
	[OIDC_ALG_PS256] = { "PS256", OIDC_FAM_RSA_PSS, "SHA256", 32, 0, 0 },
	[OIDC_ALG_PS384] = { "PS384", OIDC_FAM_RSA_PSS, "SHA384", 48, 0, 0 },
	[OIDC_ALG_PS512] = { "PS512", OIDC_FAM_RSA_PSS, "SHA512", 64, 0, 0 },
	/* RFC 7518 3.4: R and S each as long as the group order. */
	[OIDC_ALG_ES256] = { "ES256", OIDC_FAM_ECDSA, "SHA256", 32,
			     NID_X9_62_prime256v1, 64 },
	[OIDC_ALG_ES384] = { "ES384", OIDC_FAM_ECDSA, "SHA384", 48,
			     NID_secp384r1, 96 },
	[OIDC_ALG_ES512] = { "ES512", OIDC_FAM_ECDSA, "SHA512", 64,
			     NID_secp521r1, 132 },
	/* RFC 8037 3.1: Ed25519 only; it hashes internally. */
	[OIDC_ALG_EDDSA] = { "EdDSA", OIDC_FAM_EDDSA, NULL, 0, 0, 64 },
	[OIDC_ALG_HS256] = { "HS256", OIDC_FAM_HMAC, "SHA256", 32, 0, 32 },
	[OIDC_ALG_HS384] = { "HS384", OIDC_FAM_HMAC, "SHA384", 48, 0, 48 },
	[OIDC_ALG_HS512] = { "HS512", OIDC_FAM_HMAC, "SHA512", 64, 0, 64 },
};

const struct oidc_alg_info *oidc_alg_get(enum oidc_alg alg)
{
	if ((int)alg < 0 || alg >= OIDC_ALG_COUNT)
		return NULL;
	return &alg_table[alg];
}

enum oidc_alg oidc_alg_from_name(const char *name, size_t len)
{
	if (!name)
		return OIDC_ALG_UNKNOWN;
	/* Exact and case-sensitive (RFC 7515 4.1.1): "rs256" or "None" are
	 * not algorithms. */
	for (int i = 0; i < OIDC_ALG_COUNT; i++) {
		const char *n = alg_table[i].name;
		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return (enum oidc_alg)i;
	}
	return OIDC_ALG_UNKNOWN;
}

OIDC_EXPORT enum oidc_status oidc_alg_list_parse(const char *list,
						 uint32_t *mask_out,
						 struct oidc_error *err)
{
	struct oidc_strlist items = { NULL, 0 };
	enum oidc_status st;
	uint32_t mask = 0;

	if (!mask_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no mask output");
	if (oidc_strlist_split(list, &items) != OIDC_OK)
		return oidc_err(err, OIDC_E_NOMEM, "algorithm list");
	if (items.n == 0) {
		st = oidc_err(err, OIDC_E_CONFIG, "empty algorithm list");
		goto out;
	}
	for (size_t i = 0; i < items.n; i++) {
		const char *name = items.v[i];
		enum oidc_alg alg = oidc_alg_from_name(name, strlen(name));

		if (strcasecmp(name, "none") == 0) {
			st = oidc_err(err, OIDC_E_CONFIG,
				      "algorithm \"%.32s\" is never allowed (RFC 8725 3.1)",
				      name);
			goto out;
		}
		if (alg == OIDC_ALG_UNKNOWN) {
			st = oidc_err(err, OIDC_E_CONFIG,
				      "unknown algorithm \"%.32s\" (names are case-sensitive)",
				      name);
			goto out;
		}
		mask |= OIDC_ALG_BIT(alg);
	}
	*mask_out = mask;
	st = OIDC_OK;
out:
	oidc_strlist_clear(&items);
	return st;
}
