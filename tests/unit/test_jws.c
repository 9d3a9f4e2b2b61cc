/* SPDX-License-Identifier: MIT */
/*
 * test_jws.c - algorithms (common/alg.c) and JWS compact verification
 * (common/jws.c) against tokens made by tests/unit/gen_keys.py with
 * python3-cryptography and PyJWT, fresh on every run. One named case per
 * attack of ../shared/security-checklist.md sections A-C.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "internal.h"
#include "jansson_util.h"
#include "testutil.h"

static json_t *gen, *tokens;
static struct oidc_keyset *ks_all;   /* JWKS keys + HMAC secrets */
static struct oidc_keyset *ks_asym;  /* JWKS keys only */

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

static const char *tok(const char *name)
{
	const char *t = json_string_value(json_object_get(tokens, name));

	if (!t) {
		CHECK(0, "generator produced token %s", name);
		return "";
	}
	return t;
}

static enum oidc_status verify_in(const struct oidc_keyset *ks, uint32_t mask,
				  const char *name, size_t max_len)
{
	struct oidc_error err;
	const char *t = tok(name);

	return oidc_jws_verify(ks, mask, t, strlen(t), max_len, &err);
}

#define EXPECT(name, want)                                                     \
	CHECK_STATUS(verify_in(ks_all, OIDC_ALG_MASK_ALL, name,               \
			       OIDC_TOKEN_MAX_DEFAULT),                       \
		     want, "%s", name)

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex_decode(const char *hex, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = hex ? strlen(hex) / 2 : 0;

	if (!hex || n > cap || strlen(hex) % 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n;
	return true;
}

static bool setup_keysets(void)
{
	static const char *const hs[] = { "256", "384", "512" };
	char *jwks = json_dumps(json_object_get(gen, "jwks"), JSON_COMPACT);
	struct oidc_error err;
	bool ok;

	ok = jwks && oidc_keyset_from_jwks(jwks, strlen(jwks), &ks_all, &err) == OIDC_OK &&
	     oidc_keyset_from_jwks(jwks, strlen(jwks), &ks_asym, &err) == OIDC_OK;
	free(jwks);
	/* HMAC secrets come from configuration, as config.c would add them. */
	for (size_t i = 0; ok && i < 3; i++) {
		unsigned char secret[64];
		size_t len = 0;
		char kid[8];
		struct oidc_key *key = NULL;

		snprintf(kid, sizeof(kid), "hs%s", hs[i]);
		ok = hex_decode(json_string_value(json_object_get(
					json_object_get(gen, "hs_secrets"), hs[i])),
				secret, sizeof(secret), &len) &&
		     oidc_key_from_secret(secret, len, kid, &key, &err) == OIDC_OK &&
		     oidc_keyset_add(ks_all, key, &err) == OIDC_OK;
	}
	return ok;
}

static void test_alg(void)
{
	uint32_t mask = 0;
	struct oidc_error err;

	for (int a = 0; a < OIDC_ALG_COUNT; a++) {
		const struct oidc_alg_info *ai = oidc_alg_get((enum oidc_alg)a);
		CHECK(ai && oidc_alg_from_name(ai->name, strlen(ai->name)) == (enum oidc_alg)a,
		      "alg %d round-trips by name", a);
	}
	CHECK(oidc_alg_get(OIDC_ALG_UNKNOWN) == NULL && oidc_alg_get(OIDC_ALG_COUNT) == NULL,
	      "no table entry outside the enum");
	/* RFC 7518 3.4: fixed R||S lengths; 3.2: full HMAC tags. */
	CHECK(oidc_alg_get(OIDC_ALG_ES256)->sig_len == 64 &&
		      oidc_alg_get(OIDC_ALG_ES384)->sig_len == 96 &&
		      oidc_alg_get(OIDC_ALG_ES512)->sig_len == 132 &&
		      oidc_alg_get(OIDC_ALG_EDDSA)->sig_len == 64 &&
		      oidc_alg_get(OIDC_ALG_HS384)->sig_len == 48 &&
		      oidc_alg_get(OIDC_ALG_RS256)->sig_len == 0,
	      "signature lengths per RFC 7518 / RFC 8032");
	static const char *const not_algs[] = { "none", "None", "NONE", "nOnE", "rs256",
						"RS256 ", "RS2566", "", "ES256K", "Ed25519",
						"HS1", "RSA-OAEP" };
	for (size_t i = 0; i < sizeof(not_algs) / sizeof(*not_algs); i++)
		CHECK(oidc_alg_from_name(not_algs[i], strlen(not_algs[i])) == OIDC_ALG_UNKNOWN,
		      "\"%s\" is not an algorithm (A1)", not_algs[i]);
	CHECK(oidc_alg_from_name("RS256", 4) == OIDC_ALG_UNKNOWN, "prefix is not a match");
	CHECK(oidc_alg_from_name("RS256XYZ", 5) == OIDC_ALG_RS256, "length-bounded lookup");
	CHECK(oidc_alg_from_name(NULL, 0) == OIDC_ALG_UNKNOWN, "NULL name");

	CHECK_STATUS(oidc_alg_list_parse("RS256", &mask, &err), OIDC_OK, "list RS256");
	CHECK(mask == OIDC_ALG_BIT(OIDC_ALG_RS256), "mask of RS256");
	CHECK_STATUS(oidc_alg_list_parse(" RS256, ES256 EdDSA,,HS512 ", &mask, &err), OIDC_OK,
		     "comma and space list");
	CHECK(mask == (OIDC_ALG_BIT(OIDC_ALG_RS256) | OIDC_ALG_BIT(OIDC_ALG_ES256) |
		       OIDC_ALG_BIT(OIDC_ALG_EDDSA) | OIDC_ALG_BIT(OIDC_ALG_HS512)),
	      "mask of four algorithms");
	mask = 12345;
	static const char *const bad_lists[] = { "RS256,none", "None", "NONE", "rs256",
						 "RS256 XX256", "", " , ", "RSA-OAEP" };
	for (size_t i = 0; i < sizeof(bad_lists) / sizeof(*bad_lists); i++)
		CHECK_STATUS(oidc_alg_list_parse(bad_lists[i], &mask, &err), OIDC_E_CONFIG,
			     "algorithm list \"%s\" refused", bad_lists[i]);
	CHECK_STATUS(oidc_alg_list_parse(NULL, &mask, &err), OIDC_E_CONFIG, "NULL list");
	CHECK(mask == 12345, "mask untouched on failure");
}

static void test_valid(void)
{
	static const char *const valid[] = {
		"valid_RS256", "valid_RS384", "valid_RS512", "valid_PS256", "valid_PS384",
		"valid_PS512", "valid_ES256", "valid_ES384", "valid_ES512", "valid_EdDSA",
		"valid_HS256", "valid_HS384", "valid_HS512", "pyjwt_RS256", "pyjwt_PS384",
		"pyjwt_ES256", "pyjwt_ES512", "pyjwt_EdDSA", "pyjwt_HS256",
	};

	for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++)
		EXPECT(valid[i], OIDC_OK);
	EXPECT("empty_payload", OIDC_OK);
	EXPECT("big_payload", OIDC_OK);
	CHECK_STATUS(verify_in(ks_all, OIDC_ALG_MASK_ALL, "big_payload", 4096),
		     OIDC_E_TOO_LARGE, "big_payload over max_len 4096 (C3)");
	EXPECT("pinned_rs256", OIDC_OK);
	EXPECT("no_kid_rs384", OIDC_OK);
	EXPECT("no_kid_eddsa", OIDC_OK);
	EXPECT("header_ws", OIDC_OK);
	EXPECT("b64_true", OIDC_OK);
	EXPECT("cty_text", OIDC_OK);
	/* B3: (r, n - s) is a valid ECDSA signature too. */
	EXPECT("es256_high_s", OIDC_OK);
}

static void test_signature_failures(void)
{
	static const char *const bad[] = {
		"tampered_payload", "tampered_sig", "rs256_sig_255", "rs256_as_rs384",
		"es256_der", "es256_63", "es256_65", "es256_65_lead0", "es256_zero",
		"es256_r_s_n", "es256_swapped", "eddsa_s_plus_l", "eddsa_63",
		"ps256_salt0", "ps256_salt20", "ps256_salt_max", "ps256_mgf_sha1",
		"ps256_as_rs256", "hs256_truncated", "hs256_wrong_secret", "embedded_jwk",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		EXPECT(bad[i], OIDC_E_BAD_SIGNATURE);
	CHECK(ERR_peek_error() == 0, "OpenSSL error queue left clean");
}

static void test_alg_and_keys(void)
{
	static const char *const none[] = { "none_none", "none_None", "none_NONE", "none_nOnE",
					    "none_with_sig", "alg_lowercase", "alg_rsa_oaep" };

	for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++)
		EXPECT(none[i], OIDC_E_ALG_NOT_ALLOWED);
	EXPECT("none_no_dot", OIDC_E_MALFORMED);
	EXPECT("alg_missing", OIDC_E_MALFORMED);
	EXPECT("alg_number", OIDC_E_MALFORMED);
	EXPECT("dup_alg", OIDC_E_MALFORMED);
	CHECK_STATUS(verify_in(ks_all, OIDC_ALG_BIT(OIDC_ALG_ES256), "valid_RS256",
			       OIDC_TOKEN_MAX_DEFAULT),
		     OIDC_E_ALG_NOT_ALLOWED, "RS256 outside the allow-list (A1)");
	CHECK_STATUS(verify_in(ks_all, OIDC_ALG_MASK_ASYM, "valid_HS256", OIDC_TOKEN_MAX_DEFAULT),
		     OIDC_E_ALG_NOT_ALLOWED, "HS256 outside an asymmetric allow-list");
	/* A2: HS256 with the public key as secret never meets an HMAC key. */
	CHECK_STATUS(verify_in(ks_asym, OIDC_ALG_MASK_ALL, "confusion_rsa_pem",
			       OIDC_TOKEN_MAX_DEFAULT),
		     OIDC_E_KEY_MISMATCH, "HS256 keyed with the RSA PEM, kid of the RSA key");
	CHECK_STATUS(verify_in(ks_asym, OIDC_ALG_MASK_ALL, "confusion_ec_pem",
			       OIDC_TOKEN_MAX_DEFAULT),
		     OIDC_E_KEY_MISMATCH, "HS256 keyed with the EC PEM");
	CHECK_STATUS(verify_in(ks_asym, OIDC_ALG_MASK_ALL, "confusion_rsa_pem_nokid",
			       OIDC_TOKEN_MAX_DEFAULT),
		     OIDC_E_UNKNOWN_KID, "HS256 keyed with the RSA PEM, no kid");
	CHECK_STATUS(verify_in(ks_asym, OIDC_ALG_MASK_ALL, "confusion_ec_pem_nokid",
			       OIDC_TOKEN_MAX_DEFAULT),
		     OIDC_E_UNKNOWN_KID, "HS256 keyed with the EC PEM, no kid");
	EXPECT("confusion_rsa_pem", OIDC_E_KEY_MISMATCH);
	/* A3 */
	EXPECT("pinned_ps256", OIDC_E_KEY_MISMATCH);
	EXPECT("es256_on_p384_kid", OIDC_E_KEY_MISMATCH);
	/* A7 */
	EXPECT("unknown_kid", OIDC_E_UNKNOWN_KID);
	EXPECT("kid_256", OIDC_E_UNKNOWN_KID);
	EXPECT("kid_traversal", OIDC_E_UNKNOWN_KID);
	EXPECT("kid_sqli", OIDC_E_UNKNOWN_KID);
	EXPECT("kid_257", OIDC_E_MALFORMED);
	EXPECT("kid_number", OIDC_E_MALFORMED);
	EXPECT("kid_20k", OIDC_E_TOO_LARGE);
	CHECK_STATUS(verify_in(ks_all, OIDC_ALG_MASK_ALL, "kid_20k", OIDC_TOKEN_MAX_LIMIT),
		     OIDC_E_MALFORMED, "20 KB kid within max_len: header cap (C3)");
	EXPECT("no_kid_rs256", OIDC_E_AMBIGUOUS_KEY);
	/* A6: jwk/jku/x5u/x5c are never used. */
	EXPECT("jku_x5u_x5c_ignored", OIDC_OK);
	EXPECT("embedded_jwk_nokid", OIDC_E_AMBIGUOUS_KEY);
}

static void test_header_rules(void)
{
	static const char *const unsupported[] = { "crit", "crit_b64", "b64_false", "zip",
						   "cty_JWT", "cty_jwt", "cty_app_jwt" };

	for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported); i++)
		EXPECT(unsupported[i], OIDC_E_UNSUPPORTED_HEADER);
	EXPECT("cty_number", OIDC_E_MALFORMED);
	EXPECT("typ_number", OIDC_E_MALFORMED);
	static const char *const encoding[] = { "sig_trailing_bits", "sig_padding", "sig_plus",
						"sig_space", "header_len_mod4_1" };
	for (size_t i = 0; i < sizeof(encoding) / sizeof(*encoding); i++)
		EXPECT(encoding[i], OIDC_E_MALFORMED);
}

static enum oidc_status verify_str(const char *t, size_t max_len)
{
	return oidc_jws_verify(ks_all, OIDC_ALG_MASK_ALL, t, strlen(t), max_len, NULL);
}

/* C2, C3: structure, built from a valid token. */
static void test_structure(void)
{
	const char *good = tok("valid_HS256");
	size_t gl = strlen(good);
	char *buf = malloc(gl + 64);
	char *dots = malloc(20001);
	const char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.');

	snprintf(buf, gl + 64, "%s.", good);
	CHECK_STATUS(verify_str(buf, 16384), OIDC_E_MALFORMED, "trailing dot");
	snprintf(buf, gl + 64, "%s.eA.eA", good);
	CHECK_STATUS(verify_str(buf, 16384), OIDC_E_MALFORMED, "five segments (JWE shape)");
	snprintf(buf, gl + 64, "%.*s", (int)(dot2 - good), good);
	CHECK_STATUS(verify_str(buf, 16384), OIDC_E_MALFORMED, "two segments");
	snprintf(buf, gl + 64, "%s", dot1);
	CHECK_STATUS(verify_str(buf, 16384), OIDC_E_MALFORMED, "empty header segment");
	snprintf(buf, gl + 64, "%.*s.", (int)(dot2 - good), good);
	CHECK_STATUS(verify_str(buf, 16384), OIDC_E_MALFORMED, "empty signature (A4)");
	CHECK_STATUS(verify_str("", 16384), OIDC_E_MALFORMED, "empty token");
	CHECK_STATUS(verify_str("..", 16384), OIDC_E_MALFORMED, "two dots only");
	CHECK_STATUS(verify_str("{\"payload\":\"e30\",\"signatures\":[]}", 16384),
		     OIDC_E_MALFORMED, "JSON serialization (C2)");
	memset(dots, '.', 20000);
	dots[20000] = '\0';
	CHECK_STATUS(verify_str(dots, OIDC_TOKEN_MAX_LIMIT), OIDC_E_MALFORMED, "20000 dots");
	CHECK_STATUS(verify_str(dots, 16384), OIDC_E_TOO_LARGE, "size checked first (C3)");
	char *mib = malloc(1048577);
	memset(mib, '.', 1048576);
	mib[1048576] = '\0';
	CHECK_STATUS(verify_str(mib, (size_t)-1), OIDC_E_TOO_LARGE, "1 MiB of dots (C3)");
	free(mib);
	CHECK_STATUS(verify_str(good, gl - 1), OIDC_E_TOO_LARGE, "one byte over max_len");
	CHECK_STATUS(verify_str(good, gl), OIDC_OK, "exactly max_len");
	CHECK_STATUS(oidc_jws_verify(ks_all, OIDC_ALG_MASK_ALL, good, OIDC_TOKEN_MAX_LIMIT + 1,
				     (size_t)-1, NULL),
		     OIDC_E_TOO_LARGE, "hard limit OIDC_TOKEN_MAX_LIMIT");
	CHECK_STATUS(oidc_jws_verify(ks_all, OIDC_ALG_MASK_ALL, NULL, 0, 16384, NULL),
		     OIDC_E_MALFORMED, "NULL token");
	CHECK_STATUS(oidc_jws_verify(NULL, OIDC_ALG_MASK_ALL, good, gl, 16384, NULL),
		     OIDC_E_INTERNAL, "NULL key set");
	/* Headers that are base64url but not a JSON object. */
	static const char *const headers[] = {
		"WyJhbGciXQ",                   /* ["alg"] */
		"bm90IGpzb24",                  /* not json */
		"eyJhbGciOiJIUzI1NiJ9IA",       /* {"alg":"HS256"}<space>: parses */
		"eyJhbGciOiJIUzI1NiJ9eA",       /* {"alg":"HS256"}x */
		"eyJhbGciOiJIUzI1Nlx1MDAwMCJ9", /* {"alg":"HS256\u0000"} */
		"77u_eyJhbGciOiJIUzI1NiJ9",     /* BOM + header */
	};
	static const enum oidc_status want[] = { OIDC_E_MALFORMED, OIDC_E_MALFORMED,
						 OIDC_E_AMBIGUOUS_KEY, OIDC_E_MALFORMED,
						 OIDC_E_MALFORMED, OIDC_E_MALFORMED };
	for (size_t i = 0; i < sizeof(headers) / sizeof(*headers); i++) {
		snprintf(buf, gl + 64, "%s%s", headers[i], dot1);
		CHECK_STATUS(verify_str(buf, 16384), want[i], "header %zu (C4)", i);
	}
	free(buf);
	free(dots);
}

static void test_parse_fields(void)
{
	const char *t = tok("valid_RS256");
	struct oidc_jws jws;
	struct oidc_error err;
	json_t *claims = NULL;
	const struct oidc_key *key = NULL;

	CHECK_STATUS(oidc_jws_parse(t, strlen(t), 16384, &jws, &err), OIDC_OK, "parse RS256");
	CHECK(jws.alg == OIDC_ALG_RS256 && jws.kid && strcmp(jws.kid, "rsa1") == 0 &&
		      jws.typ && strcmp(jws.typ, "at+jwt") == 0,
	      "alg, kid, typ");
	CHECK(jws.signing_input == t && jws.signing_input_len == (size_t)(strrchr(t, '.') - t),
	      "signing input is the received header.payload");
	CHECK(jws.sig_len == 256 && jws.payload && jws.payload[jws.payload_len] == '\0',
	      "256-byte signature, NUL-terminated payload");
	CHECK_STATUS(tj_parse_object(jws.payload, jws.payload_len, &claims, &err),
		     OIDC_OK, "payload is the JSON claim set");
	CHECK(claims && json_equal(claims, json_object_get(gen, "payload")),
	      "payload equals what the generator signed");
	json_decref(claims);
	CHECK_STATUS(oidc_keyset_find(ks_all, OIDC_ALG_ES256, "ec256", &key, &err), OIDC_OK,
		     "find the P-256 key");
	CHECK_STATUS(oidc_jws_check_signature(&jws, key, &err), OIDC_E_KEY_MISMATCH,
		     "check_signature refuses a key that does not fit");
	oidc_jws_clear(&jws);
	CHECK(oidc_jdoc_root(&jws.header) == NULL && jws.header.nodes == NULL &&
		      jws.buf == NULL && jws.payload == NULL && jws.sig == NULL &&
		      jws.alg == OIDC_ALG_UNKNOWN,
	      "oidc_jws_clear empties the struct");
	oidc_jws_clear(&jws);
	memset(&jws, 0x5a, sizeof(jws));
	t = tok("crit");
	CHECK_STATUS(oidc_jws_parse(t, strlen(t), 16384, &jws, &err), OIDC_E_UNSUPPORTED_HEADER,
		     "parse crit");
	CHECK(oidc_jdoc_root(&jws.header) == NULL && jws.header.nodes == NULL &&
		      jws.buf == NULL && jws.payload == NULL && jws.sig == NULL,
	      "struct cleared on failure");
	CHECK(err.status == OIDC_E_UNSUPPORTED_HEADER && err.detail[0], "error detail filled");
	t = tok("valid_EdDSA");
	CHECK_STATUS(oidc_jws_verify(ks_all, OIDC_ALG_MASK_ALL, t, strlen(t), 16384, &err),
		     OIDC_OK, "verify EdDSA with an error struct");
	CHECK(err.status == OIDC_OK && err.detail[0] == '\0', "error struct reset on success");
}

struct thread_arg {
	int mismatches;
};

static void *verify_thread(void *p)
{
	static const char *const names[] = { "valid_RS256", "valid_PS256", "valid_ES256",
					     "valid_EdDSA", "valid_HS256", "valid_HS512",
					     "tampered_sig", "hs256_wrong_secret" };
	struct thread_arg *arg = p;

	for (int round = 0; round < 60; round++)
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
			const char *t = json_string_value(json_object_get(tokens, names[i]));
			enum oidc_status st = t ? oidc_jws_verify(ks_all, OIDC_ALG_MASK_ALL, t,
								  strlen(t), 16384, NULL) :
						  OIDC_E_INTERNAL;
			if (st != (i < 6 ? OIDC_OK : OIDC_E_BAD_SIGNATURE))
				arg->mismatches++;
		}
	return NULL;
}

/* The key set is shared read-only between threads (slapd workers). */
static void test_threads(void)
{
	pthread_t th[4];
	struct thread_arg args[4] = { { 0 } };
	int started = 0, bad = 0;

	for (int i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, verify_thread, &args[i]) == 0)
			started++;
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		bad += args[i].mismatches;
	}
	CHECK(started == 4 && bad == 0, "4 threads share one key set (%d wrong results)", bad);
}

int main(void)
{
	gen = run_generator("jws");
	if (!CHECK(gen != NULL, "gen_keys.py jws ran (python3-cryptography, python3-jwt)"))
		return test_done();
	tokens = json_object_get(gen, "tokens");
	if (!CHECK(setup_keysets(), "key sets from the generated JWKS and secrets"))
		return test_done();
	test_alg();
	test_valid();
	test_signature_failures();
	test_alg_and_keys();
	test_header_rules();
	test_structure();
	test_parse_fields();
	test_threads();
	oidc_keyset_free(&ks_all);
	oidc_keyset_free(&ks_asym);
	json_decref(gen);
	return test_done();
}
