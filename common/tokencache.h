/* SPDX-License-Identifier: MIT */
/*
 * tokencache.h - the verified-token cache of a validation context (issue 3):
 * a token seen and verified before costs a hash and a lookup, not a
 * signature. Internal to common/.
 *
 * Entries are keyed by the SHA-256 of the whole token (never by signature
 * bytes: checklist B3) and hold what a hit needs to give the verdict of a
 * full validation: the issuer section, a reference to the key set that
 * verified the token (a hit whose issuer now serves another set is dropped,
 * so a key the provider stopped publishing stops working), exp (re-checked
 * on every hit), the mapped username and the audit facts. Only successful
 * validations are stored. Bounded (clock eviction) and guarded by a mutex:
 * slapd and other hosts validate from worker threads.
 */
#ifndef OIDC_TOKENCACHE_H
#define OIDC_TOKENCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define OIDC_TOKENCACHE_DIGEST_LEN 32
#define OIDC_TOKENCACHE_DEFAULT_CAPACITY 4096

struct oidc_tokencache;

/* What is stored for a token, and what a hit hands back. */
struct oidc_tokencache_entry {
	const struct oidc_issuer_cfg *ic;  /* borrowed from the context's config */
	struct oidc_keyset *keys;          /* the set that verified the token;
					      a lookup returns a reference */
	int64_t exp;
	int64_t validated_at;              /* context clock at verification */
	enum oidc_alg alg;
	struct oidc_audit audit;           /* as the full validation filled it */
};

/* capacity 0: OIDC_TOKENCACHE_DEFAULT_CAPACITY. NULL on out of memory. */
struct oidc_tokencache *oidc_tokencache_new(size_t capacity);
/* Drops every entry (and its key set reference). NULL-safe. */
void oidc_tokencache_free(struct oidc_tokencache **tc);

/*
 * Store a successful validation (replacing an entry for the same digest);
 * takes its own reference to e->keys and copies user. On out of memory the
 * token is simply not cached.
 */
void oidc_tokencache_insert(struct oidc_tokencache *tc,
			    const unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN],
			    const struct oidc_tokencache_entry *e,
			    const char *user);

/*
 * Look a digest up. On a hit: true, *out filled (out->keys is a reference
 * the caller releases with oidc_keyset_unref), *user_matches says whether
 * expected_user (when not NULL) equals the cached username, and with
 * user_out a malloc'd copy of the username (a failed copy is a miss).
 */
bool oidc_tokencache_lookup(struct oidc_tokencache *tc,
			    const unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN],
			    const char *expected_user, bool *user_matches,
			    struct oidc_tokencache_entry *out, char **user_out);

/* Forget a digest (its key set was replaced, or it expired). */
void oidc_tokencache_drop(struct oidc_tokencache *tc,
			  const unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN]);

/* RFC 7519 4.1.4 as claims.c decides it: exp <= now - leeway, no overflow. */
bool oidc_tokencache_expired(int64_t exp, int64_t now, int64_t leeway);

/* Counters, for tests and benchmarks (hits proven without timing). */
struct oidc_tokencache_stats {
	uint64_t hits, misses, inserts, drops, evictions;
	size_t entries, capacity;
};
void oidc_tokencache_stats(struct oidc_tokencache *tc,
			   struct oidc_tokencache_stats *out);

/* Off: every lookup misses and nothing is stored (benchmarks of the full
 * validation path). On by default. */
void oidc_tokencache_set_enabled(struct oidc_tokencache *tc, bool enabled);

/* The cache of a context (validate.c); NULL when caching is off. */
struct oidc_tokencache *oidc_ctx_tokencache(struct oidc_ctx *ctx);

#endif /* OIDC_TOKENCACHE_H */
