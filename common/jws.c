/* SPDX-License-Identifier: MIT */
/*
 * jws.c - JWS compact serialization (RFC 7515 section 7.1): structure and
 * header checks, then the signature with a key chosen by configuration
 * (checklist A1-A7, B1-B8, C1-C7). Per token this does one allocation for
 * three bounded base64url decodes, one small in-place JSON parse (jdoc.c)
 * and one copy of a verification context prepared at key import: no key
 * parsing, no algorithm fetch.
 * Nothing here is mutable shared state; keys are only read.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal.h"

/* Largest signature: RSA-8192, 1024 bytes = 1366 base64url characters. */
#define JWS_SIG_MAX (OIDC_RSA_BITS_MAX / 8)
#define JWS_SIG_B64_MAX ((JWS_SIG_MAX * 4 + 2) / 3)
/* DER of an ECDSA-P521 signature: 3 + 2 * (2 + 67) bytes. */
#define JWS_ECDSA_DER_MAX 160

void oidc_jws_clear(struct oidc_jws *jws)
{
	if (!jws)
		return;
	oidc_jdoc_clear(&jws->header);
	/* Payload and signature together would rebuild the bearer token.
	 * buf is NULL when oidc_validate moved it into its result. */
	if (jws->buf)
		oidc_free_secret(jws->buf, jws->buf_len);
	memset(jws, 0, sizeof(*jws));
	jws->alg = OIDC_ALG_UNKNOWN;
}

/* RFC 7515 4.1.10: "JWT" (or its media type) announces a nested JWT. */
static bool cty_is_nested_jwt(const char *cty)
{
	return strcasecmp(cty, "JWT") == 0 ||
	       strcasecmp(cty, "application/jwt") == 0;
}

static enum oidc_status jws_check_header(struct oidc_jws *jws,
					 struct oidc_error *err)
{
	const struct oidc_jdoc *h = &jws->header;
	const struct oidc_jnode *root = oidc_jdoc_root(h);
	const struct oidc_jnode *v = oidc_jobj_get(h, root, "alg");

	/* A1, A3: alg is an exact, known name; "none" is not in the table. */
	if (!v || v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_MALFORMED,
				"header alg missing or not a string");
	jws->alg = oidc_alg_from_name(v->v.s, v->len);
	if (jws->alg == OIDC_ALG_UNKNOWN)
		return oidc_err(err, OIDC_E_ALG_NOT_ALLOWED,
				"alg \"%.16s\" is not supported", v->v.s);
	/* RFC 7515 4.1.11: no extension is understood, so any crit fails. */
	if (oidc_jobj_get(h, root, "crit"))
		return oidc_err(err, OIDC_E_UNSUPPORTED_HEADER,
				"header has crit");
	if (oidc_jobj_get(h, root, "zip"))
		return oidc_err(err, OIDC_E_UNSUPPORTED_HEADER, "header has zip");
	/* RFC 7797 3: b64 other than true changes the signing input. */
	v = oidc_jobj_get(h, root, "b64");
	if (v && v->type != OIDC_JTRUE)
		return oidc_err(err, OIDC_E_UNSUPPORTED_HEADER,
				"header has b64 other than true");
	v = oidc_jobj_get(h, root, "cty");
	if (v && v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_MALFORMED, "header cty not a string");
	if (v && cty_is_nested_jwt(v->v.s))
		return oidc_err(err, OIDC_E_UNSUPPORTED_HEADER,
				"nested JWT (cty JWT)");
	/* A7: kid is an opaque, bounded string. jwk, jku, x5u, x5c are
	 * never read (A6). */
	v = oidc_jobj_get(h, root, "kid");
	if (v && (v->type != OIDC_JSTRING || v->len > OIDC_KID_MAX))
		return oidc_err(err, OIDC_E_MALFORMED,
				"header kid not a string of at most %d bytes",
				OIDC_KID_MAX);
	jws->kid = v ? v->v.s : NULL;
	v = oidc_jobj_get(h, root, "typ");
	if (v && v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_MALFORMED, "header typ not a string");
	jws->typ = v ? v->v.s : NULL;
	return OIDC_OK;
}

enum oidc_status oidc_jws_parse(const char *token, size_t len, size_t max_len,
				struct oidc_jws *jws, struct oidc_error *err)
{
	const char *dot1, *dot2, *payload_b64, *sig_b64;
	size_t header_len, payload_b64_len, sig_b64_len, n = 0;
	size_t header_cap, payload_cap, sig_cap;
	unsigned char *p;
	enum oidc_status st;

	if (!jws)
		return oidc_err(err, OIDC_E_INTERNAL, "no JWS output");
	memset(jws, 0, sizeof(*jws));
	jws->alg = OIDC_ALG_UNKNOWN;
	if (!token)
		return oidc_err(err, OIDC_E_MALFORMED, "no token");
	/* C3: the size limit comes before looking at any byte. */
	if (len > max_len || len > OIDC_TOKEN_MAX_LIMIT)
		return oidc_err(err, OIDC_E_TOO_LARGE, "token of %zu bytes, limit %zu",
				len, max_len);
	/* C2: exactly two dots, found by a bounded scan before allocating. */
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) :
		      NULL;
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return oidc_err(err, OIDC_E_MALFORMED,
				"not three dot-separated segments");
	header_len = (size_t)(dot1 - token);
	payload_b64 = dot1 + 1;
	payload_b64_len = (size_t)(dot2 - payload_b64);
	sig_b64 = dot2 + 1;
	sig_b64_len = len - (size_t)(sig_b64 - token);
	if (header_len == 0)
		return oidc_err(err, OIDC_E_MALFORMED, "empty header segment");
	if (header_len > OIDC_HEADER_B64_MAX || sig_b64_len > JWS_SIG_B64_MAX)
		return oidc_err(err, OIDC_E_MALFORMED,
				"header or signature segment too long");

	/* One buffer for the three decoded segments (each JSON one with
	 * room for its NUL): one allocation, one wipe. */
	header_cap = oidc_b64url_decoded_max(header_len);
	payload_cap = oidc_b64url_decoded_max(payload_b64_len);
	sig_cap = oidc_b64url_decoded_max(sig_b64_len);
	jws->buf_len = header_cap + 1 + payload_cap + 1 + sig_cap;
	jws->buf = malloc(jws->buf_len);
	if (!jws->buf) {
		jws->buf_len = 0;
		return oidc_err(err, OIDC_E_NOMEM, "decoded token");
	}
	p = jws->buf;

	/* C1: all three segments strictly decoded before any JSON. */
	st = oidc_b64url_decode(token, header_len, p, header_cap, &n);
	if (st != OIDC_OK) {
		st = oidc_err(err, OIDC_E_MALFORMED,
			      "header is not strict base64url");
		goto fail;
	}
	jws->header_json = (char *)p;
	p[n] = '\0';
	p += n + 1;
	st = oidc_b64url_decode(payload_b64, payload_b64_len, p, payload_cap,
				&jws->payload_len);
	if (st != OIDC_OK) {
		st = oidc_err(err, OIDC_E_MALFORMED,
			      "payload is not strict base64url");
		goto fail;
	}
	jws->payload = p;
	p[jws->payload_len] = '\0';
	p += jws->payload_len + 1;
	st = oidc_b64url_decode(sig_b64, sig_b64_len, p, sig_cap, &jws->sig_len);
	if (st != OIDC_OK) {
		st = oidc_err(err, OIDC_E_MALFORMED,
			      "signature is not strict base64url");
		goto fail;
	}
	jws->sig = p;
	st = oidc_jdoc_parse(&jws->header, jws->header_json, n, err);
	if (st != OIDC_OK)
		goto fail;
	st = jws_check_header(jws, err);
	if (st != OIDC_OK)
		goto fail;
	/* A4: no empty signature (after the header, so that an unsecured
	 * token is reported as alg none). RFC 7515 allows an empty payload. */
	if (jws->sig_len == 0) {
		st = oidc_err(err, OIDC_E_MALFORMED, "empty signature");
		goto fail;
	}
	/* RFC 7515 5.2: the signing input is the received bytes. */
	jws->signing_input = token;
	jws->signing_input_len = (size_t)(dot2 - token);
	return OIDC_OK;
fail:
	oidc_jws_clear(jws);
	return st;
}

/* B2: r||s (RFC 7518 3.4) to DER, each half an unsigned big-endian
 * integer; the caller has checked the exact length. */
static enum oidc_status ecdsa_sig_to_der(const unsigned char *rs, size_t len,
					 unsigned char *der, size_t *der_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)(len / 2), NULL);
	BIGNUM *s = BN_bin2bn(rs + len / 2, (int)(len / 2), NULL);
	enum oidc_status st = OIDC_E_NOMEM;
	unsigned char *p = der;
	int n;

	if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	n = i2d_ECDSA_SIG(sig, NULL);
	if (n <= 0 || n > JWS_ECDSA_DER_MAX || i2d_ECDSA_SIG(sig, &p) != n) {
		st = OIDC_E_INTERNAL;
		goto out;
	}
	*der_len = (size_t)n;
	st = OIDC_OK;
out:
	ECDSA_SIG_free(sig);
	return st;
}

/* One verification on a copy of the key's prepared context. */
static enum oidc_status digest_verify(const EVP_MD_CTX *tmpl,
				      const unsigned char *sig, size_t sig_len,
				      const struct oidc_jws *jws)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	enum oidc_status st = OIDC_E_INTERNAL;

	if (!ctx)
		return OIDC_E_NOMEM;
	if (EVP_MD_CTX_copy_ex(ctx, tmpl) == 1)
		st = EVP_DigestVerify(ctx, sig, sig_len,
				      (const unsigned char *)jws->signing_input,
				      jws->signing_input_len) == 1 ?
			     OIDC_OK :
			     OIDC_E_BAD_SIGNATURE;
	EVP_MD_CTX_free(ctx);
	return st;
}

/*
 * B8: HMAC (RFC 2104) from copies of the key's inner and outer hash states
 * (no re-keying, no shared mutable state); full-length tag, constant-time
 * compare.
 */
static enum oidc_status hmac_verify(const EVP_MD_CTX *inner,
				    const EVP_MD_CTX *outer,
				    const struct oidc_jws *jws)
{
	unsigned char ihash[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned int ihash_len = 0, mac_len = 0;
	EVP_MD_CTX *ctx;
	enum oidc_status st = OIDC_E_INTERNAL;

	if (!inner || !outer)
		return OIDC_E_INTERNAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return OIDC_E_NOMEM;
	if (EVP_MD_CTX_copy_ex(ctx, inner) == 1 &&
	    EVP_DigestUpdate(ctx, jws->signing_input,
			     jws->signing_input_len) == 1 &&
	    EVP_DigestFinal_ex(ctx, ihash, &ihash_len) == 1 &&
	    EVP_MD_CTX_copy_ex(ctx, outer) == 1 &&
	    EVP_DigestUpdate(ctx, ihash, ihash_len) == 1 &&
	    EVP_DigestFinal_ex(ctx, mac, &mac_len) == 1 &&
	    mac_len == jws->sig_len)
		st = CRYPTO_memcmp(mac, jws->sig, mac_len) == 0 ?
			     OIDC_OK :
			     OIDC_E_BAD_SIGNATURE;
	EVP_MD_CTX_free(ctx);
	/* The expected tag is a valid signature for this input. */
	explicit_bzero(ihash, sizeof(ihash));
	explicit_bzero(mac, sizeof(mac));
	return st;
}

size_t oidc_jws_sig_len_for(const struct oidc_jws *jws,
			    const struct oidc_key *key)
{
	const struct oidc_alg_info *ai = oidc_alg_get(jws->alg);

	if (!ai || !key)
		return 0;
	return (ai->family == OIDC_FAM_RSA_PKCS1 ||
		ai->family == OIDC_FAM_RSA_PSS) ? key->sig_len : ai->sig_len;
}

enum oidc_status oidc_jws_check_signature(const struct oidc_jws *jws,
					  const struct oidc_key *key,
					  struct oidc_error *err)
{
	const struct oidc_alg_info *ai = jws ? oidc_alg_get(jws->alg) : NULL;
	unsigned char der[JWS_ECDSA_DER_MAX];
	const EVP_MD_CTX *tmpl;
	size_t want, der_len = 0;
	enum oidc_status st;

	if (!ai || !key || !jws->sig || !jws->signing_input)
		return oidc_err(err, OIDC_E_INTERNAL, "no JWS or key");
	if (!oidc_key_fits_alg(key, jws->alg))
		return oidc_err(err, OIDC_E_KEY_MISMATCH, "key cannot verify %s",
				ai->name);
	/* A4, B2, B8: exact length before any crypto. */
	want = oidc_jws_sig_len_for(jws, key);
	if (jws->sig_len != want)
		return oidc_err(err, OIDC_E_BAD_SIGNATURE,
				"%s signature of %zu bytes, expected %zu", ai->name,
				jws->sig_len, want);
	ERR_set_mark();
	switch (ai->family) {
	case OIDC_FAM_HMAC:
		st = hmac_verify(key->hmac_inner[jws->alg - OIDC_ALG_HS256],
				 key->hmac_outer[jws->alg - OIDC_ALG_HS256], jws);
		break;
	case OIDC_FAM_ECDSA:
		st = ecdsa_sig_to_der(jws->sig, jws->sig_len, der, &der_len);
		tmpl = oidc_key_verify_ctx(key, jws->alg);
		if (st == OIDC_OK)
			st = tmpl ? digest_verify(tmpl, der, der_len, jws) :
				    OIDC_E_INTERNAL;
		break;
	case OIDC_FAM_RSA_PKCS1:
	case OIDC_FAM_RSA_PSS:
	case OIDC_FAM_EDDSA:
	default:
		tmpl = oidc_key_verify_ctx(key, jws->alg);
		st = tmpl ? digest_verify(tmpl, jws->sig, jws->sig_len, jws) :
			    OIDC_E_INTERNAL;
		break;
	}
	ERR_pop_to_mark();
	if (st == OIDC_E_BAD_SIGNATURE)
		return oidc_err(err, st, "%s signature does not verify",
				ai->name);
	if (st != OIDC_OK)
		return oidc_err(err, st, "%s verification failed", ai->name);
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_jws_verify(const struct oidc_keyset *ks,
					     uint32_t alg_mask,
					     const char *token, size_t len,
					     size_t max_len,
					     struct oidc_error *err)
{
	const struct oidc_key *key = NULL;
	struct oidc_jws jws;
	enum oidc_status st;

	if (!ks)
		return oidc_err(err, OIDC_E_INTERNAL, "no key set");
	st = oidc_jws_parse(token, len, max_len, &jws, err);
	if (st != OIDC_OK)
		return st;
	/* A1: the allow-list comes from configuration, never the token. */
	if (!(alg_mask & OIDC_ALG_BIT(jws.alg))) {
		st = oidc_err(err, OIDC_E_ALG_NOT_ALLOWED,
			      "%s is not an allowed algorithm",
			      oidc_alg_get(jws.alg)->name);
		goto out;
	}
	st = oidc_keyset_find(ks, jws.alg, jws.kid, &key, err);
	if (st == OIDC_OK)
		st = oidc_jws_check_signature(&jws, key, err);
	if (st == OIDC_OK && err) {
		err->status = OIDC_OK;
		err->detail[0] = '\0';
	}
out:
	oidc_jws_clear(&jws);
	return st;
}
