/* SPDX-License-Identifier: MIT */
/*
 * jwks.c - key sets: a JWKS document (RFC 7517 section 5) into the keys a
 * token may be verified with, and key selection by kid and algorithm.
 * Policy (checklist A7, A8, F1): private or symmetric key material, a
 * duplicate kid or oversize input refuses the whole set; keys that are not
 * for signature verification, of unknown types or weak are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "keysource.h"

enum oidc_status oidc_keyset_new(struct oidc_keyset **ks_out)
{
	struct oidc_keyset *ks = calloc(1, sizeof(*ks));

	if (!ks)
		return OIDC_E_NOMEM;
	ks->refs = 1;
	*ks_out = ks;
	return OIDC_OK;
}

enum oidc_status oidc_keyset_add(struct oidc_keyset *ks, struct oidc_key *key,
				 struct oidc_error *err)
{
	if (!ks || !key) {
		oidc_key_free(&key);
		return oidc_err(err, OIDC_E_INTERNAL, "no key set or key");
	}
	/* A7: a kid must name one key, or lookups become ambiguous. */
	for (size_t i = 0; key->kid && i < ks->count; i++) {
		if (ks->keys[i]->kid && strcmp(ks->keys[i]->kid, key->kid) == 0) {
			oidc_key_free(&key);
			return oidc_err(err, OIDC_E_BAD_KEYSET,
					"duplicate kid \"%.64s\"",
					ks->keys[i]->kid);
		}
	}
	if (ks->count == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 4;
		struct oidc_key **nk = realloc(ks->keys, ncap * sizeof(*nk));

		if (!nk) {
			oidc_key_free(&key);
			return oidc_err(err, OIDC_E_NOMEM, "key set");
		}
		ks->keys = nk;
		ks->cap = ncap;
	}
	ks->keys[ks->count++] = key;
	return OIDC_OK;
}

enum oidc_status oidc_keyset_find(const struct oidc_keyset *ks,
				  enum oidc_alg alg, const char *kid,
				  const struct oidc_key **key_out,
				  struct oidc_error *err)
{
	const struct oidc_key *found = NULL;
	size_t fitting = 0;

	if (!ks || !key_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no key set");
	if (kid) {
		/* A7: kid is only ever a lookup key in this table. */
		for (size_t i = 0; i < ks->count; i++) {
			const struct oidc_key *k = ks->keys[i];

			if (!k->kid || strcmp(k->kid, kid) != 0)
				continue;
			if (!oidc_key_fits_alg(k, alg))
				return oidc_err(err, OIDC_E_KEY_MISMATCH,
						"key \"%.64s\" (%s) cannot verify %s",
						kid, oidc_kty_name(k->kty),
						oidc_alg_get(alg) ?
							oidc_alg_get(alg)->name :
							"?");
			*key_out = k;
			return OIDC_OK;
		}
		return oidc_err(err, OIDC_E_UNKNOWN_KID,
				"no key with kid \"%.64s\"", kid);
	}
	/* OIDC Core 10.1: without a kid, exactly one key may fit. */
	for (size_t i = 0; i < ks->count; i++) {
		if (oidc_key_fits_alg(ks->keys[i], alg)) {
			found = ks->keys[i];
			fitting++;
		}
	}
	if (fitting == 0)
		return oidc_err(err, OIDC_E_UNKNOWN_KID,
				"token has no kid and no key fits %s",
				oidc_alg_get(alg) ? oidc_alg_get(alg)->name : "?");
	if (fitting > 1)
		return oidc_err(err, OIDC_E_AMBIGUOUS_KEY,
				"token has no kid and %zu keys fit %s", fitting,
				oidc_alg_get(alg)->name);
	*key_out = found;
	return OIDC_OK;
}

/* F1: "use" (RFC 7517 4.2) and "key_ops" (4.3) must allow verification. */
static bool jwk_is_for_verification(const struct oidc_jdoc *doc,
				    const struct oidc_jnode *jwk)
{
	const struct oidc_jnode *use = oidc_jobj_get(doc, jwk, "use");
	const struct oidc_jnode *ops = oidc_jobj_get(doc, jwk, "key_ops");
	const struct oidc_jnode *op;
	bool verify = false;

	if (use && (use->type != OIDC_JSTRING || strcmp(use->v.s, "sig") != 0))
		return false;
	if (!ops)
		return true;
	if (ops->type != OIDC_JARRAY)
		return false;
	for (op = oidc_jnode_first(doc, ops); op; op = oidc_jnode_next(doc, ops, op))
		if (op->type == OIDC_JSTRING && strcmp(op->v.s, "verify") == 0)
			verify = true;
	return verify;
}

/* F1: material that must never be in a published set refuses all of it. */
static enum oidc_status jwks_refuse_private(const struct oidc_jdoc *doc,
					    const struct oidc_jnode *keys,
					    struct oidc_error *err)
{
	static const char *const private_members[] = {
		"d", "p", "q", "dp", "dq", "qi", "oth", "k",
	};
	const struct oidc_jnode *jwk;
	size_t i = 0;

	for (jwk = oidc_jnode_first(doc, keys); jwk;
	     jwk = oidc_jnode_next(doc, keys, jwk), i++) {
		const char *kty = oidc_jobj_str(doc, jwk, "kty");

		for (size_t m = 0;
		     m < sizeof(private_members) / sizeof(*private_members); m++)
			if (oidc_jobj_get(doc, jwk, private_members[m]))
				return oidc_err(err, OIDC_E_BAD_KEYSET,
						"key %zu carries private member \"%s\"",
						i, private_members[m]);
		/* A2: a JWKS never supplies HMAC secrets. */
		if (kty && strcmp(kty, "oct") == 0)
			return oidc_err(err, OIDC_E_BAD_KEYSET,
					"key %zu is symmetric (kty oct)", i);
	}
	return OIDC_OK;
}

static enum oidc_status jwks_build(const struct oidc_jdoc *doc,
				   const struct oidc_jnode *keys,
				   struct oidc_keyset *ks,
				   struct oidc_error *err)
{
	const struct oidc_jnode *jwk;
	enum oidc_status st;
	size_t i = 0;

	for (jwk = oidc_jnode_first(doc, keys); jwk;
	     jwk = oidc_jnode_next(doc, keys, jwk), i++) {
		struct oidc_key *key = NULL;

		if (jwk->type != OIDC_JOBJECT || !jwk_is_for_verification(doc, jwk)) {
			ks->skipped++;
			continue;
		}
		/* Unsupported kty, non-signature alg (RSA-OAEP...), weak or
		 * malformed key: skip it, other keys may still serve. */
		st = oidc_jwk_import(doc, jwk, &key, NULL);
		if (st == OIDC_E_BAD_KEY) {
			ks->skipped++;
			continue;
		}
		if (st != OIDC_OK)
			return oidc_err(err, st, "importing key %zu", i);
		st = oidc_keyset_add(ks, key, err);
		if (st != OIDC_OK)
			return st;
	}
	if (ks->count == 0)
		return oidc_err(err, OIDC_E_BAD_KEYSET,
				"no usable signature key (%zu skipped)",
				ks->skipped);
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_keyset_from_jwks(const char *json,
						   size_t len,
						   struct oidc_keyset **ks_out,
						   struct oidc_error *err)
{
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	struct oidc_keyset *ks = NULL;
	struct oidc_error jerr;
	const struct oidc_jnode *keys;
	enum oidc_status st;

	if (!json || !ks_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no JWKS or output");
	/* A8: bound the document before parsing it. */
	if (len > OIDC_JWKS_MAX)
		return oidc_err(err, OIDC_E_BAD_KEYSET,
				"JWKS of %zu bytes, limit %d", len, OIDC_JWKS_MAX);
	st = oidc_jdoc_parse_copy(&od, json, len, &jerr);
	if (st != OIDC_OK)
		return oidc_err(err, st == OIDC_E_MALFORMED ? OIDC_E_BAD_KEYSET : st,
				"JWKS: %s", jerr.detail);
	keys = oidc_jdoc_get(&od.doc, "keys");
	if (!keys || keys->type != OIDC_JARRAY) {
		st = oidc_err(err, OIDC_E_BAD_KEYSET, "JWKS has no \"keys\" array");
		goto out;
	}
	if (keys->len > OIDC_JWKS_KEYS_MAX) {
		st = oidc_err(err, OIDC_E_BAD_KEYSET, "JWKS has %u keys, limit %d",
			      (unsigned)keys->len, OIDC_JWKS_KEYS_MAX);
		goto out;
	}
	st = jwks_refuse_private(&od.doc, keys, err);
	if (st != OIDC_OK)
		goto out;
	if (oidc_keyset_new(&ks) != OIDC_OK) {
		st = oidc_err(err, OIDC_E_NOMEM, "key set");
		goto out;
	}
	st = jwks_build(&od.doc, keys, ks, err);
	if (st != OIDC_OK)
		goto out;
	*ks_out = ks;
	ks = NULL;
out:
	oidc_keyset_free(&ks);
	oidc_jdoc_owned_clear(&od);
	return st;
}

OIDC_EXPORT enum oidc_status oidc_keyset_load_file(const char *path,
						   struct oidc_keyset **ks_out,
						   struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum oidc_status st;

	if (!path || !ks_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no path or output");
	/* A key set decides whose signatures count: nobody else may change
	 * it (trusted_file.c). */
	st = oidc_trusted_file_read(path, OIDC_FILE_PUBLIC, OIDC_JWKS_MAX, &buf, &len, err);
	if (st == OIDC_E_CONFIG && errno == EFBIG)
		return oidc_err(err, OIDC_E_BAD_KEYSET, "%s is larger than %d bytes",
				path, OIDC_JWKS_MAX);
	if (st != OIDC_OK)
		return st;
	st = oidc_keyset_from_jwks(buf, len, ks_out, err);
	free(buf);
	return st;
}

OIDC_EXPORT size_t oidc_keyset_count(const struct oidc_keyset *ks)
{
	return ks ? ks->count : 0;
}

OIDC_EXPORT size_t oidc_keyset_skipped(const struct oidc_keyset *ks)
{
	return ks ? ks->skipped : 0;
}

OIDC_EXPORT int oidc_keyset_describe(const struct oidc_keyset *ks, size_t i,
				     const char **kid, const char **kty,
				     const char **alg, unsigned *bits)
{
	const struct oidc_key *k;

	if (!ks || i >= ks->count)
		return -1;
	k = ks->keys[i];
	if (kid)
		*kid = k->kid;
	if (kty)
		*kty = oidc_kty_name(k->kty);
	if (alg)
		*alg = k->alg == OIDC_ALG_UNKNOWN ? "*" : oidc_alg_get(k->alg)->name;
	if (bits)
		*bits = k->bits;
	return 0;
}

/*
 * A key set is immutable once built and shared between threads: a refresh
 * swaps the key source's pointer while verifiers still hold their own
 * reference (keysource.h), so the last one out frees it.
 */
struct oidc_keyset *oidc_keyset_ref(struct oidc_keyset *ks)
{
	if (ks)
		__atomic_add_fetch(&ks->refs, 1, __ATOMIC_RELAXED);
	return ks;
}

void oidc_keyset_unref(struct oidc_keyset **ks)
{
	struct oidc_keyset *k;

	if (!ks || !*ks)
		return;
	k = *ks;
	*ks = NULL;
	/* ACQ_REL: every use by other holders happens before the free. */
	if (__atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < k->count; i++)
		oidc_key_free(&k->keys[i]);
	free(k->keys);
	free(k);
}

/* Drops the caller's reference (frees at zero). */
OIDC_EXPORT void oidc_keyset_free(struct oidc_keyset **ks)
{
	oidc_keyset_unref(ks);
}
