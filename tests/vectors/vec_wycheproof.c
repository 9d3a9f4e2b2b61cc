/* SPDX-License-Identifier: MIT */
/*
 * vec_wycheproof.c - every Wycheproof vector in tests/vectors/data/wycheproof
 * through the core: the 23 primitive files through JWK import (HMAC through
 * oidc_key_from_secret) and oidc_jws_check_signature, the JOSE-level files
 * through oidc_keyset_* and oidc_jws_verify. The JWS mapping rules of
 * wycheproof/README.md apply on top of the labels; every remaining
 * difference is a listed tcId (tests/vectors/DEVIATIONS.md), so any new
 * disagreement - or a listed one that went away - fails.
 *
 * Output: one "ok"/"not ok" line per primitive file and per JOSE group,
 * plus one "not ok" line per disagreeing vector.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jansson_util.h"
#include "testutil.h"
#include "vectors.h"

enum verdict { REJECT = 0, ACCEPT = 1, EITHER = 2 };

static const char *const verdict_name[] = { "reject", "accept", "either" };

/*
 * Vectors whose expected outcome for this project differs from the
 * (JWS-mapped) Wycheproof label. Keep in sync with DEVIATIONS.md.
 */
struct override {
	const char *file;
	int tc_id;
	enum verdict ours;
	const char *why;
	int seen;
};

static struct override overrides[] = {
	/* Label errors documented in wycheproof/README.md. */
	{ "json_web_signature_test.json", 367, ACCEPT,
	  "label error: byte-identical to tcId 357 (valid), C2SP/wycheproof#236", 0 },
	{ "json_web_signature_test.json", 370, ACCEPT,
	  "label error: byte-identical to tcId 357 (valid), C2SP/wycheproof#236", 0 },
	{ "json_web_signature_test.json", 372, REJECT,
	  "label error: '?' in the header segment is not base64url (C1)", 0 },
	{ "json_web_signature_test.json", 373, REJECT,
	  "label error: '?' in the payload segment is not base64url (C1)", 0 },
	/* Policy: a JWK "alg" pins the key (RFC 7517 4.4, checklist A3). */
	{ "json_web_signature_test.json", 346, REJECT,
	  "policy: key pinned to PS256 by its JWK, token is PS384", 0 },
	{ "json_web_signature_test.json", 350, REJECT,
	  "policy: key pinned to PS256 by its JWK, token is PS384", 0 },
	/* Policy: an unknown JWK "alg" makes the key unusable (as in
	 * json_web_key_test.json tcId 19, which expects exactly that). */
	{ "json_web_signature_test.json", 347, REJECT,
	  "policy: JWK alg \"ES521\" is no algorithm, the only key is skipped", 0 },
	{ "json_web_signature_test.json", 351, REJECT,
	  "policy: JWK alg \"ES521\" is no algorithm, the only key is skipped", 0 },
};

static int file_disagree;      /* disagreements in the current file/group */
static int printed;            /* per-vector lines printed for it */

static json_t *load_vectors(const char *file)
{
	char path[1024];
	json_error_t jerr;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/wycheproof/%s", vectors_dir(), file);
	doc = json_load_file(path, 0, &jerr);
	if (!doc)
		printf("# %s: %s\n", path, jerr.text);
	return doc;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex to bytes; *out is malloc'd (at least 1 byte, never NULL). */
static int hex_bytes(const char *hex, unsigned char **out, size_t *len)
{
	size_t n = hex ? strlen(hex) : 0;
	unsigned char *b = malloc(n / 2 + 1);

	*out = b;
	*len = 0;
	if (!b || !hex || n % 2)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* The harness's own base64url, independent of common/b64url.c. */
static char *b64url(const unsigned char *in, size_t len)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(len * 4 / 3 + 4);
	size_t o = 0;

	for (size_t i = 0; out && i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < len)
			out[o++] = a[v & 63];
	}
	if (out)
		out[o] = '\0';
	return out;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

/* Lenient base64(url) decoding of a JWK "k", for building secrets. */
static unsigned char *unb64(const char *s, size_t *len)
{
	size_t n = s ? strlen(s) : 0, o = 0;
	unsigned char *out = malloc(n * 3 / 4 + 1);
	unsigned acc = 0;
	int bits = 0;

	for (size_t i = 0; out && i < n; i++) {
		int v = b64_value(s[i]);
		if (v < 0)
			continue;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*len = o;
	return out;
}

static struct override *find_override(const char *file, int tc_id)
{
	for (size_t i = 0; i < sizeof(overrides) / sizeof(*overrides); i++)
		if (overrides[i].tc_id == tc_id && strcmp(overrides[i].file, file) == 0)
			return &overrides[i];
	return NULL;
}

static enum verdict label(const json_t *test)
{
	const char *r = tj_str(test, "result");

	if (r && strcmp(r, "valid") == 0)
		return ACCEPT;
	if (r && strcmp(r, "acceptable") == 0)
		return EITHER;
	return REJECT;
}

/* Compare one outcome with the expectation; print disagreements. */
static void judge(const char *file, const json_t *test, enum verdict expected,
		  enum verdict ours, enum oidc_status st)
{
	int tc_id = (int)json_integer_value(json_object_get(test, "tcId"));
	struct override *ov = find_override(file, tc_id);

	if (ov) {
		ov->seen++;
		if (ov->ours == expected) {
			printf("not ok - %s tcId %d: listed deviation matches the label (stale)\n",
			       file, tc_id);
			file_disagree++;
		}
		expected = ov->ours;
	}
	if (expected == EITHER || expected == ours)
		return;
	file_disagree++;
	if (printed++ < 25)
		printf("not ok - %s tcId %d (%s): expected %s, got %s (%s)\n", file, tc_id,
		       tj_str(test, "comment") ? tj_str(test, "comment") : "",
		       verdict_name[expected], verdict_name[ours], oidc_status_name(st));
}

/* ---- primitive files ------------------------------------------------- */

struct prim_file {
	const char *name;
	enum oidc_alg alg;   /* UNKNOWN: RSA-PSS, from the group parameters */
};

static const struct prim_file prim_files[] = {
	{ "ecdsa_secp256r1_sha256_p1363_test.json", OIDC_ALG_ES256 },
	{ "ecdsa_secp384r1_sha384_p1363_test.json", OIDC_ALG_ES384 },
	{ "ecdsa_secp521r1_sha512_p1363_test.json", OIDC_ALG_ES512 },
	{ "ed25519_test.json", OIDC_ALG_EDDSA },
	{ "hmac_sha256_test.json", OIDC_ALG_HS256 },
	{ "hmac_sha384_test.json", OIDC_ALG_HS384 },
	{ "hmac_sha512_test.json", OIDC_ALG_HS512 },
	{ "rsa_pss_2048_sha256_mgf1_32_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_pss_2048_sha384_mgf1_48_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_pss_3072_sha256_mgf1_32_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_pss_4096_sha256_mgf1_32_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_pss_4096_sha384_mgf1_48_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_pss_4096_sha512_mgf1_64_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_pss_misc_test.json", OIDC_ALG_UNKNOWN },
	{ "rsa_signature_2048_sha256_test.json", OIDC_ALG_RS256 },
	{ "rsa_signature_2048_sha384_test.json", OIDC_ALG_RS384 },
	{ "rsa_signature_2048_sha512_test.json", OIDC_ALG_RS512 },
	{ "rsa_signature_3072_sha256_test.json", OIDC_ALG_RS256 },
	{ "rsa_signature_3072_sha384_test.json", OIDC_ALG_RS384 },
	{ "rsa_signature_3072_sha512_test.json", OIDC_ALG_RS512 },
	{ "rsa_signature_4096_sha256_test.json", OIDC_ALG_RS256 },
	{ "rsa_signature_4096_sha384_test.json", OIDC_ALG_RS384 },
	{ "rsa_signature_4096_sha512_test.json", OIDC_ALG_RS512 },
};

/* "SHA-256" -> 256; 0 for hashes JWS does not use. */
static int sha_bits(const char *sha)
{
	if (!sha)
		return 0;
	if (strcmp(sha, "SHA-256") == 0)
		return 256;
	if (strcmp(sha, "SHA-384") == 0)
		return 384;
	if (strcmp(sha, "SHA-512") == 0)
		return 512;
	return 0;
}

/* An EC JWK from the hex coordinates (a few groups carry no JWK):
 * RFC 7518 6.2.1.2 full-length coordinates. New reference or NULL. */
static json_t *ec_jwk_from_hex(const json_t *pk)
{
	static const struct { const char *curve, *crv; size_t size; } curves[] = {
		{ "secp256r1", "P-256", 32 },
		{ "secp384r1", "P-384", 48 },
		{ "secp521r1", "P-521", 66 },
	};
	const char *curve = tj_str(pk, "curve");
	unsigned char *x = NULL, *y = NULL, bx[66], by[66];
	size_t xl = 0, yl = 0, size = 0;
	const char *crv = NULL;
	json_t *out = NULL;

	for (size_t i = 0; curve && i < 3; i++)
		if (strcmp(curve, curves[i].curve) == 0) {
			crv = curves[i].crv;
			size = curves[i].size;
		}
	if (crv && hex_bytes(tj_str(pk, "wx"), &x, &xl) == 0 &&
	    hex_bytes(tj_str(pk, "wy"), &y, &yl) == 0) {
		size_t xs = 0, ys = 0;

		while (xl - xs > size && x[xs] == 0)
			xs++;
		while (yl - ys > size && y[ys] == 0)
			ys++;
		if (xl - xs <= size && yl - ys <= size) {
			char *xb, *yb;

			memset(bx, 0, sizeof(bx));
			memset(by, 0, sizeof(by));
			memcpy(bx + size - (xl - xs), x + xs, xl - xs);
			memcpy(by + size - (yl - ys), y + ys, yl - ys);
			xb = b64url(bx, size);
			yb = b64url(by, size);
			out = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", crv, "x", xb,
					"y", yb);
			free(xb);
			free(yb);
		}
	}
	free(x);
	free(y);
	return out;
}

/* The JWK of an asymmetric group; built from the hex modulus when the
 * file has none (rsa_pss_misc). New reference. */
static json_t *group_jwk(const json_t *g)
{
	const json_t *jwk = json_object_get(g, "publicKeyJwk");
	const json_t *pk = json_object_get(g, "publicKey");
	unsigned char *n = NULL, *e = NULL;
	size_t nl = 0, el = 0, ns = 0, es = 0;
	char *nb, *eb;
	json_t *out;

	if (!jwk)
		jwk = json_object_get(g, "keyJwk");
	if (jwk)
		return json_deep_copy(jwk);
	if (tj_str(pk, "wx"))
		return ec_jwk_from_hex(pk);
	if (hex_bytes(tj_str(pk, "modulus"), &n, &nl) != 0 ||
	    hex_bytes(tj_str(pk, "publicExponent"), &e, &el) != 0) {
		free(n);
		free(e);
		return NULL;
	}
	/* RFC 7518 6.3.1: minimal octets (the hex is ASN.1 INTEGER style). */
	while (ns + 1 < nl && n[ns] == 0)
		ns++;
	while (es + 1 < el && e[es] == 0)
		es++;
	nb = b64url(n + ns, nl - ns);
	eb = b64url(e + es, el - es);
	out = json_pack("{s:s,s:s,s:s}", "kty", "RSA", "n", nb, "e", eb);
	free(n);
	free(e);
	free(nb);
	free(eb);
	return out;
}

/* Run one signature through check_signature for each candidate alg. */
static enum verdict check_one(const struct oidc_key *key, const enum oidc_alg *algs,
			      size_t n_algs, const json_t *test, const char *sig_member,
			      enum oidc_status *st_out)
{
	static const char empty[1] = "";
	unsigned char *msg = NULL, *sig = NULL;
	size_t msg_len = 0, sig_len = 0;
	enum verdict ours = REJECT;
	struct oidc_error err;

	*st_out = OIDC_E_BAD_KEY;
	if (hex_bytes(tj_str(test, "msg"), &msg, &msg_len) != 0 ||
	    hex_bytes(tj_str(test, sig_member), &sig, &sig_len) != 0) {
		printf("# bad hex in tcId %lld\n",
		       (long long)json_integer_value(json_object_get(test, "tcId")));
		*st_out = OIDC_E_INTERNAL;
		goto out;
	}
	for (size_t i = 0; key && i < n_algs; i++) {
		struct oidc_jws jws = { 0 };

		if (!oidc_key_fits_alg(key, algs[i])) {
			*st_out = OIDC_E_KEY_MISMATCH;
			continue;
		}
		jws.alg = algs[i];
		jws.signing_input = msg_len ? (const char *)msg : empty;
		jws.signing_input_len = msg_len;
		jws.sig = sig;
		jws.sig_len = sig_len;
		*st_out = oidc_jws_check_signature(&jws, key, &err);
		if (*st_out == OIDC_OK)
			ours = ACCEPT;
	}
out:
	free(msg);
	free(sig);
	return ours;
}

static void run_primitive_file(const struct prim_file *pf)
{
	json_t *doc = load_vectors(pf->name), *g, *t;
	size_t gi, ti;
	int total = 0, accepted = 0;

	file_disagree = 0;
	printed = 0;
	if (!doc) {
		printf("not ok - wycheproof %s: cannot load\n", pf->name);
		return;
	}
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g) {
		const char *type = tj_str(g, "type");
		bool mac = type && strcmp(type, "MacTest") == 0;
		enum oidc_alg algs[3] = { pf->alg };
		size_t n_algs = 1;
		bool jws_params = true;
		struct oidc_key *key = NULL;
		json_t *jwk = NULL;

		if (type && strcmp(type, "RsassaPssVerify") == 0) {
			int bits = sha_bits(tj_str(g, "sha"));
			const char *mgf_sha = tj_str(g, "mgfSha");
			json_int_t slen = json_integer_value(json_object_get(g, "sLen"));

			/* RFC 7518 3.5: MGF1 with the same hash, salt = hash. */
			jws_params = bits && mgf_sha &&
				     strcmp(mgf_sha, tj_str(g, "sha")) == 0 &&
				     slen == bits / 8;
			if (jws_params) {
				algs[0] = bits == 256 ? OIDC_ALG_PS256 :
					  bits == 384 ? OIDC_ALG_PS384 : OIDC_ALG_PS512;
			} else {
				algs[0] = OIDC_ALG_PS256;
				algs[1] = OIDC_ALG_PS384;
				algs[2] = OIDC_ALG_PS512;
				n_algs = 3;
			}
		}
		if (!mac) {
			jwk = group_jwk(g);
			if (!jwk || tj_jwk_import(jwk, &key, NULL) != OIDC_OK)
				key = NULL;
		}
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			enum verdict expected = label(t), ours;
			enum oidc_status st = OIDC_E_BAD_KEY;

			if (mac) {
				const struct oidc_alg_info *ai = oidc_alg_get(pf->alg);
				unsigned char *k = NULL;
				size_t kl = 0;
				struct oidc_key *hk = NULL;

				/* JWS: full-length tags, keys of at least the
				 * hash size, refused when the key is made. */
				if (json_integer_value(json_object_get(g, "tagSize")) <
					    (json_int_t)ai->hash_len * 8 ||
				    json_integer_value(json_object_get(g, "keySize")) <
					    (json_int_t)ai->hash_len * 8)
					expected = REJECT;
				hex_bytes(tj_str(t, "key"), &k, &kl);
				st = oidc_key_from_secret(k, kl, NULL, &hk, NULL);
				free(k);
				ours = hk ? check_one(hk, algs, 1, t, "tag", &st) : REJECT;
				oidc_key_free(&hk);
			} else {
				if (!jws_params)
					expected = REJECT;
				ours = check_one(key, algs, n_algs, t, "sig", &st);
			}
			judge(pf->name, t, expected, ours, st);
			total++;
			accepted += ours == ACCEPT;
		}
		oidc_key_free(&key);
		json_decref(jwk);
	}
	if (printed > 25)
		printf("# ... %d more disagreements in %s\n", printed - 25, pf->name);
	CHECK(file_disagree == 0 && total > 0,
	      "wycheproof %s: %d vectors, %d accepted, %d disagreements", pf->name, total,
	      accepted, file_disagree);
	json_decref(doc);
}

/* ---- JOSE-level files ------------------------------------------------- */

/*
 * The key set of a JOSE group. Symmetric keys are HMAC secrets, which
 * this project takes only from configuration: a set made only of "oct"
 * keys becomes configured secrets (oidc_key_from_secret), the JWK "alg"
 * becoming the issuer's algorithms list (oidc_alg_list_parse). Any other
 * set goes through oidc_keyset_from_jwks as published. NULL: refused.
 */
static struct oidc_keyset *group_keyset(const json_t *g, uint32_t *mask)
{
	const json_t *mat = json_object_get(g, "public");
	struct oidc_keyset *ks = NULL;
	json_t *list, *k;
	bool all_oct = true;
	size_t i;
	char *text;

	if (!mat)
		mat = json_object_get(g, "private");
	list = json_object_get(mat, "keys") ? json_incref(json_object_get(mat, "keys")) :
					      json_pack("[O]", mat);
	json_array_foreach(list, i, k) {
		const char *kty = tj_str(k, "kty");
		if (!kty || strcmp(kty, "oct") != 0)
			all_oct = false;
	}
	if (all_oct) {
		const uint32_t hs_mask = OIDC_ALG_MASK_ALL & ~OIDC_ALG_MASK_ASYM;
		bool ok = oidc_keyset_new(&ks) == OIDC_OK;

		*mask = 0;
		json_array_foreach(list, i, k) {
			const char *alg = tj_str(k, "alg");
			uint32_t m = hs_mask;
			unsigned char *secret;
			size_t len = 0;
			struct oidc_key *key = NULL;

			if (!ok)
				break;
			if (alg && (oidc_alg_list_parse(alg, &m, NULL) != OIDC_OK ||
				    (m & ~hs_mask))) {
				ok = false;
				break;
			}
			*mask |= m;
			secret = unb64(tj_str(k, "k"), &len);
			ok = oidc_key_from_secret(secret, len, tj_str(k, "kid"), &key,
						  NULL) == OIDC_OK &&
			     oidc_keyset_add(ks, key, NULL) == OIDC_OK;
			free(secret);
		}
		if (!ok)
			oidc_keyset_free(&ks);
	} else {
		json_t *doc = json_pack("{s:O}", "keys", list);

		text = json_dumps(doc, JSON_COMPACT);
		if (!text || oidc_keyset_from_jwks(text, strlen(text), &ks, NULL) != OIDC_OK)
			ks = NULL;
		*mask = OIDC_ALG_MASK_ALL;
		free(text);
		json_decref(doc);
	}
	json_decref(list);
	return ks;
}

static void run_jose_file(const char *file)
{
	json_t *doc = load_vectors(file), *g, *t;
	size_t gi, ti;
	int jwe_total = 0, jwe_refused = 0, all = 0;

	if (!doc) {
		printf("not ok - wycheproof %s: cannot load\n", file);
		return;
	}
	json_array_foreach(json_object_get(doc, "testGroups"), gi, g) {
		uint32_t mask = 0;
		struct oidc_keyset *ks = NULL;
		int total = 0, accepted = 0, first = -1, last = -1;

		file_disagree = 0;
		printed = 0;
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			/* A JSON serialization may come as an object: it is
			 * fed to the verifier as the text a client would send. */
			char *token_text = json_dumps(json_object_get(t, "jws"),
						      JSON_COMPACT | JSON_ENCODE_ANY);
			char *jwe_text = json_dumps(json_object_get(t, "jwe"),
						    JSON_COMPACT | JSON_ENCODE_ANY);
			const char *token = tj_str(t, "jws");
			const char *jwe = tj_str(t, "jwe");
			enum oidc_status st = OIDC_E_BAD_KEYSET;
			enum verdict ours = REJECT;
			struct oidc_error err;

			if (!token && json_is_object(json_object_get(t, "jws")))
				token = token_text;
			if (!jwe && json_is_object(json_object_get(t, "jwe")))
				jwe = jwe_text;

			if (!token) {
				/* JWE groups are out of scope, but a JWE must
				 * never pass as a JWS (C2). */
				struct oidc_jws jws;
				if (jwe) {
					jwe_total++;
					if (oidc_jws_parse(jwe, strlen(jwe), 65536, &jws,
							   NULL) != OIDC_OK)
						jwe_refused++;
					else
						oidc_jws_clear(&jws);
				}
				free(token_text);
				free(jwe_text);
				continue;
			}
			if (total == 0)
				ks = group_keyset(g, &mask);
			if (ks)
				st = oidc_jws_verify(ks, mask, token, strlen(token),
						     OIDC_TOKEN_MAX_DEFAULT, &err);
			if (st == OIDC_OK)
				ours = ACCEPT;
			last = (int)json_integer_value(json_object_get(t, "tcId"));
			if (first < 0)
				first = last;
			judge(file, t, label(t), ours, st);
			total++;
			accepted += ours == ACCEPT;
			free(token_text);
			free(jwe_text);
		}
		oidc_keyset_free(&ks);
		if (total == 0)
			continue;
		all += total;
		CHECK(file_disagree == 0, "wycheproof %s group %s (tcId %d-%d): %d vectors, "
					  "%d accepted, %d disagreements",
		      file, tj_str(g, "comment"), first, last, total, accepted,
		      file_disagree);
	}
	if (jwe_total)
		CHECK(jwe_refused == jwe_total, "wycheproof %s: %d of %d JWE tokens refused by "
						"the JWS parser (C2)",
		      file, jwe_refused, jwe_total);
	CHECK(all > 0, "wycheproof %s: %d JWS vectors run", file, all);
	json_decref(doc);
}

int main(void)
{
	static const char *const jose[] = { "json_web_signature_test.json",
					    "json_web_key_test.json",
					    "json_web_crypto_test.json" };

	for (size_t i = 0; i < sizeof(prim_files) / sizeof(*prim_files); i++)
		run_primitive_file(&prim_files[i]);
	for (size_t i = 0; i < 3; i++)
		run_jose_file(jose[i]);
	for (size_t i = 0; i < sizeof(overrides) / sizeof(*overrides); i++)
		CHECK(overrides[i].seen == 1, "listed deviation %s tcId %d was run (%s)",
		      overrides[i].file, overrides[i].tc_id, overrides[i].why);
	return test_done();
}
