/* SPDX-License-Identifier: MIT */
/*
 * tokencache.h - the verified-token cache of a validation context (issue 3):
 * a token seen and verified before costs a lookup, not a signature, and
 * not a re-decode of its claims. Internal to common/.
 *
 * Keyed by the whole token: a hit needs a byte-for-byte equal token
 * (compared in constant time), which is stronger than a digest match and
 * never keys on signature bytes alone (checklist B3). Not SHA-256: hashing
 * a 1.5 KB token costs over a microsecond, more than the rest of a hit.
 * The bucket comes from the token's last bytes (the signature, which a
 * verified token makes unpredictable); only verified tokens are stored, so
 * a client cannot fill a chain.
 *
 * An entry holds what a hit needs to give the verdict of a full validation,
 * in one immutable, reference-counted block (struct oidc_tokencache_data):
 * the issuer section, exp (re-checked on every hit), the audit facts, the
 * mapped username and the decoded claims, which the results of hits share.
 * Beside it the entry holds a reference to the key set that verified the
 * token: a hit whose issuer now serves another set is dropped, so a key the
 * provider stopped publishing stops working. The block holds a copy of the
 * token (a bearer secret): it is wiped when its last reference goes.
 * Expired entries are swept a few slots per insert. Only successful
 * validations are stored. Bounded in entries and bytes (clock eviction)
 * and guarded by a mutex: slapd and other hosts validate from worker
 * threads.
 */
#ifndef OIDC_TOKENCACHE_H
#define OIDC_TOKENCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define OIDC_TOKENCACHE_DEFAULT_CAPACITY 4096
/* Token, claims and node copies of all entries together (a typical access
 * token takes about 5 KiB). */
#define OIDC_TOKENCACHE_BYTES_MAX (16u << 20)

struct oidc_tokencache;

/* What a miss stores about a token (copied by oidc_tokencache_insert). */
struct oidc_tokencache_entry {
	const struct oidc_issuer_cfg *ic;  /* borrowed from the context's config */
	struct oidc_keyset *keys;          /* the set that verified the token */
	int64_t exp;
	int64_t validated_at;              /* context clock at verification */
	enum oidc_alg alg;
	struct oidc_audit audit;           /* as the full validation filled it */
};

/*
 * A stored token, immutable once stored and shared between threads: read
 * it freely while holding a reference. user and every string of claims
 * live inside the block.
 */
struct oidc_tokencache_data {
	const struct oidc_issuer_cfg *ic;
	int64_t exp;
	int64_t validated_at;
	enum oidc_alg alg;
	struct oidc_audit audit;
	char *user;                        /* the mapped username */
	struct oidc_jdoc claims;           /* the verified claim set */
	/* private to tokencache.c */
	size_t size;                       /* of the whole block */
	unsigned refs;
	const char *token;                 /* token_len bytes */
	size_t token_len;
};

/* capacity 0: OIDC_TOKENCACHE_DEFAULT_CAPACITY. NULL on out of memory. */
struct oidc_tokencache *oidc_tokencache_new(size_t capacity);
/* Drops every entry (and its key set reference). NULL-safe. */
void oidc_tokencache_free(struct oidc_tokencache **tc);

/*
 * Store a successful validation of token (replacing an entry for the same
 * token): takes its own reference to e->keys and copies e, user, and the
 * claims, whose strings all point into payload[0..payload_len] (the
 * decoded payload they were parsed from in place, NUL-terminated). Also
 * drops a few expired entries (at e->validated_at). On out of memory, or
 * when the cache is off, the token is simply not cached.
 */
void oidc_tokencache_insert(struct oidc_tokencache *tc, const char *token,
			    size_t len, const struct oidc_tokencache_entry *e,
			    const char *user, const struct oidc_jdoc *claims,
			    const char *payload, size_t payload_len);

/*
 * Look token up. On a hit: true, *keys_out is a reference to the key set
 * that verified it (release with oidc_keyset_unref) and *data_out a
 * reference to the stored block (release with oidc_tokencache_data_unref).
 * Deciding exp and the username is the caller's.
 */
bool oidc_tokencache_lookup(struct oidc_tokencache *tc, const char *token,
			    size_t len, struct oidc_keyset **keys_out,
			    struct oidc_tokencache_data **data_out);

/* Release a reference from oidc_tokencache_lookup; sets *d to NULL. */
void oidc_tokencache_data_unref(struct oidc_tokencache_data **d);

/* Forget a token (its key set was replaced, or it expired). */
void oidc_tokencache_drop(struct oidc_tokencache *tc, const char *token,
			  size_t len);

/* RFC 7519 4.1.4 as claims.c decides it: exp <= now - leeway, no overflow. */
bool oidc_tokencache_expired(int64_t exp, int64_t now, int64_t leeway);

/* Counters, for tests and benchmarks (hits proven without timing). */
struct oidc_tokencache_stats {
	uint64_t hits, misses, inserts, drops, evictions, expired;
	size_t entries, capacity, bytes;
};
void oidc_tokencache_stats(struct oidc_tokencache *tc,
			   struct oidc_tokencache_stats *out);

/* Off: every lookup misses and nothing is stored, without taking the lock
 * (benchmarks of the full validation path). On by default. */
void oidc_tokencache_set_enabled(struct oidc_tokencache *tc, bool enabled);

/* The cache of a context (validate.c); NULL when caching is off. */
struct oidc_tokencache *oidc_ctx_tokencache(struct oidc_ctx *ctx);

#endif /* OIDC_TOKENCACHE_H */
