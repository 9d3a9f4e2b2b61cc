/* SPDX-License-Identifier: MIT */
/*
 * jwk.c - one public JSON Web Key (RFC 7517, RFC 7518 section 6, RFC 8037
 * section 2) into a typed verification key, and HMAC keys from configured
 * secrets. Everything a token could abuse is decided here, once per key:
 * key type and curve, size limits, exponent, on-curve check, the "alg" pin
 * (checklist A2, A3, A5, B4, B5). Verification contexts are prepared here
 * too, so jws.c never parses a key or fetches an algorithm per token.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "internal.h"

#define JWK_ISSUER_MAX 1024
/* OpenSSL refuses e > 64 bits for moduli over 3072 bits; a larger e only
 * makes verification slow, so apply the same bound to every size. */
#define RSA_E_BITS_MAX 64
/* Decoded modulus bytes accepted before the exact bit check (leading
 * zero octets are tolerated, RFC 7518 6.3.1.1 producers get this wrong). */
#define RSA_N_BYTES_MAX (OIDC_RSA_BITS_MAX / 8 + 8)

/* RFC 7518 6.3.2, 6.2.2, 6.4.1 and RFC 8037 2: members of private keys. */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k",
};

struct ec_curve {
	const char *crv;      /* RFC 7518 6.2.1.1 name */
	const char *group;    /* OpenSSL group name */
	int nid;
	size_t coord_len;     /* RFC 7518 6.2.1.2: full length, no trimming */
	unsigned bits;
};

static const struct ec_curve ec_curves[] = {
	{ "P-256", "prime256v1", NID_X9_62_prime256v1, 32, 256 },
	{ "P-384", "secp384r1", NID_secp384r1, 48, 384 },
	{ "P-521", "secp521r1", NID_secp521r1, 66, 521 },
};

const char *oidc_kty_name(enum oidc_kty kty)
{
	switch (kty) {
	case OIDC_KTY_RSA: return "RSA";
	case OIDC_KTY_EC: return "EC";
	case OIDC_KTY_OKP: return "OKP";
	case OIDC_KTY_OCT: return "oct";
	}
	return "unknown";
}

bool oidc_key_fits_alg(const struct oidc_key *key, enum oidc_alg alg)
{
	const struct oidc_alg_info *ai = oidc_alg_get(alg);

	if (!key || !ai)
		return false;
	/* RFC 7517 4.4 / checklist A3: a pinned key verifies nothing else. */
	if (key->alg != OIDC_ALG_UNKNOWN && key->alg != alg)
		return false;
	switch (ai->family) {
	case OIDC_FAM_RSA_PKCS1:
	case OIDC_FAM_RSA_PSS:
		return key->kty == OIDC_KTY_RSA;
	case OIDC_FAM_ECDSA:
		return key->kty == OIDC_KTY_EC && key->curve_nid == ai->curve_nid;
	case OIDC_FAM_EDDSA:
		return key->kty == OIDC_KTY_OKP && key->curve_nid == NID_ED25519;
	case OIDC_FAM_HMAC:
		/* A2: only a configured secret is ever an HMAC key. */
		return key->kty == OIDC_KTY_OCT &&
		       key->hmac_inner[alg - OIDC_ALG_HS256] != NULL;
	}
	return false;
}

void oidc_key_free(struct oidc_key **key)
{
	struct oidc_key *k;

	if (!key || !*key)
		return;
	k = *key;
	free(k->kid);
	free(k->issuer);
	EVP_PKEY_free(k->pkey);
	oidc_free_secret(k->secret, k->secret_len);
	for (size_t i = 0; i < 3; i++) {
		EVP_MD_CTX_free(k->hmac_inner[i]);
		EVP_MD_CTX_free(k->hmac_outer[i]);
	}
	for (size_t i = 0; i < OIDC_ALG_HS256; i++)
		EVP_MD_CTX_free(k->verify_tmpl[i]);
	free(k);
	*key = NULL;
}

/* A JWK: the object node jwk of the document doc (jdoc.h). */
struct jwk_in {
	const struct oidc_jdoc *doc;
	const struct oidc_jnode *obj;
};

static const struct oidc_jnode *jwk_get(const struct jwk_in *jwk,
					const char *name)
{
	return oidc_jobj_get(jwk->doc, jwk->obj, name);
}

static const char *jwk_str(const struct jwk_in *jwk, const char *name)
{
	return oidc_jobj_str(jwk->doc, jwk->obj, name);
}

/* A string member of at most max bytes copied into *out; absent is fine. */
static enum oidc_status jwk_opt_string(const struct jwk_in *jwk,
				       const char *name, size_t max, char **out,
				       struct oidc_error *err)
{
	const struct oidc_jnode *v = jwk_get(jwk, name);

	if (!v)
		return OIDC_OK;
	if (v->type != OIDC_JSTRING || v->len > max)
		return oidc_err(err, OIDC_E_BAD_KEY,
				"JWK %s is not a string of at most %zu bytes",
				name, max);
	*out = strndup(v->v.s, v->len);
	if (!*out)
		return oidc_err(err, OIDC_E_NOMEM, "JWK %s", name);
	return OIDC_OK;
}

/* Strictly decode the base64url member name (RFC 7518 6: Base64urlUInt
 * and octet strings) into *out, at most max bytes. */
static enum oidc_status jwk_bytes(const struct jwk_in *jwk, const char *name,
				  size_t max, unsigned char **out,
				  size_t *out_len, struct oidc_error *err)
{
	const struct oidc_jnode *v = jwk_get(jwk, name);
	enum oidc_status st;

	if (!v || v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_KEY,
				"JWK member %s missing or not a string", name);
	if (oidc_b64url_decoded_max(v->len) > max + 2)
		return oidc_err(err, OIDC_E_BAD_KEY, "JWK member %s too long",
				name);
	st = oidc_b64url_decode_alloc(v->v.s, v->len, out, out_len);
	if (st == OIDC_E_NOMEM)
		return oidc_err(err, st, "JWK member %s", name);
	if (st != OIDC_OK)
		return oidc_err(err, OIDC_E_BAD_KEY,
				"JWK member %s is not strict base64url", name);
	if (*out_len == 0 || *out_len > max) {
		free(*out);
		*out = NULL;
		return oidc_err(err, OIDC_E_BAD_KEY,
				"JWK member %s has %zu bytes", name, *out_len);
	}
	return OIDC_OK;
}

/*
 * ROCA (CVE-2017-15361, Nemec et al., CCS 2017): Infineon primes have the
 * form k*M + (65537^a mod M), M a primorial, so n mod r lies in the
 * subgroup generated by 65537 modulo every small prime r. This is the
 * paper's fingerprint test with the subgroups computed instead of tabled;
 * for other keys it fails at the first few primes.
 */
static bool rsa_has_roca_fingerprint(const BIGNUM *n)
{
	static const unsigned short primes[] = {
		3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43,
		47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103,
		107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
	};

	for (size_t i = 0; i < sizeof(primes) / sizeof(primes[0]); i++) {
		unsigned r = primes[i], g = 65537u % r, x = 1;
		BN_ULONG rem = BN_mod_word(n, r);
		bool in_subgroup = false;

		if (rem == (BN_ULONG)-1)
			return false;
		do {
			if (x == rem) {
				in_subgroup = true;
				break;
			}
			x = x * g % r;
		} while (x != 1);
		if (!in_subgroup)
			return false;
	}
	return true;
}

static enum oidc_status import_rsa(const struct jwk_in *jwk, struct oidc_key *key,
				   struct oidc_error *err)
{
	unsigned char *nb = NULL, *eb = NULL;
	size_t n_len = 0, e_len = 0;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	enum oidc_status st;
	int bits;

	st = jwk_bytes(jwk, "n", RSA_N_BYTES_MAX, &nb, &n_len, err);
	if (st != OIDC_OK)
		goto out;
	st = jwk_bytes(jwk, "e", RSA_E_BITS_MAX / 8, &eb, &e_len, err);
	if (st != OIDC_OK)
		goto out;
	n = BN_bin2bn(nb, (int)n_len, NULL);
	e = BN_bin2bn(eb, (int)e_len, NULL);
	if (!n || !e) {
		st = oidc_err(err, OIDC_E_NOMEM, "RSA key");
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits < OIDC_RSA_BITS_MIN || bits > OIDC_RSA_BITS_MAX) {
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "RSA modulus of %d bits (allowed %d..%d)", bits,
			      OIDC_RSA_BITS_MIN, OIDC_RSA_BITS_MAX);
		goto out;
	}
	/* B5: e = 1 makes every well-formed block a "signature"; an even e
	 * or an even modulus is no RSA key at all. */
	if (!BN_is_odd(n) || !BN_is_odd(e) || BN_is_one(e)) {
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "RSA modulus or exponent is even, or e = 1");
		goto out;
	}
	if (rsa_has_roca_fingerprint(n)) {
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "RSA key has the ROCA fingerprint (CVE-2017-15361)");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		params = OSSL_PARAM_BLD_to_param(bld);
	if (!params) {
		st = oidc_err(err, OIDC_E_NOMEM, "RSA parameters");
		goto out;
	}
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &key->pkey, EVP_PKEY_PUBLIC_KEY,
			      params) != 1) {
		st = oidc_err(err, OIDC_E_BAD_KEY, "RSA key rejected by OpenSSL");
		goto out;
	}
	key->kty = OIDC_KTY_RSA;
	key->bits = (unsigned)bits;
	key->sig_len = (size_t)(bits + 7) / 8;
	st = OIDC_OK;
out:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return st;
}

static enum oidc_status import_ec(const struct jwk_in *jwk, struct oidc_key *key,
				  struct oidc_error *err)
{
	const char *crv = jwk_str(jwk, "crv");
	const struct ec_curve *curve = NULL;
	unsigned char point[1 + 2 * 66];
	OSSL_PARAM params[3];
	unsigned char *x = NULL, *y = NULL;
	size_t x_len = 0, y_len = 0;
	EVP_PKEY_CTX *pctx = NULL;
	enum oidc_status st;

	for (size_t i = 0; crv && i < sizeof(ec_curves) / sizeof(ec_curves[0]);
	     i++)
		if (strcmp(crv, ec_curves[i].crv) == 0)
			curve = &ec_curves[i];
	if (!curve)
		return oidc_err(err, OIDC_E_BAD_KEY,
				"EC crv missing or unsupported (P-256, P-384, P-521)");
	st = jwk_bytes(jwk, "x", curve->coord_len, &x, &x_len, err);
	if (st == OIDC_OK)
		st = jwk_bytes(jwk, "y", curve->coord_len, &y, &y_len, err);
	if (st != OIDC_OK)
		goto out;
	/* B4: exact coordinate lengths; a shorter x or y is another curve's
	 * point or a truncated one. */
	if (x_len != curve->coord_len || y_len != curve->coord_len) {
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "EC %s coordinates must be %zu bytes", curve->crv,
			      curve->coord_len);
		goto out;
	}
	point[0] = 0x04; /* SEC 1 2.3.3 uncompressed */
	memcpy(point + 1, x, x_len);
	memcpy(point + 1 + x_len, y, y_len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)curve->group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      point, 1 + x_len + y_len);
	params[2] = OSSL_PARAM_construct_end();
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &key->pkey, EVP_PKEY_PUBLIC_KEY,
			      params) != 1) {
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "EC %s point rejected (not on the curve?)",
			      curve->crv);
		goto out;
	}
	EVP_PKEY_CTX_free(pctx);
	/* B4: on the curve and not the point at infinity. */
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!pctx || EVP_PKEY_public_check(pctx) != 1) {
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "EC %s point is not a valid public key",
			      curve->crv);
		goto out;
	}
	key->kty = OIDC_KTY_EC;
	key->curve_nid = curve->nid;
	key->bits = curve->bits;
	st = OIDC_OK;
out:
	EVP_PKEY_CTX_free(pctx);
	free(x);
	free(y);
	return st;
}

static enum oidc_status import_okp(const struct jwk_in *jwk, struct oidc_key *key,
				   struct oidc_error *err)
{
	const char *crv = jwk_str(jwk, "crv");
	unsigned char *x = NULL;
	size_t x_len = 0;
	enum oidc_status st;

	/* RFC 8037 2: X25519/X448 are for key agreement; Ed448 is not
	 * supported ("EdDSA" here means Ed25519, checklist B7). */
	if (!crv || strcmp(crv, "Ed25519") != 0)
		return oidc_err(err, OIDC_E_BAD_KEY,
				"OKP crv missing or not Ed25519");
	st = jwk_bytes(jwk, "x", 32, &x, &x_len, err);
	if (st != OIDC_OK)
		return st;
	if (x_len != 32) {
		st = oidc_err(err, OIDC_E_BAD_KEY, "Ed25519 x must be 32 bytes");
		goto out;
	}
	key->pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x,
						   x_len);
	if (!key->pkey) {
		st = oidc_err(err, OIDC_E_BAD_KEY, "Ed25519 key rejected");
		goto out;
	}
	key->kty = OIDC_KTY_OKP;
	key->curve_nid = NID_ED25519;
	key->bits = 256;
	st = OIDC_OK;
out:
	free(x);
	return st;
}

/*
 * A DigestVerify context for alg, fully set up: digest, RSA padding, and
 * for PSS the salt length (= hash length, not OpenSSL's auto-detection,
 * checklist B6) and MGF1 with the same hash (RFC 7518 3.5).
 */
static EVP_MD_CTX *verify_template(EVP_PKEY *pkey, enum oidc_alg alg)
{
	const struct oidc_alg_info *ai = oidc_alg_get(alg);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	if (!ctx)
		return NULL;
	if (EVP_DigestVerifyInit_ex(ctx, &pctx, ai->digest, NULL, NULL, pkey,
				    NULL) != 1)
		goto fail;
	if (ai->family == OIDC_FAM_RSA_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		goto fail;
	if (ai->family == OIDC_FAM_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, ai->digest, NULL) <= 0))
		goto fail;
	return ctx;
fail:
	EVP_MD_CTX_free(ctx);
	return NULL;
}

const EVP_MD_CTX *oidc_key_verify_ctx(const struct oidc_key *key,
				     enum oidc_alg alg)
{
	EVP_MD_CTX **slot, *ctx, *published = NULL;

	if ((unsigned)alg >= OIDC_ALG_HS256 || !key || !key->pkey ||
	    !oidc_key_fits_alg(key, alg))
		return NULL;
	/* The one member that changes after import, and only NULL -> set. */
	slot = (EVP_MD_CTX **)&key->verify_tmpl[alg];
	ctx = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (ctx)
		return ctx;
	ERR_set_mark();
	ctx = verify_template(key->pkey, alg);
	ERR_pop_to_mark();
	if (!ctx)
		return NULL;
	if (!__atomic_compare_exchange_n(slot, &published, ctx, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread was first: use its context. */
		EVP_MD_CTX_free(ctx);
		return published;
	}
	return ctx;
}

static enum oidc_status jwk_import_into(const struct jwk_in *jwk,
					struct oidc_key *key,
					struct oidc_error *err)
{
	const char *kty;
	const struct oidc_jnode *v;
	enum oidc_alg pin = OIDC_ALG_UNKNOWN;
	enum oidc_status st;

	if (!jwk->doc || !jwk->obj || jwk->obj->type != OIDC_JOBJECT)
		return oidc_err(err, OIDC_E_BAD_KEY, "JWK is not an object");
	for (size_t i = 0; i < sizeof(private_members) / sizeof(*private_members);
	     i++)
		if (jwk_get(jwk, private_members[i]))
			return oidc_err(err, OIDC_E_BAD_KEY,
					"JWK carries private member \"%s\"",
					private_members[i]);
	kty = jwk_str(jwk, "kty");
	if (!kty)
		return oidc_err(err, OIDC_E_BAD_KEY, "JWK kty missing");
	st = jwk_opt_string(jwk, "kid", OIDC_KID_MAX, &key->kid, err);
	if (st == OIDC_OK)
		st = jwk_opt_string(jwk, "issuer", JWK_ISSUER_MAX, &key->issuer,
				    err);
	if (st != OIDC_OK)
		return st;
	v = jwk_get(jwk, "alg");
	if (v) {
		if (v->type == OIDC_JSTRING)
			pin = oidc_alg_from_name(v->v.s, v->len);
		if (pin == OIDC_ALG_UNKNOWN)
			return oidc_err(err, OIDC_E_BAD_KEY,
					"JWK alg \"%.32s\" is not a supported signature algorithm",
					v->type == OIDC_JSTRING ? v->v.s : "?");
	}
	if (strcmp(kty, "RSA") == 0)
		st = import_rsa(jwk, key, err);
	else if (strcmp(kty, "EC") == 0)
		st = import_ec(jwk, key, err);
	else if (strcmp(kty, "OKP") == 0)
		st = import_okp(jwk, key, err);
	else if (strcmp(kty, "oct") == 0)
		st = oidc_err(err, OIDC_E_BAD_KEY,
			      "symmetric JWK (kty oct): HMAC secrets come only from configuration");
	else
		st = oidc_err(err, OIDC_E_BAD_KEY, "unsupported kty \"%.16s\"",
			      kty);
	if (st != OIDC_OK)
		return st;
	/* A3: the pin must name an algorithm of this key type and curve. */
	if (pin != OIDC_ALG_UNKNOWN && !oidc_key_fits_alg(key, pin))
		return oidc_err(err, OIDC_E_BAD_KEY,
				"JWK alg %s does not fit a %s key",
				oidc_alg_get(pin)->name, kty);
	key->alg = pin;
	return OIDC_OK;
}

enum oidc_status oidc_jwk_import(const struct oidc_jdoc *doc,
				 const struct oidc_jnode *jwk,
				 struct oidc_key **key_out, struct oidc_error *err)
{
	const struct jwk_in in = { doc, jwk };
	struct oidc_key *key = NULL;
	enum oidc_status st;

	if (!key_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no key output");
	key = calloc(1, sizeof(*key));
	if (!key)
		return oidc_err(err, OIDC_E_NOMEM, "JWK");
	key->alg = OIDC_ALG_UNKNOWN;
	/* Keep OpenSSL's error queue as the host left it. */
	ERR_set_mark();
	st = jwk_import_into(&in, key, err);
	ERR_pop_to_mark();
	if (st != OIDC_OK) {
		oidc_key_free(&key);
		return st;
	}
	*key_out = key;
	return OIDC_OK;
}

/*
 * RFC 2104 2: the hash states after the first block, (K ^ ipad) and
 * (K ^ opad), with K the secret (hashed first when longer than a block)
 * padded with zeros. Copying them per token costs less than duplicating a
 * keyed EVP_MAC context, and they are just as secret as the key.
 */
static enum oidc_status hmac_templates(struct oidc_key *key, size_t i,
				       const char *digest)
{
	unsigned char k0[EVP_MAX_MD_SIZE > 128 ? EVP_MAX_MD_SIZE : 128];
	unsigned char pad[128];
	EVP_MD *md = EVP_MD_fetch(NULL, digest, NULL);
	EVP_MD_CTX *inner = EVP_MD_CTX_new(), *outer = EVP_MD_CTX_new();
	enum oidc_status st = OIDC_E_INTERNAL;
	int block = md ? EVP_MD_get_block_size(md) : 0;
	unsigned int k0_len = 0;

	memset(k0, 0, sizeof(k0));
	if (!md || !inner || !outer || block <= 0 || (size_t)block > sizeof(pad))
		goto out;
	if (key->secret_len > (size_t)block) {
		if (EVP_Digest(key->secret, key->secret_len, k0, &k0_len, md,
			       NULL) != 1)
			goto out;
	} else {
		memcpy(k0, key->secret, key->secret_len);
	}
	for (int j = 0; j < block; j++)
		pad[j] = k0[j] ^ 0x36;
	if (EVP_DigestInit_ex(inner, md, NULL) != 1 ||
	    EVP_DigestUpdate(inner, pad, (size_t)block) != 1)
		goto out;
	for (int j = 0; j < block; j++)
		pad[j] = k0[j] ^ 0x5c;
	if (EVP_DigestInit_ex(outer, md, NULL) != 1 ||
	    EVP_DigestUpdate(outer, pad, (size_t)block) != 1)
		goto out;
	key->hmac_inner[i] = inner;
	key->hmac_outer[i] = outer;
	inner = outer = NULL;
	st = OIDC_OK;
out:
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
	EVP_MD_CTX_free(inner);
	EVP_MD_CTX_free(outer);
	EVP_MD_free(md);
	return st;
}

enum oidc_status oidc_key_from_secret(const unsigned char *secret, size_t len,
				      const char *kid, struct oidc_key **key_out,
				      struct oidc_error *err)
{
	struct oidc_key *key = NULL;
	enum oidc_status st = OIDC_OK;

	if (!key_out || (!secret && len))
		return oidc_err(err, OIDC_E_INTERNAL, "bad arguments");
	/* RFC 7518 3.2 / checklist A5: at least the hash size. */
	if (len < 32 || len > OIDC_SECRET_MAX)
		return oidc_err(err, OIDC_E_CONFIG,
				"HMAC secret of %zu bytes (allowed 32..%d)", len,
				OIDC_SECRET_MAX);
	if (kid && strlen(kid) > OIDC_KID_MAX)
		return oidc_err(err, OIDC_E_CONFIG, "HMAC kid longer than %d",
				OIDC_KID_MAX);
	key = calloc(1, sizeof(*key));
	if (key) {
		key->secret = malloc(len);
		key->kid = kid ? strdup(kid) : NULL;
	}
	if (!key || !key->secret || (kid && !key->kid)) {
		st = oidc_err(err, OIDC_E_NOMEM, "HMAC key");
		goto out;
	}
	memcpy(key->secret, secret, len);
	key->secret_len = len;
	key->kty = OIDC_KTY_OCT;
	key->alg = OIDC_ALG_UNKNOWN;
	key->bits = (unsigned)(len * 8);
	ERR_set_mark();
	for (size_t i = 0; st == OIDC_OK && i < 3; i++) {
		const struct oidc_alg_info *ai = oidc_alg_get(OIDC_ALG_HS256 + (int)i);

		/* HS384/HS512 need 48/64 bytes: leave them unusable. */
		if (len < ai->hash_len)
			continue;
		if (hmac_templates(key, i, ai->digest) != OIDC_OK)
			st = oidc_err(err, OIDC_E_INTERNAL, "cannot key %s",
				      ai->name);
	}
	ERR_pop_to_mark();
out:
	if (st != OIDC_OK) {
		oidc_key_free(&key);
		return st;
	}
	*key_out = key;
	return OIDC_OK;
}
