/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jws.c - libFuzzer harness for the JWS compact decoder and signature
 * check (checklist C1-C7, B1-B8): the input is a token.
 *
 * Each input goes through oidc_jws_parse(), then oidc_jws_check_signature()
 * with every key of a fixed key set that fits the parsed alg (and the key
 * oidc_keyset_find() picks), then the public oidc_jws_verify(). The key set
 * (RSA-2048, EC P-256, Ed25519 from constant public JWKs, and a 64-byte HMAC
 * secret) is built once; tests/fuzz/make_corpus.py signs seeds with the
 * private halves so mutations start from tokens that verify.
 *
 * Contract checks that abort (libFuzzer reports them as crashes): a failed
 * parse leaves the struct cleared; a parsed token has a known alg and its
 * segments lie inside the input; a failed public call fills err with the
 * same status and a printable detail; verify never accepts what parse
 * refuses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger than any configurable max_token_size, so only the core's own
 * limits cut the input short. */
#define FUZZ_TOKEN_MAX OIDC_TOKEN_MAX_LIMIT

static const char fuzz_jwks[] =
	"{\"keys\":["
	"{\"kty\":\"RSA\",\"kid\":\"fz-rsa\",\"use\":\"sig\",\"e\":\"AQAB\",\"n\":"
	"\"jotiOYsnd0ZraXK4vxFOVvkOEWLzbWLfGPIn8K36G1CP-RMlnG0slUrrIoknxzGMsU6zaqfI_"
	"jiFkAlohEYUQjqvInD0aIeM6TQmOogfcZ_Vz_UqQLDROf_iwT_oO1YWWlGcP1wtZ7y8bLg9gbwiK-"
	"dvy44nZK8Lsg6AhzHZAAAuHlTevk7Dkks0ZVWBNCZa4bb-STNgDMsrGxUrB_O-N9SPaSPVyy5gvCbDW"
	"8Uc-vhtSfo0DPgNhuWMgKkeAFOX46sXpQrXxF4fOFNrkswQGUnYqmIQN4DjDgtPHdhIUiDrWQmt0Xy"
	"SpsYyNLjaXMAtbOWhRwhCLSGKyNDgvZZTUw\"},"
	"{\"kty\":\"EC\",\"kid\":\"fz-ec\",\"use\":\"sig\",\"alg\":\"ES256\","
	"\"crv\":\"P-256\",\"x\":\"M_YJ1vp1minjxlYMDVhmUqW5AAtvTeQJQLQyC5jHPsk\","
	"\"y\":\"KhpxrXLnf8wwWkXA0OMRkKAn0OGGZnI5W2YDqOkxEFU\"},"
	"{\"kty\":\"OKP\",\"kid\":\"fz-ed\",\"crv\":\"Ed25519\","
	"\"x\":\"qQMsRzAVZF_i60ZOlT6ZX3XZG14P1I5slB6NeCfloIk\"}"
	"]}";

/* 64 bytes, so HS384 and HS512 are usable too (RFC 7518 3.2). */
static const char fuzz_hmac_secret[] =
	"oidc-auth fuzz harness HMAC secret: 64 bytes, for fuzzing only!!";

static struct oidc_keyset *fuzz_keys;

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_jws: %s\n", what);
	abort();
}

static void fuzz_keys_free(void)
{
	oidc_keyset_free(&fuzz_keys);
}

static const struct oidc_keyset *fuzz_keyset(void)
{
	struct oidc_key *hmac = NULL;
	struct oidc_error err;

	if (fuzz_keys)
		return fuzz_keys;
	if (oidc_keyset_from_jwks(fuzz_jwks, sizeof(fuzz_jwks) - 1, &fuzz_keys,
				  &err) != OIDC_OK) {
		fprintf(stderr, "fuzz_jws: key set: %s\n", err.detail);
		abort();
	}
	if (oidc_key_from_secret((const unsigned char *)fuzz_hmac_secret,
				 sizeof(fuzz_hmac_secret) - 1, "fz-hs", &hmac,
				 &err) != OIDC_OK)
		fuzz_die("HMAC key refused");
	if (oidc_keyset_add(fuzz_keys, hmac, &err) != OIDC_OK)
		fuzz_die("HMAC key not added");
	if (oidc_keyset_count(fuzz_keys) != 4)
		fuzz_die("key set is not the four fixed keys");
	atexit(fuzz_keys_free);
	return fuzz_keys;
}

/* A failed public call reports the same status and a printable detail. */
static void fuzz_check_error(enum oidc_status st, const struct oidc_error *err)
{
	size_t i;

	if (st == OIDC_OK)
		return;
	if (err->status != st)
		fuzz_die("err->status differs from the returned status");
	for (i = 0; i < sizeof(err->detail) && err->detail[i]; i++) {
		if (err->detail[i] < 0x20 || err->detail[i] > 0x7e)
			fuzz_die("err->detail is not printable ASCII");
	}
	if (i == sizeof(err->detail))
		fuzz_die("err->detail is not NUL-terminated");
}

static void fuzz_check_parsed(const struct oidc_jws *jws, const char *token,
			      size_t size)
{
	if (!oidc_alg_get(jws->alg))
		fuzz_die("parsed token with an unknown alg");
	if (jws->signing_input != token || jws->signing_input_len >= size)
		fuzz_die("signing input is not a prefix of the token");
	if (!oidc_jdoc_root(&jws->header))
		fuzz_die("header is not a JSON object");
	if (!jws->buf || (const unsigned char *)jws->header_json != jws->buf)
		fuzz_die("header is not in the JWS buffer");
	if (!jws->payload || jws->payload[jws->payload_len] != '\0')
		fuzz_die("payload is not NUL-terminated");
	if (jws->sig_len == 0 || !jws->sig)
		fuzz_die("empty signature accepted by the parser");
}

static void fuzz_signatures(const struct oidc_keyset *ks,
			    const struct oidc_jws *jws)
{
	const struct oidc_key *key = NULL;
	struct oidc_error err;

	/* Every key the alg fits, as a caller choosing keys itself would. */
	for (size_t i = 0; i < ks->count; i++) {
		if (oidc_key_fits_alg(ks->keys[i], jws->alg))
			(void)oidc_jws_check_signature(jws, ks->keys[i], &err);
	}
	if (oidc_keyset_find(ks, jws->alg, jws->kid, &key, &err) == OIDC_OK) {
		if (!key || !oidc_key_fits_alg(key, jws->alg))
			fuzz_die("oidc_keyset_find returned a key that does not fit");
		(void)oidc_jws_check_signature(jws, key, &err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct oidc_keyset *ks = fuzz_keyset();
	struct oidc_jws jws;
	struct oidc_error err;
	enum oidc_status parsed, verified;
	char *token = NULL;

	/* An exact-size copy: the replay runner's buffers have slack, this
	 * makes reads past the end visible to ASan there too. */
	token = malloc(size ? size : 1);
	if (!token)
		return 0;
	memcpy(token, data, size);

	/* Poison the struct: a failed parse must clear it (internal.h). */
	memset(&jws, 0xa5, sizeof(jws));
	parsed = oidc_jws_parse(token, size, FUZZ_TOKEN_MAX, &jws, &err);
	if (parsed == OIDC_OK) {
		fuzz_check_parsed(&jws, token, size);
		fuzz_signatures(ks, &jws);
	}
	oidc_jws_clear(&jws);
	oidc_jws_clear(&jws);

	verified = oidc_jws_verify(ks, OIDC_ALG_MASK_ALL, token, size,
				   FUZZ_TOKEN_MAX, &err);
	fuzz_check_error(verified, &err);
	if (verified == OIDC_OK && parsed != OIDC_OK)
		fuzz_die("oidc_jws_verify accepted a token oidc_jws_parse refuses");

	free(token);
	return 0;
}
