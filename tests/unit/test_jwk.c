/* SPDX-License-Identifier: MIT */
/*
 * test_jwk.c - JWK import (common/jwk.c) and key sets (common/jwks.c).
 * Keys come from tests/unit/gen_keys.py (python3-cryptography), made fresh
 * on every run; the tests only combine and mutate them.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/obj_mac.h>

#include "internal.h"
#include "jansson_util.h"
#include "testutil.h"

static json_t *gen;

/* Run gen_keys.py MODE and parse its JSON output. */
static json_t *run_generator(const char *mode)
{
	const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	char cmd[512], *buf = NULL;
	size_t len = 0, cap = 0, n;
	json_t *out;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s tests/unit/gen_keys.py %s", py, mode);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	do {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		n = fread(buf + len, 1, cap - len, p);
		len += n;
	} while (n > 0);
	if (pclose(p) != 0 || !buf) {
		free(buf);
		return NULL;
	}
	out = json_loadb(buf, len, 0, NULL);
	free(buf);
	return out;
}

/* A deep copy of generated key NAME, to mutate. */
static json_t *jwk_copy(const char *name)
{
	json_t *k = json_object_get(gen, name);

	if (!k) {
		CHECK(0, "generator produced %s", name);
		return json_object();
	}
	return json_deep_copy(k);
}

static enum oidc_status import(json_t *jwk, struct oidc_key **key_out)
{
	struct oidc_error err;
	struct oidc_key *key = NULL;
	enum oidc_status st = tj_jwk_import(jwk, &key, &err);

	if (key_out)
		*key_out = key;
	else
		oidc_key_free(&key);
	return st;
}

/* Import generated key NAME after setting member to value (stolen). */
static enum oidc_status import_with(const char *name, const char *member,
				    json_t *value)
{
	json_t *k = jwk_copy(name);
	enum oidc_status st;

	if (value)
		json_object_set_new(k, member, value);
	else
		json_object_del(k, member);
	st = import(k, NULL);
	json_decref(k);
	return st;
}

static void test_rsa(void)
{
	static const char *const sizes[] = { "rsa2048", "rsa3072", "rsa4096" };
	struct oidc_key *key = NULL;
	json_t *k;

	for (size_t i = 0; i < 3; i++) {
		k = jwk_copy(sizes[i]);
		CHECK_STATUS(import(k, &key), OIDC_OK, "import %s", sizes[i]);
		if (key) {
			CHECK(key->kty == OIDC_KTY_RSA && key->bits == 2048 + 1024 * i &&
				      key->sig_len == key->bits / 8 && key->pkey &&
				      key->alg == OIDC_ALG_UNKNOWN && !key->kid,
			      "%s: type, bits, signature length", sizes[i]);
			CHECK(oidc_key_fits_alg(key, OIDC_ALG_RS256) &&
				      oidc_key_fits_alg(key, OIDC_ALG_PS512) &&
				      !oidc_key_fits_alg(key, OIDC_ALG_ES256) &&
				      !oidc_key_fits_alg(key, OIDC_ALG_EDDSA) &&
				      !oidc_key_fits_alg(key, OIDC_ALG_HS256),
			      "%s fits RS*/PS* only (A2)", sizes[i]);
		}
		oidc_key_free(&key);
		CHECK(key == NULL, "oidc_key_free sets NULL");
		json_decref(k);
	}
	CHECK_STATUS(import_with("rsa_e3", "x-none", NULL), OIDC_OK, "e = 3 accepted");
	CHECK_STATUS(import_with("rsa1024", "x-none", NULL), OIDC_E_BAD_KEY,
		     "1024-bit modulus rejected (B5)");
	CHECK_STATUS(import_with("rsa_fake_2047", "x-none", NULL), OIDC_E_BAD_KEY,
		     "2047-bit modulus rejected");
	CHECK_STATUS(import_with("rsa_fake_8200", "x-none", NULL), OIDC_E_BAD_KEY,
		     "8200-bit modulus rejected (A8)");
	k = jwk_copy("rsa_fake_8192");
	CHECK_STATUS(import(k, &key), OIDC_OK, "8192-bit modulus accepted");
	CHECK(key && key->bits == 8192 && key->sig_len == 1024, "8192 bits, 1024-byte signature");
	oidc_key_free(&key);
	json_decref(k);
	k = jwk_copy("rsa_n_leading_zero");
	CHECK_STATUS(import(k, &key), OIDC_OK, "leading zero octet in n tolerated");
	CHECK(key && key->bits == 2048 && key->sig_len == 256,
	      "leading zero does not change the modulus length");
	oidc_key_free(&key);
	json_decref(k);
	CHECK_STATUS(import_with("rsa_even_n", "x-none", NULL), OIDC_E_BAD_KEY, "even modulus");
	CHECK_STATUS(import_with("rsa_e_1", "x-none", NULL), OIDC_E_BAD_KEY, "e = 1 (B5)");
	CHECK_STATUS(import_with("rsa_e_2", "x-none", NULL), OIDC_E_BAD_KEY, "even e");
	CHECK_STATUS(import_with("rsa_e_64bits", "x-none", NULL), OIDC_OK, "64-bit e");
	CHECK_STATUS(import_with("rsa_e_65bits", "x-none", NULL), OIDC_E_BAD_KEY, "65-bit e");
	CHECK_STATUS(import_with("rsa_roca", "x-none", NULL), OIDC_E_BAD_KEY,
		     "ROCA-fingerprinted modulus (CVE-2017-15361)");
	CHECK_STATUS(import_with("rsa_random_n", "x-none", NULL), OIDC_OK,
		     "random odd modulus has no ROCA fingerprint");
	CHECK_STATUS(import_with("rsa2048", "e", json_string("")), OIDC_E_BAD_KEY, "empty e");
	CHECK_STATUS(import_with("rsa2048", "e", NULL), OIDC_E_BAD_KEY, "missing e");
	CHECK_STATUS(import_with("rsa2048", "n", NULL), OIDC_E_BAD_KEY, "missing n");
	CHECK_STATUS(import_with("rsa2048", "n", json_integer(65537)), OIDC_E_BAD_KEY,
		     "numeric n");
	CHECK_STATUS(import_with("rsa2048", "e", json_string("AQAB=")), OIDC_E_BAD_KEY,
		     "padded e (C1)");
	CHECK_STATUS(import_with("rsa2048", "e", json_string("AQA+")), OIDC_E_BAD_KEY,
		     "'+' in e");
	CHECK_STATUS(import_with("rsa2048", "e", json_string("AQAC")), OIDC_E_BAD_KEY,
		     "even e 65538");
}

static void test_rsa_strict_b64(void)
{
	json_t *k = jwk_copy("rsa2048");
	const char *n = json_string_value(json_object_get(k, "n"));
	char *mod = strdup(n ? n : "");
	size_t len = strlen(mod);

	/* 256 bytes = 342 characters: the last one carries 4 spare bits. */
	CHECK(len == 342, "2048-bit n is 342 characters");
	if (len == 342) {
		mod[len - 1] = (char)(mod[len - 1] == 'A' ? 'B' : 'A');
		json_object_set_new(k, "n", json_string(mod));
		CHECK_STATUS(import(k, NULL), OIDC_E_BAD_KEY,
			     "non-canonical trailing bits in n (C1)");
	}
	free(mod);
	json_decref(k);
}

static void test_private_and_kty(void)
{
	static const char *const priv[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };

	for (size_t i = 0; i < sizeof(priv) / sizeof(*priv); i++)
		CHECK_STATUS(import_with("rsa2048", priv[i], json_string("AQAB")),
			     OIDC_E_BAD_KEY, "private member %s refused", priv[i]);
	CHECK_STATUS(import_with("ec256", "d", json_string("AQAB")), OIDC_E_BAD_KEY,
		     "EC private key refused");
	CHECK_STATUS(import_with("ed25519", "d", json_string("AQAB")), OIDC_E_BAD_KEY,
		     "OKP private key refused");
	CHECK_STATUS(import_with("rsa2048", "kty", json_string("oct")), OIDC_E_BAD_KEY,
		     "kty oct refused (A2)");
	CHECK_STATUS(import_with("rsa2048", "kty", json_string("rsa")), OIDC_E_BAD_KEY,
		     "kty is case-sensitive");
	CHECK_STATUS(import_with("rsa2048", "kty", json_string("foo")), OIDC_E_BAD_KEY,
		     "unknown kty");
	CHECK_STATUS(import_with("rsa2048", "kty", NULL), OIDC_E_BAD_KEY, "missing kty");
	CHECK_STATUS(import_with("rsa2048", "kty", json_integer(1)), OIDC_E_BAD_KEY,
		     "numeric kty");
	CHECK_STATUS(import_with("ec256", "kty", json_string("RSA")), OIDC_E_BAD_KEY,
		     "EC members under kty RSA (wrong_kty)");
	CHECK_STATUS(import_with("rsa2048", "kty", json_string("EC")), OIDC_E_BAD_KEY,
		     "RSA members under kty EC");

	json_t *arr = json_array();
	CHECK_STATUS(import(arr, NULL), OIDC_E_BAD_KEY, "JWK that is not an object");
	json_decref(arr);
	CHECK_STATUS(import(NULL, NULL), OIDC_E_BAD_KEY, "NULL JWK");
}

/* Threads asking for a fresh key's context at once all get the kept one. */
#define RACERS 4
struct racer {
	const struct oidc_key *key;
	pthread_barrier_t *go;
	const EVP_MD_CTX *got;
};

static void *race_ctx(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	r->got = oidc_key_verify_ctx(r->key, OIDC_ALG_PS256);
	return NULL;
}

static void test_lazy_ctx_race(void)
{
	struct oidc_key *key = NULL;
	json_t *k = jwk_copy("rsa2048");
	pthread_barrier_t go;
	pthread_t th[RACERS];
	struct racer r[RACERS];
	int started = 0, same = 0;

	if (!CHECK(import(k, &key) == OIDC_OK && key &&
			   pthread_barrier_init(&go, NULL, RACERS) == 0,
		   "unpinned RSA key for the race"))
		goto out;
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ key, &go, NULL };
		if (pthread_create(&th[i], NULL, race_ctx, &r[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < started; i++)
		same += r[i].got && r[i].got == key->verify_tmpl[OIDC_ALG_PS256];
	CHECK(started == RACERS && same == RACERS,
	      "%d racing threads share one PS256 context", same);
	CHECK(!key->verify_tmpl[OIDC_ALG_RS256] && !key->verify_tmpl[OIDC_ALG_PS512],
	      "other algorithms still without a context");
	pthread_barrier_destroy(&go);
out:
	oidc_key_free(&key);
	json_decref(k);
}

static void test_pins_and_members(void)
{
	struct oidc_key *key = NULL;
	json_t *k = jwk_copy("rsa2048");
	char kid[OIDC_KID_MAX + 2];

	json_object_set_new(k, "alg", json_string("RS256"));
	CHECK_STATUS(import(k, &key), OIDC_OK, "RSA pinned to RS256");
	CHECK(key && key->alg == OIDC_ALG_RS256 && oidc_key_fits_alg(key, OIDC_ALG_RS256) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_RS384) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_PS256),
	      "pinned key fits its alg only (A3)");
	CHECK(key && !key->verify_tmpl[OIDC_ALG_RS256],
	      "no verification context prepared at import");
	CHECK(key && oidc_key_verify_ctx(key, OIDC_ALG_RS256) &&
		      key->verify_tmpl[OIDC_ALG_RS256] &&
		      oidc_key_verify_ctx(key, OIDC_ALG_RS256) ==
			      key->verify_tmpl[OIDC_ALG_RS256],
	      "the RS256 context is made on first use and kept");
	CHECK(key && !oidc_key_verify_ctx(key, OIDC_ALG_PS256) &&
		      !key->verify_tmpl[OIDC_ALG_PS256],
	      "none for an algorithm the pinned key does not fit");
	oidc_key_free(&key);
	json_decref(k);
	CHECK_STATUS(import_with("rsa2048", "alg", json_string("PS512")), OIDC_OK, "RSA + PS512");
	CHECK_STATUS(import_with("rsa2048", "alg", json_string("ES256")), OIDC_E_BAD_KEY,
		     "RSA + ES256 pin");
	CHECK_STATUS(import_with("rsa2048", "alg", json_string("HS256")), OIDC_E_BAD_KEY,
		     "RSA + HS256 pin");
	CHECK_STATUS(import_with("rsa2048", "alg", json_string("RSA-OAEP")), OIDC_E_BAD_KEY,
		     "RSA + RSA-OAEP (encryption) pin");
	CHECK_STATUS(import_with("rsa2048", "alg", json_string("none")), OIDC_E_BAD_KEY,
		     "alg none pin");
	CHECK_STATUS(import_with("rsa2048", "alg", json_string("rs256")), OIDC_E_BAD_KEY,
		     "lower-case pin");
	CHECK_STATUS(import_with("rsa2048", "alg", json_integer(1)), OIDC_E_BAD_KEY,
		     "numeric alg");
	CHECK_STATUS(import_with("ec256", "alg", json_string("ES384")), OIDC_E_BAD_KEY,
		     "P-256 key pinned ES384 (mismatchedAlgAndCurve)");
	CHECK_STATUS(import_with("ec256", "alg", json_string("ES256")), OIDC_OK, "P-256 + ES256");
	CHECK_STATUS(import_with("ec521", "alg", json_string("ES512")), OIDC_OK, "P-521 + ES512");
	CHECK_STATUS(import_with("ed25519", "alg", json_string("EdDSA")), OIDC_OK,
		     "Ed25519 + EdDSA");
	CHECK_STATUS(import_with("ed25519", "alg", json_string("ES256")), OIDC_E_BAD_KEY,
		     "Ed25519 + ES256");

	memset(kid, 'k', sizeof(kid));
	kid[OIDC_KID_MAX] = '\0';
	k = jwk_copy("ec256");
	json_object_set_new(k, "kid", json_string(kid));
	json_object_set_new(k, "issuer", json_string("https://login.example/{tenantid}/v2.0"));
	CHECK_STATUS(import(k, &key), OIDC_OK, "kid of %d bytes", OIDC_KID_MAX);
	CHECK(key && key->kid && strcmp(key->kid, kid) == 0, "kid kept");
	CHECK(key && key->issuer &&
		      strcmp(key->issuer, "https://login.example/{tenantid}/v2.0") == 0,
	      "Entra per-key issuer kept");
	oidc_key_free(&key);
	json_decref(k);
	kid[OIDC_KID_MAX] = 'k';
	kid[OIDC_KID_MAX + 1] = '\0';
	CHECK_STATUS(import_with("ec256", "kid", json_string(kid)), OIDC_E_BAD_KEY,
		     "kid of %d bytes (A7)", OIDC_KID_MAX + 1);
	CHECK_STATUS(import_with("ec256", "kid", json_integer(7)), OIDC_E_BAD_KEY, "numeric kid");
	CHECK_STATUS(import_with("ec256", "issuer", json_true()), OIDC_E_BAD_KEY,
		     "non-string issuer");
	CHECK_STATUS(import_with("ec256", "use", json_string("enc")), OIDC_OK,
		     "import ignores use (the key set decides)");
}

static void test_ec_okp(void)
{
	static const struct { const char *name; int nid; unsigned bits; enum oidc_alg alg; }
	curves[] = {
		{ "ec256", NID_X9_62_prime256v1, 256, OIDC_ALG_ES256 },
		{ "ec384", NID_secp384r1, 384, OIDC_ALG_ES384 },
		{ "ec521", NID_secp521r1, 521, OIDC_ALG_ES512 },
	};
	struct oidc_key *key = NULL;
	char name[32];

	for (size_t i = 0; i < 3; i++) {
		json_t *k = jwk_copy(curves[i].name);

		CHECK_STATUS(import(k, &key), OIDC_OK, "import %s", curves[i].name);
		CHECK(key && key->kty == OIDC_KTY_EC && key->curve_nid == curves[i].nid &&
			      key->bits == curves[i].bits,
		      "%s: curve and size", curves[i].name);
		for (int a = 0; key && a < OIDC_ALG_COUNT; a++)
			if (oidc_key_fits_alg(key, (enum oidc_alg)a) != (a == (int)curves[i].alg))
				CHECK(0, "%s fits exactly %s, not %s", curves[i].name,
				      oidc_alg_get(curves[i].alg)->name,
				      oidc_alg_get((enum oidc_alg)a)->name);
		oidc_key_free(&key);
		json_decref(k);
		snprintf(name, sizeof(name), "%s_offcurve", curves[i].name);
		CHECK_STATUS(import_with(name, "x-none", NULL), OIDC_E_BAD_KEY,
			     "%s point off the curve (B4)", curves[i].name);
	}
	CHECK_STATUS(import_with("ec256", "crv", json_string("P-384")), OIDC_E_BAD_KEY,
		     "P-256 coordinates under crv P-384 (wrong_curve)");
	CHECK_STATUS(import_with("ec384", "crv", json_string("P-256")), OIDC_E_BAD_KEY,
		     "P-384 coordinates under crv P-256");
	CHECK_STATUS(import_with("ec256", "crv", json_string("secp256k1")), OIDC_E_BAD_KEY,
		     "secp256k1 unsupported");
	CHECK_STATUS(import_with("ec256", "crv", NULL), OIDC_E_BAD_KEY, "missing crv");
	CHECK_STATUS(import_with("ec256", "y", NULL), OIDC_E_BAD_KEY, "missing y");
	CHECK_STATUS(import_with("ec256_short_x", "x-none", NULL), OIDC_E_BAD_KEY,
		     "31-byte x (B4)");
	CHECK_STATUS(import_with("ec256_long_x", "x-none", NULL), OIDC_E_BAD_KEY, "33-byte x");
	CHECK_STATUS(import_with("ec256_compressed", "x-none", NULL), OIDC_E_BAD_KEY,
		     "compressed point as x");

	json_t *k = jwk_copy("ed25519");
	CHECK_STATUS(import(k, &key), OIDC_OK, "import Ed25519");
	CHECK(key && key->kty == OIDC_KTY_OKP && key->curve_nid == NID_ED25519 &&
		      oidc_key_fits_alg(key, OIDC_ALG_EDDSA) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_ES256),
	      "Ed25519 fits EdDSA only");
	oidc_key_free(&key);
	json_decref(k);
	CHECK_STATUS(import_with("x25519", "x-none", NULL), OIDC_E_BAD_KEY,
		     "X25519 (key agreement) refused");
	CHECK_STATUS(import_with("ed448", "x-none", NULL), OIDC_E_BAD_KEY, "Ed448 unsupported");
	CHECK_STATUS(import_with("ed25519_short_x", "x-none", NULL), OIDC_E_BAD_KEY,
		     "31-byte Ed25519 x");
	CHECK_STATUS(import_with("ed25519", "crv", NULL), OIDC_E_BAD_KEY, "OKP without crv");
}

static void test_secret(void)
{
	unsigned char secret[OIDC_SECRET_MAX + 1];
	struct oidc_key *key = NULL;
	struct oidc_error err;
	char kid[OIDC_KID_MAX + 2];

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (unsigned char)(i * 7 + 1);
	CHECK_STATUS(oidc_key_from_secret(secret, 0, NULL, &key, &err), OIDC_E_CONFIG,
		     "empty secret (A5)");
	CHECK_STATUS(oidc_key_from_secret(secret, 31, NULL, &key, &err), OIDC_E_CONFIG,
		     "31-byte secret (RFC 7518 3.2)");
	CHECK(key == NULL, "no key on failure");
	CHECK_STATUS(oidc_key_from_secret(secret, 32, "h1", &key, &err), OIDC_OK, "32-byte secret");
	CHECK(key && key->kty == OIDC_KTY_OCT && key->bits == 256 && key->kid &&
		      strcmp(key->kid, "h1") == 0 && !key->pkey,
	      "HMAC key shape");
	CHECK(key && oidc_key_fits_alg(key, OIDC_ALG_HS256) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_HS384) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_HS512) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_RS256),
	      "32-byte secret fits HS256 only");
	oidc_key_free(&key);
	CHECK_STATUS(oidc_key_from_secret(secret, 48, NULL, &key, &err), OIDC_OK, "48 bytes");
	CHECK(key && oidc_key_fits_alg(key, OIDC_ALG_HS384) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_HS512),
	      "48-byte secret fits HS384, not HS512");
	oidc_key_free(&key);
	CHECK_STATUS(oidc_key_from_secret(secret, 64, NULL, &key, &err), OIDC_OK, "64 bytes");
	CHECK(key && oidc_key_fits_alg(key, OIDC_ALG_HS256) &&
		      oidc_key_fits_alg(key, OIDC_ALG_HS384) &&
		      oidc_key_fits_alg(key, OIDC_ALG_HS512),
	      "64-byte secret fits all HS*");
	oidc_key_free(&key);
	CHECK_STATUS(oidc_key_from_secret(secret, OIDC_SECRET_MAX, NULL, &key, &err), OIDC_OK,
		     "secret of OIDC_SECRET_MAX bytes");
	oidc_key_free(&key);
	CHECK_STATUS(oidc_key_from_secret(secret, OIDC_SECRET_MAX + 1, NULL, &key, &err),
		     OIDC_E_CONFIG, "secret over OIDC_SECRET_MAX");
	memset(kid, 'k', sizeof(kid) - 1);
	kid[sizeof(kid) - 1] = '\0';
	CHECK_STATUS(oidc_key_from_secret(secret, 32, kid, &key, &err), OIDC_E_CONFIG,
		     "overlong HMAC kid");
	oidc_key_free(NULL);
	CHECK(1, "oidc_key_free(NULL) is harmless");
	CHECK(strcmp(oidc_kty_name(OIDC_KTY_RSA), "RSA") == 0 &&
		      strcmp(oidc_kty_name(OIDC_KTY_EC), "EC") == 0 &&
		      strcmp(oidc_kty_name(OIDC_KTY_OKP), "OKP") == 0 &&
		      strcmp(oidc_kty_name(OIDC_KTY_OCT), "oct") == 0 &&
		      strcmp(oidc_kty_name((enum oidc_kty)99), "unknown") == 0,
	      "kty names (RFC 7518 6.1)");
}

/* A JWKS text from the generated keys NAMEs with kids, plus extra keys. */
static char *jwks_text(json_t *keys)
{
	json_t *doc = json_pack("{s:o}", "keys", keys);
	char *s = json_dumps(doc, JSON_COMPACT);

	json_decref(doc);
	return s;
}

static json_t *key_with(const char *name, const char *kid)
{
	json_t *k = jwk_copy(name);

	if (kid)
		json_object_set_new(k, "kid", json_string(kid));
	return k;
}

static enum oidc_status load_set(json_t *keys, struct oidc_keyset **ks)
{
	char *s = jwks_text(keys);
	enum oidc_status st;

	*ks = NULL;
	st = oidc_keyset_from_jwks(s, strlen(s), ks, NULL);
	free(s);
	return st;
}

static void test_keyset(void)
{
	struct oidc_keyset *ks = NULL;
	const char *kid, *kty, *alg;
	unsigned bits;
	json_t *keys, *k;

	keys = json_pack("[ooo]", key_with("rsa2048", "a"), key_with("ec256", "b"),
			 key_with("ed25519", "c"));
	CHECK_STATUS(load_set(keys, &ks), OIDC_OK, "JWKS of three keys");
	CHECK(oidc_keyset_count(ks) == 3 && oidc_keyset_skipped(ks) == 0, "3 usable, 0 skipped");
	CHECK(oidc_keyset_describe(ks, 0, &kid, &kty, &alg, &bits) == 0 && kid &&
		      strcmp(kid, "a") == 0 && strcmp(kty, "RSA") == 0 &&
		      strcmp(alg, "*") == 0 && bits == 2048,
	      "describe key 0");
	CHECK(oidc_keyset_describe(ks, 3, &kid, &kty, &alg, &bits) == -1, "describe out of range");
	oidc_keyset_free(&ks);
	CHECK(ks == NULL, "oidc_keyset_free sets NULL");

	/* F1: everything not for signature verification is skipped. */
	keys = json_pack("[ooo]", key_with("rsa2048", "a"), key_with("ec256", "b"),
			 key_with("ed25519", "c"));
	k = key_with("rsa3072", "enc");
	json_object_set_new(k, "use", json_string("enc"));
	json_array_append_new(keys, k);
	k = key_with("ec384", "ops");
	json_object_set_new(k, "key_ops", json_pack("[s]", "encrypt"));
	json_array_append_new(keys, k);
	k = key_with("ec384", "ops_str");
	json_object_set_new(k, "key_ops", json_string("verify"));
	json_array_append_new(keys, k);
	k = key_with("ec384", "use_num");
	json_object_set_new(k, "use", json_integer(1));
	json_array_append_new(keys, k);
	json_array_append_new(keys, json_pack("{s:s,s:s}", "kty", "foo", "kid", "foo"));
	k = key_with("rsa4096", "oaep");
	json_object_set_new(k, "alg", json_string("RSA-OAEP"));
	json_array_append_new(keys, k);
	json_array_append_new(keys, key_with("rsa1024", "weak"));
	json_array_append_new(keys, key_with("ec256_offcurve", "offcurve"));
	json_array_append_new(keys, key_with("rsa_roca", "roca"));
	json_array_append_new(keys, json_integer(5));
	k = key_with("ec521", "signverify");
	json_object_set_new(k, "key_ops", json_pack("[ss]", "sign", "verify"));
	json_object_set_new(k, "use", json_string("sig"));
	json_array_append_new(keys, k);
	CHECK_STATUS(load_set(keys, &ks), OIDC_OK, "JWKS with unusable keys");
	CHECK(oidc_keyset_count(ks) == 4 && oidc_keyset_skipped(ks) == 10,
	      "4 usable, 10 skipped (got %zu, %zu)", oidc_keyset_count(ks),
	      oidc_keyset_skipped(ks));
	oidc_keyset_free(&ks);

	/* F1/A2: key material that refuses the whole set, wherever it is. */
	keys = json_pack("[oo]", key_with("rsa2048", "a"), key_with("ec256", "b"));
	k = key_with("ec384", "c");
	json_object_set_new(k, "d", json_string("AQAB"));
	json_object_set_new(k, "use", json_string("enc"));
	json_array_append_new(keys, k);
	CHECK_STATUS(load_set(keys, &ks), OIDC_E_BAD_KEYSET,
		     "a private key anywhere refuses the set (MixedKeySet)");
	CHECK(ks == NULL, "no key set on failure");
	keys = json_pack("[o{s:s,s:s,s:s}o]", key_with("rsa2048", "a"), "kty", "oct", "k",
			 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "kid", "h",
			 key_with("ec256", "b"));
	CHECK_STATUS(load_set(keys, &ks), OIDC_E_BAD_KEYSET, "an oct key refuses the set");
	keys = json_pack("[oo]", key_with("rsa2048", "same"), key_with("ec256", "same"));
	CHECK_STATUS(load_set(keys, &ks), OIDC_E_BAD_KEYSET, "duplicate kid (A7)");
	keys = json_pack("[oo]", key_with("rsa2048", "same"), key_with("ec256", "same"));
	json_object_set_new(json_array_get(keys, 0), "use", json_string("enc"));
	CHECK_STATUS(load_set(keys, &ks), OIDC_OK, "same kid on a skipped encryption key");
	oidc_keyset_free(&ks);
	keys = json_pack("[oo]", key_with("rsa2048", NULL), key_with("ec256", NULL));
	CHECK_STATUS(load_set(keys, &ks), OIDC_OK, "keys without kid");
	oidc_keyset_free(&ks);
	keys = json_pack("[oo]", key_with("rsa1024", "a"), key_with("x25519", "b"));
	CHECK_STATUS(load_set(keys, &ks), OIDC_E_BAD_KEYSET, "no usable key");
	CHECK_STATUS(load_set(json_array(), &ks), OIDC_E_BAD_KEYSET, "empty keys array");

	static const char *const bad_docs[] = {
		"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":\"x\"}", "{\"keys\":[]} x",
		"{\"keys\":[],\"keys\":[]}", "not json",
	};
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(*bad_docs); i++)
		CHECK_STATUS(oidc_keyset_from_jwks(bad_docs[i], strlen(bad_docs[i]), &ks, NULL),
			     OIDC_E_BAD_KEYSET, "malformed JWKS %zu", i);

	/* A8: size bounds. */
	keys = json_array();
	for (int i = 0; i < OIDC_JWKS_KEYS_MAX; i++) {
		char kidbuf[16];
		snprintf(kidbuf, sizeof(kidbuf), "k%d", i);
		json_array_append_new(keys, key_with("ed25519", kidbuf));
	}
	CHECK_STATUS(load_set(json_deep_copy(keys), &ks), OIDC_OK, "%d keys", OIDC_JWKS_KEYS_MAX);
	CHECK(oidc_keyset_count(ks) == OIDC_JWKS_KEYS_MAX, "all %d usable", OIDC_JWKS_KEYS_MAX);
	oidc_keyset_free(&ks);
	json_array_append_new(keys, key_with("ed25519", "one-more"));
	CHECK_STATUS(load_set(keys, &ks), OIDC_E_BAD_KEYSET, "%d keys", OIDC_JWKS_KEYS_MAX + 1);

	char *big = malloc(OIDC_JWKS_MAX + 2);
	char *small = jwks_text(json_pack("[o]", key_with("ed25519", "a")));
	size_t sl = strlen(small);
	memset(big, ' ', OIDC_JWKS_MAX + 1);
	memcpy(big, small, sl);
	CHECK_STATUS(oidc_keyset_from_jwks(big, OIDC_JWKS_MAX, &ks, NULL), OIDC_OK,
		     "JWKS of exactly OIDC_JWKS_MAX bytes");
	oidc_keyset_free(&ks);
	CHECK_STATUS(oidc_keyset_from_jwks(big, OIDC_JWKS_MAX + 1, &ks, NULL),
		     OIDC_E_BAD_KEYSET, "JWKS over OIDC_JWKS_MAX");

	/* Files. */
	char path[] = "/tmp/oidc-test-jwks-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, small, sl) == (ssize_t)sl, "write JWKS file");
	CHECK_STATUS(oidc_keyset_load_file(path, &ks, NULL), OIDC_OK, "load JWKS file");
	CHECK(oidc_keyset_count(ks) == 1, "file key set has 1 key");
	oidc_keyset_free(&ks);
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 &&
		      write(fd, big, OIDC_JWKS_MAX + 1) == OIDC_JWKS_MAX + 1,
	      "write oversize JWKS file");
	CHECK_STATUS(oidc_keyset_load_file(path, &ks, NULL), OIDC_E_BAD_KEYSET,
		     "oversize JWKS file");
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 &&
		      write(fd, small, sl) == (ssize_t)sl,
	      "rewrite JWKS file");
	{
		/* read through the trusted reader: no symlink, nobody else's */
		char link[64];

		snprintf(link, sizeof(link), "%s.link", path);
		CHECK(symlink(path, link) == 0, "symlink to the JWKS file");
		CHECK_STATUS(oidc_keyset_load_file(link, &ks, NULL), OIDC_E_CONFIG,
			     "JWKS file through a symbolic link refused");
		unlink(link);
		CHECK(fchmod(fd, 0666) == 0, "JWKS file world-writable");
		CHECK_STATUS(oidc_keyset_load_file(path, &ks, NULL), OIDC_E_CONFIG,
			     "world-writable JWKS file refused");
	}
	close(fd);
	unlink(path);
	CHECK_STATUS(oidc_keyset_load_file(path, &ks, NULL), OIDC_E_CONFIG, "missing file");
	CHECK_STATUS(oidc_keyset_load_file("/tmp", &ks, NULL), OIDC_E_CONFIG, "directory");
	CHECK_STATUS(oidc_keyset_load_file("/dev/null", &ks, NULL), OIDC_E_CONFIG,
		     "character device");
	CHECK(mkfifo(path, 0600) == 0, "make FIFO");
	CHECK_STATUS(oidc_keyset_load_file(path, &ks, NULL), OIDC_E_CONFIG,
		     "FIFO refused without blocking");
	unlink(path);
	free(big);
	free(small);
	CHECK(oidc_keyset_count(NULL) == 0 && oidc_keyset_skipped(NULL) == 0 &&
		      oidc_keyset_describe(NULL, 0, NULL, NULL, NULL, NULL) == -1,
	      "NULL key set accessors");
	oidc_keyset_free(NULL);
}

static void test_find(void)
{
	struct oidc_keyset *ks = NULL;
	const struct oidc_key *key = NULL;
	struct oidc_key *hk = NULL;
	unsigned char secret[32] = { 1, 2, 3 };
	json_t *pinned = key_with("rsa3072", "p");
	struct oidc_error err;

	json_object_set_new(pinned, "alg", json_string("RS256"));
	CHECK_STATUS(load_set(json_pack("[ooo]", key_with("rsa2048", "a"), pinned,
					key_with("ec256", "b")), &ks),
		     OIDC_OK, "key set for lookups");
	if (!ks)
		return;
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_RS256, "a", &key, &err), OIDC_OK,
		     "find by kid");
	CHECK(key && key->kid && strcmp(key->kid, "a") == 0, "found key a");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_ES256, "a", &key, &err), OIDC_E_KEY_MISMATCH,
		     "kid of an RSA key with ES256 (A3)");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_HS256, "a", &key, &err), OIDC_E_KEY_MISMATCH,
		     "kid of an RSA key with HS256 (A2)");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_PS256, "p", &key, &err), OIDC_E_KEY_MISMATCH,
		     "pinned key with another alg");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_RS256, "zz", &key, &err), OIDC_E_UNKNOWN_KID,
		     "unknown kid");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_RS256, "", &key, &err), OIDC_E_UNKNOWN_KID,
		     "empty kid");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_RS256, NULL, &key, &err), OIDC_E_AMBIGUOUS_KEY,
		     "no kid, two RSA keys fit RS256");
	key = NULL;
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_RS384, NULL, &key, &err), OIDC_OK,
		     "no kid, one key fits RS384");
	CHECK(key && key->kid && strcmp(key->kid, "a") == 0, "the unpinned RSA key");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_EDDSA, NULL, &key, &err), OIDC_E_UNKNOWN_KID,
		     "no kid, no key fits");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_HS256, NULL, &key, &err), OIDC_E_UNKNOWN_KID,
		     "no HMAC key in a JWKS set");
	CHECK_STATUS(oidc_key_from_secret(secret, sizeof(secret), "a", &hk, &err), OIDC_OK,
		     "HMAC key");
	CHECK_STATUS(oidc_keyset_add(ks, hk, &err), OIDC_E_BAD_KEYSET,
		     "adding a second key with kid a");
	hk = NULL;
	CHECK_STATUS(oidc_key_from_secret(secret, sizeof(secret), NULL, &hk, &err), OIDC_OK,
		     "HMAC key without kid");
	CHECK_STATUS(oidc_keyset_add(ks, hk, &err), OIDC_OK, "add configured secret");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_HS256, NULL, &key, &err), OIDC_OK,
		     "no kid, the one HMAC key fits HS256");
	CHECK_STATUS(oidc_keyset_find(ks, OIDC_ALG_HS384, NULL, &key, &err), OIDC_E_UNKNOWN_KID,
		     "32-byte secret does not fit HS384");
	CHECK(oidc_keyset_count(ks) == 4, "4 keys after add");
	oidc_keyset_free(&ks);
}

int main(void)
{
	gen = run_generator("jwk");
	if (!CHECK(gen != NULL, "gen_keys.py jwk ran (python3-cryptography)"))
		return test_done();
	test_rsa();
	test_rsa_strict_b64();
	test_private_and_kty();
	test_pins_and_members();
	test_lazy_ctx_race();
	test_ec_okp();
	test_secret();
	test_keyset();
	test_find();
	json_decref(gen);
	return test_done();
}
