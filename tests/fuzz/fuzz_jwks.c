/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jwks.c - libFuzzer harness for JWKS import (checklist F1, A2-A6,
 * C4-C5): the input is a JWKS document.
 *
 * oidc_keyset_from_jwks() parses it; every usable key is then described
 * (public accessor) and asked oidc_key_fits_alg() for every algorithm, which
 * touches each imported EVP_PKEY. Aborts on contract breaks: a failed call
 * must report its status in err with a printable detail and leave *ks_out
 * alone; an accepted set holds 1..OIDC_JWKS_KEYS_MAX keys of known types.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_jwks: %s\n", what);
	abort();
}

static void fuzz_check_error(enum oidc_status st, const struct oidc_error *err)
{
	size_t i;

	if (err->status != st)
		fuzz_die("err->status differs from the returned status");
	for (i = 0; i < sizeof(err->detail) && err->detail[i]; i++) {
		if (err->detail[i] < 0x20 || err->detail[i] > 0x7e)
			fuzz_die("err->detail is not printable ASCII");
	}
	if (i == sizeof(err->detail))
		fuzz_die("err->detail is not NUL-terminated");
}

static void fuzz_describe(const struct oidc_keyset *ks)
{
	size_t n = oidc_keyset_count(ks);
	volatile size_t sink = 0;

	if (n == 0 || n > OIDC_JWKS_KEYS_MAX || n != ks->count)
		fuzz_die("accepted key set has a bad key count");
	for (size_t i = 0; i < n; i++) {
		const char *kid = NULL, *kty = NULL, *alg = NULL;
		unsigned bits = 0;

		if (oidc_keyset_describe(ks, i, &kid, &kty, &alg, &bits) != 0)
			fuzz_die("oidc_keyset_describe failed for an index < count");
		if (!kty || !alg)
			fuzz_die("describe gave a NULL kty or alg");
		/* strlen lets ASan check each string is inside live memory. */
		sink += strlen(kty) + strlen(alg) + (kid ? strlen(kid) : 0);
		if (kid && strlen(kid) > OIDC_KID_MAX)
			fuzz_die("kid longer than OIDC_KID_MAX");
		if (!ks->keys[i] || !oidc_kty_name(ks->keys[i]->kty))
			fuzz_die("key of an unknown kty");
		if (ks->keys[i]->kty == OIDC_KTY_OCT)
			fuzz_die("a JWKS produced an HMAC key");
		for (int a = 0; a < OIDC_ALG_COUNT; a++)
			sink += oidc_key_fits_alg(ks->keys[i], (enum oidc_alg)a);
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_keyset *ks = NULL;
	struct oidc_error err;
	enum oidc_status st;
	char *json = NULL;

	/* Exact-size copy so over-reads show under ASan in replay too. */
	json = malloc(size ? size : 1);
	if (!json)
		return 0;
	memcpy(json, data, size);

	st = oidc_keyset_from_jwks(json, size, &ks, &err);
	if (st == OIDC_OK) {
		if (!ks)
			fuzz_die("OIDC_OK without a key set");
		fuzz_describe(ks);
	} else {
		fuzz_check_error(st, &err);
		if (ks)
			fuzz_die("*ks_out written on failure");
	}
	oidc_keyset_free(&ks);
	if (ks)
		fuzz_die("oidc_keyset_free did not clear the pointer");
	free(json);
	return 0;
}
