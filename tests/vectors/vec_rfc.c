/* SPDX-License-Identifier: MIT */
/*
 * vec_rfc.c - the RFC examples in tests/vectors/data through the JWS layer:
 * RFC 7515 appendix A (A.1-A.4 verify, A.5 alg none refused), RFC 7520
 * section 4 (4.1-4.4 compact tokens verify; 4.5 detached content, 4.6-4.8
 * JSON serializations are not compact tokens and are refused, see
 * tests/vectors/DEVIATIONS.md), the RFC 8037 Ed25519 example, and RFC 7797
 * b64:false tokens (refused: crit is never understood).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jansson_util.h"
#include "testutil.h"
#include "vectors.h"

static json_t *load(const char *rel)
{
	char path[1024];
	json_error_t jerr;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), rel);
	doc = json_load_file(path, 0, &jerr);
	if (!CHECK(doc != NULL, "load %s", rel))
		printf("# %s\n", jerr.text);
	return doc;
}

/* The harness's own base64url (not common/b64url.c). */
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

static unsigned char *unb64url(const char *s, size_t *len)
{
	size_t n = s ? strlen(s) : 0, o = 0;
	unsigned char *out = malloc(n * 3 / 4 + 1);
	unsigned acc = 0;
	int bits = 0;

	for (size_t i = 0; out && i < n; i++) {
		const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *p = strchr(a, s[i]);
		if (!p || !s[i])
			continue;
		acc = acc << 6 | (unsigned)(p - a);
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

/*
 * A key set holding the public part of jwk, as a verifier would load it:
 * an HMAC secret (kty oct) through oidc_key_from_secret, anything else
 * through oidc_keyset_from_jwks. NULL on failure.
 */
static struct oidc_keyset *keyset_for(const json_t *jwk)
{
	static const char *const priv[] = { "d", "p", "q", "dp", "dq", "qi" };
	struct oidc_keyset *ks = NULL;
	const char *kty = tj_str(jwk, "kty");

	if (kty && strcmp(kty, "oct") == 0) {
		size_t len = 0;
		unsigned char *k = unb64url(tj_str(jwk, "k"), &len);
		struct oidc_key *key = NULL;

		if (oidc_keyset_new(&ks) != OIDC_OK ||
		    oidc_key_from_secret(k, len, tj_str(jwk, "kid"), &key, NULL) !=
			    OIDC_OK ||
		    oidc_keyset_add(ks, key, NULL) != OIDC_OK)
			oidc_keyset_free(&ks);
		free(k);
		return ks;
	}
	json_t *pub = json_deep_copy(jwk);
	for (size_t i = 0; i < sizeof(priv) / sizeof(*priv); i++)
		json_object_del(pub, priv[i]);
	json_t *doc = json_pack("{s:[o]}", "keys", pub);
	char *text = json_dumps(doc, JSON_COMPACT);
	if (!text || oidc_keyset_from_jwks(text, strlen(text), &ks, NULL) != OIDC_OK)
		ks = NULL;
	free(text);
	json_decref(doc);
	return ks;
}

static enum oidc_status verify(const struct oidc_keyset *ks, const char *token)
{
	struct oidc_error err;

	if (!ks || !token)
		return OIDC_E_INTERNAL;
	return oidc_jws_verify(ks, OIDC_ALG_MASK_ALL, token, strlen(token),
			       OIDC_TOKEN_MAX_DEFAULT, &err);
}

/* header_b64 "." payload_b64 "." sig_b64, malloc'd. */
static char *compact(const char *h, const char *p, const char *s)
{
	size_t n = strlen(h) + strlen(p) + strlen(s) + 3;
	char *t = malloc(n);

	if (t)
		snprintf(t, n, "%s.%s.%s", h, p, s);
	return t;
}

static void rfc7515(void)
{
	json_t *doc = load("rfc7515/appendix_a.json"), *t;
	struct oidc_keyset *all = NULL;
	size_t i;

	if (!doc)
		return;
	CHECK(oidc_keyset_new(&all) == OIDC_OK, "key set for A.5");
	json_array_foreach(json_object_get(doc, "tests"), i, t) {
		const char *id = tj_str(t, "id");
		const char *tok = tj_str(t, "compact");
		const char *expect = tj_str(t, "expect");
		const json_t *jwk = json_object_get(t, "jwk");
		struct oidc_keyset *ks = jwk ? keyset_for(jwk) : NULL;

		if (expect && strcmp(expect, "valid-signature") == 0) {
			CHECK(ks != NULL, "RFC 7515 %s key loads", id);
			CHECK_STATUS(verify(ks, tok), OIDC_OK, "RFC 7515 %s %s verifies", id,
				     tj_str(t, "alg"));
			/* Gather every key for the unsecured example. */
			if (ks && ks->count == 1) {
				struct oidc_key *k = ks->keys[0];
				ks->count = 0;
				oidc_keyset_add(all, k, NULL);
			}
		} else {
			CHECK_STATUS(verify(all, tok), OIDC_E_ALG_NOT_ALLOWED,
				     "RFC 7515 %s alg none refused with %zu keys (A1)", id,
				     all ? all->count : 0);
		}
		oidc_keyset_free(&ks);
	}
	CHECK(all && all->count == 4, "RFC 7515 A.1-A.4 keys gathered");
	oidc_keyset_free(&all);
	json_decref(doc);
}

/* RFC 7520 4.1-4.4 (and the RFC 8037 example): compact tokens verify. */
static void cookbook_compact(const char *rel, const char *name)
{
	json_t *doc = load(rel);
	const json_t *sig;
	struct oidc_keyset *ks;
	const char *tok, *si;
	char *json;

	if (!doc)
		return;
	ks = keyset_for(json_object_get(json_object_get(doc, "input"), "key"));
	tok = tj_str(json_object_get(doc, "output"), "compact");
	sig = json_object_get(doc, "signing");
	si = tj_str(sig, "sig-input");
	CHECK(ks != NULL, "%s public key loads", name);
	CHECK(tok && si && strncmp(tok, si, strlen(si)) == 0 && tok[strlen(si)] == '.',
	      "%s signing input is the compact prefix", name);
	CHECK_STATUS(verify(ks, tok), OIDC_OK, "%s compact verifies", name);
	/* The same signature as JSON serialization is not a compact token. */
	json = json_dumps(json_object_get(json_object_get(doc, "output"), "json"), JSON_COMPACT);
	CHECK_STATUS(verify(ks, json), OIDC_E_MALFORMED, "%s JSON serialization refused (C2)",
		     name);
	free(json);
	oidc_keyset_free(&ks);
	json_decref(doc);
}

/* RFC 7520 4.5: a detached payload is not re-attached by the core. */
static void cookbook_detached(void)
{
	json_t *doc = load("rfc7520/jws/4_5.signature_with_detached_content.json");
	const char *tok, *payload, *dot1, *dot2;
	struct oidc_keyset *ks;
	char *p64, *h, *full;

	if (!doc)
		return;
	ks = keyset_for(json_object_get(json_object_get(doc, "input"), "key"));
	tok = tj_str(json_object_get(doc, "output"), "compact");
	payload = tj_str(json_object_get(doc, "input"), "payload");
	dot1 = tok ? strchr(tok, '.') : NULL;
	dot2 = tok ? strrchr(tok, '.') : NULL;
	if (!CHECK(ks && dot1 && dot2 == dot1 + 1 && payload,
		   "RFC 7520 4.5 detached compact form has an empty payload"))
		goto out;
	CHECK_STATUS(verify(ks, tok), OIDC_E_BAD_SIGNATURE,
		     "RFC 7520 4.5 detached content: verified over the empty payload, refused");
	p64 = b64url((const unsigned char *)payload, strlen(payload));
	h = strndup(tok, (size_t)(dot1 - tok));
	full = compact(h, p64, dot2 + 1);
	CHECK_STATUS(verify(ks, full), OIDC_OK,
		     "RFC 7520 4.5 with the payload re-attached by the caller verifies");
	free(p64);
	free(h);
	free(full);
out:
	oidc_keyset_free(&ks);
	json_decref(doc);
}

/*
 * RFC 7520 4.6-4.8 exist only as JSON serializations (unprotected header
 * members, several signatures). The JSON text is refused; the compact
 * equivalent of a signature verifies when its protected header carries
 * the algorithm, and is refused when there is no protected header.
 */
static void cookbook_json_only(const char *rel, const char *name)
{
	json_t *doc = load(rel), *s, *keys;
	const json_t *json;
	const char *payload;
	char *text;
	size_t i;

	if (!doc)
		return;
	json = json_object_get(json_object_get(doc, "output"), "json");
	payload = tj_str(json, "payload");
	keys = json_object_get(json_object_get(doc, "input"), "key");
	if (!json_is_array(keys))
		keys = json_pack("[O]", keys);
	else
		json_incref(keys);
	text = json_dumps(json, JSON_COMPACT);
	json_array_foreach(json_object_get(json, "signatures"), i, s) {
		struct oidc_keyset *ks = keyset_for(json_array_get(keys, i));
		const char *prot = tj_str(s, "protected");
		char *tok = compact(prot ? prot : "", payload ? payload : "",
				    tj_str(s, "signature"));

		CHECK_STATUS(verify(ks, text), OIDC_E_MALFORMED,
			     "%s JSON serialization refused (signature %zu's key)", name, i);
		CHECK_STATUS(verify(ks, tok), prot ? OIDC_OK : OIDC_E_MALFORMED,
			     "%s signature %zu as compact: %s", name, i,
			     prot ? "verifies" : "no protected header, refused");
		free(tok);
		oidc_keyset_free(&ks);
	}
	free(text);
	json_decref(keys);
	json_decref(doc);
}

/* RFC 7517 4.5 lets keys of different kty share a kid; we refuse it. */
static void cookbook_shared_kid(void)
{
	json_t *doc = load("rfc7520/jws/4_8.multiple_signatures.json");
	struct oidc_keyset *ks = NULL;
	json_t *keys, *k, *set;
	char *text;
	size_t i;

	if (!doc)
		return;
	keys = json_array();
	json_array_foreach(json_object_get(json_object_get(doc, "input"), "key"), i, k) {
		const char *kty = tj_str(k, "kty");
		if (kty && strcmp(kty, "oct") != 0) {
			json_t *pub = json_pack("{s:O,s:O,s:O}", "kty", json_object_get(k, "kty"),
						"kid", json_object_get(k, "kid"), "use",
						json_object_get(k, "use"));
			static const char *const members[] = { "n", "e", "crv", "x", "y" };
			for (size_t m = 0; m < 5; m++)
				if (json_object_get(k, members[m]))
					json_object_set(pub, members[m],
							json_object_get(k, members[m]));
			json_array_append_new(keys, pub);
		}
	}
	set = json_pack("{s:o}", "keys", keys);
	text = json_dumps(set, JSON_COMPACT);
	CHECK_STATUS(oidc_keyset_from_jwks(text, strlen(text), &ks, NULL), OIDC_E_BAD_KEYSET,
		     "RFC 7520 4.8 RSA and EC keys sharing one kid: set refused (A7)");
	oidc_keyset_free(&ks);
	free(text);
	json_decref(set);
	json_decref(doc);
}

/* RFC 7797: b64:false changes the signing input; crit is not understood. */
static void rfc7797(void)
{
	json_t *compat = load("rfc7520/rfc7797/hmac-sha2_b64_false.json");
	json_t *json_only = load("rfc7520/rfc7797/4.2.hmac-sha2_b64_false.json");
	struct oidc_keyset *ks = NULL;
	const char *tok, *payload, *dot1, *dot2, *prot, *sig;
	char *p64, *h, *t2;

	if (!compat || !json_only)
		goto out;
	ks = keyset_for(json_object_get(json_object_get(compat, "input"), "key"));
	tok = tj_str(json_object_get(compat, "output"), "compact");
	payload = tj_str(json_object_get(compat, "input"), "payload");
	CHECK_STATUS(verify(ks, tok), OIDC_E_MALFORMED,
		     "RFC 7797 compact form with an unencoded payload refused");
	dot1 = tok ? strchr(tok, '.') : NULL;
	dot2 = tok ? strrchr(tok, '.') : NULL;
	if (CHECK(dot1 && dot2 && payload, "RFC 7797 compact example has three parts")) {
		p64 = b64url((const unsigned char *)payload, strlen(payload));
		h = strndup(tok, (size_t)(dot1 - tok));
		t2 = compact(h, p64, dot2 + 1);
		CHECK_STATUS(verify(ks, t2), OIDC_E_UNSUPPORTED_HEADER,
			     "RFC 7797 header with crit [b64] refused (C6)");
		free(t2);
		free(h);
		free(p64);
	}
	oidc_keyset_free(&ks);
	/* The cookbook's 4.2 header is {"alg":"HS256","b64":false}: no crit. */
	ks = keyset_for(json_object_get(json_object_get(json_only, "input"), "key"));
	prot = tj_str(json_object_get(json_only, "signing"), "protected_b64u");
	sig = tj_str(json_object_get(json_only, "signing"), "sig");
	payload = tj_str(json_object_get(json_only, "input"), "payload");
	if (CHECK(prot && sig && payload, "RFC 7797 4.2 example has header, payload, signature")) {
		t2 = compact(prot, payload, sig);
		CHECK_STATUS(verify(ks, t2), OIDC_E_MALFORMED,
			     "RFC 7797 4.2 unencoded payload \"$.02\" in compact form refused");
		free(t2);
		p64 = b64url((const unsigned char *)payload, strlen(payload));
		t2 = compact(prot, p64, sig);
		CHECK_STATUS(verify(ks, t2), OIDC_E_UNSUPPORTED_HEADER,
			     "RFC 7797 4.2 b64:false without crit refused");
		free(t2);
		free(p64);
	}
out:
	oidc_keyset_free(&ks);
	json_decref(compat);
	json_decref(json_only);
}

int main(void)
{
	rfc7515();
	cookbook_compact("rfc7520/jws/4_1.rsa_v15_signature.json", "RFC 7520 4.1 RS256");
	cookbook_compact("rfc7520/jws/4_2.rsa-pss_signature.json", "RFC 7520 4.2 PS384");
	cookbook_compact("rfc7520/jws/4_3.ecdsa_signature.json", "RFC 7520 4.3 ES512");
	cookbook_compact("rfc7520/jws/4_4.hmac-sha2_integrity_protection.json",
			 "RFC 7520 4.4 HS256");
	cookbook_compact("rfc7520/rfc8037/ed25519_jws.json", "RFC 8037 A.4 EdDSA");
	cookbook_detached();
	cookbook_json_only("rfc7520/jws/4_6.protecting_specific_header_fields.json",
			   "RFC 7520 4.6");
	cookbook_json_only("rfc7520/jws/4_7.protecting_content_only.json", "RFC 7520 4.7");
	cookbook_json_only("rfc7520/jws/4_8.multiple_signatures.json", "RFC 7520 4.8");
	cookbook_shared_kid();
	rfc7797();
	return test_done();
}
