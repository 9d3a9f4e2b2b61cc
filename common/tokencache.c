/* SPDX-License-Identifier: MIT */
/*
 * tokencache.c - the verified-token cache (tokencache.h): a chained hash
 * table over a fixed array of entries, clock (second-chance) eviction, one
 * mutex. The key is a SHA-256, so its first bytes are already a uniform
 * hash; the whole digest is compared.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keysource.h"
#include "tokencache.h"

/* Links (buckets, chains, the free list) hold slot index + 1, so 0 is "no
 * slot" and calloc'd memory is a valid empty table: a one-shot process
 * (PAM) never touches the pages of slots it does not use. */
#define NO_SLOT 0u

struct slot {
	unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN];
	struct oidc_tokencache_entry e;
	char *user;
	uint32_t next;         /* next slot in the bucket chain, or free list */
	bool used;
	bool referenced;       /* clock: hit since the hand last passed */
};

struct oidc_tokencache {
	pthread_mutex_t lock;
	struct slot *slots;
	uint32_t *buckets;     /* heads of the chains */
	uint32_t bucket_mask;
	uint32_t capacity;
	uint32_t free_head;
	uint32_t fresh;        /* slots [0, fresh) have been handed out */
	uint32_t hand;
	bool disabled;         /* benchmarks of the full path */
	struct oidc_tokencache_stats stats;
};

struct oidc_tokencache *oidc_tokencache_new(size_t capacity)
{
	struct oidc_tokencache *tc = NULL;
	size_t nb = 1;

	if (capacity == 0)
		capacity = OIDC_TOKENCACHE_DEFAULT_CAPACITY;
	if (capacity > (1u << 24))
		return NULL;
	while (nb < capacity)
		nb <<= 1;
	tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	tc->slots = calloc(capacity, sizeof(*tc->slots));
	tc->buckets = calloc(nb, sizeof(*tc->buckets));
	if (!tc->slots || !tc->buckets ||
	    pthread_mutex_init(&tc->lock, NULL) != 0) {
		free(tc->slots);
		free(tc->buckets);
		free(tc);
		return NULL;
	}
	tc->free_head = NO_SLOT;
	tc->bucket_mask = (uint32_t)(nb - 1);
	tc->capacity = (uint32_t)capacity;
	tc->stats.capacity = capacity;
	return tc;
}

static void slot_clear(struct slot *s)
{
	oidc_keyset_unref(&s->e.keys);
	free(s->user);
	OPENSSL_cleanse(s, sizeof(*s));
}

void oidc_tokencache_free(struct oidc_tokencache **tc)
{
	if (!tc || !*tc)
		return;
	for (uint32_t i = 0; i < (*tc)->fresh; i++)
		if ((*tc)->slots[i].used)
			slot_clear(&(*tc)->slots[i]);
	pthread_mutex_destroy(&(*tc)->lock);
	free((*tc)->slots);
	free((*tc)->buckets);
	free(*tc);
	*tc = NULL;
}

static uint32_t *bucket_of(struct oidc_tokencache *tc,
			   const unsigned char *digest)
{
	uint32_t h;

	memcpy(&h, digest, sizeof(h));
	return &tc->buckets[h & tc->bucket_mask];
}

/* The link that points at the slot for digest (or at NO_SLOT). */
static uint32_t *find_link(struct oidc_tokencache *tc,
			   const unsigned char *digest)
{
	uint32_t *link = bucket_of(tc, digest);

	while (*link != NO_SLOT &&
	       memcmp(tc->slots[*link - 1].digest, digest,
		      OIDC_TOKENCACHE_DIGEST_LEN) != 0)
		link = &tc->slots[*link - 1].next;
	return link;
}

/* Unlink the slot *link points at and put it on the free list. */
static void remove_at(struct oidc_tokencache *tc, uint32_t *link)
{
	uint32_t i = *link;
	struct slot *s = &tc->slots[i - 1];

	*link = s->next;
	slot_clear(s);
	s->next = tc->free_head;
	tc->free_head = i;
	tc->stats.entries--;
}

/* Clock: pass over referenced slots (clearing the mark), evict the first
 * unreferenced one. Called only when the table is full. */
static void evict_one(struct oidc_tokencache *tc)
{
	for (;;) {
		struct slot *s = &tc->slots[tc->hand];

		tc->hand = tc->hand + 1 < tc->fresh ? tc->hand + 1 : 0;
		if (!s->used)
			continue;
		if (s->referenced) {
			s->referenced = false;
			continue;
		}
		remove_at(tc, find_link(tc, s->digest));
		tc->stats.evictions++;
		return;
	}
}

void oidc_tokencache_insert(struct oidc_tokencache *tc,
			    const unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN],
			    const struct oidc_tokencache_entry *e,
			    const char *user)
{
	char *user_copy = strdup(user);
	uint32_t *link, i;
	struct slot *s;

	if (!user_copy)
		return;
	pthread_mutex_lock(&tc->lock);
	if (tc->disabled) {
		pthread_mutex_unlock(&tc->lock);
		free(user_copy);
		return;
	}
	link = find_link(tc, digest);
	if (*link != NO_SLOT)
		remove_at(tc, link);
	if (tc->free_head == NO_SLOT && tc->fresh < tc->capacity) {
		i = ++tc->fresh;
		s = &tc->slots[i - 1];
	} else {
		if (tc->free_head == NO_SLOT)
			evict_one(tc);
		i = tc->free_head;
		s = &tc->slots[i - 1];
		tc->free_head = s->next;
	}
	memcpy(s->digest, digest, OIDC_TOKENCACHE_DIGEST_LEN);
	s->e = *e;
	s->e.keys = oidc_keyset_ref(e->keys);
	s->user = user_copy;
	s->used = true;
	s->referenced = false;
	/* Relink after eviction: it may have changed the chain. */
	link = bucket_of(tc, digest);
	s->next = *link;
	*link = i;
	tc->stats.entries++;
	tc->stats.inserts++;
	pthread_mutex_unlock(&tc->lock);
}

bool oidc_tokencache_lookup(struct oidc_tokencache *tc,
			    const unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN],
			    const char *expected_user, bool *user_matches,
			    struct oidc_tokencache_entry *out, char **user_out)
{
	bool hit = false;
	uint32_t *link;
	struct slot *s;

	pthread_mutex_lock(&tc->lock);
	link = find_link(tc, digest);
	if (tc->disabled || *link == NO_SLOT)
		goto out;
	s = &tc->slots[*link - 1];
	if (user_out) {
		*user_out = strdup(s->user);
		if (!*user_out)
			goto out;
	}
	*user_matches = !expected_user || strcmp(expected_user, s->user) == 0;
	*out = s->e;
	out->keys = oidc_keyset_ref(s->e.keys);
	s->referenced = true;
	hit = true;
out:
	if (hit)
		tc->stats.hits++;
	else
		tc->stats.misses++;
	pthread_mutex_unlock(&tc->lock);
	return hit;
}

void oidc_tokencache_drop(struct oidc_tokencache *tc,
			  const unsigned char digest[OIDC_TOKENCACHE_DIGEST_LEN])
{
	uint32_t *link;

	pthread_mutex_lock(&tc->lock);
	link = find_link(tc, digest);
	if (*link != NO_SLOT) {
		remove_at(tc, link);
		tc->stats.drops++;
	}
	pthread_mutex_unlock(&tc->lock);
}

bool oidc_tokencache_expired(int64_t exp, int64_t now, int64_t leeway)
{
	if (leeway >= 0 && now < INT64_MIN + leeway)
		return false;   /* now - leeway is below INT64_MIN <= exp */
	if (leeway < 0 && now > INT64_MAX + leeway)
		return true;    /* now - leeway is above INT64_MAX >= exp */
	return exp <= now - leeway;
}

void oidc_tokencache_stats(struct oidc_tokencache *tc,
			   struct oidc_tokencache_stats *out)
{
	pthread_mutex_lock(&tc->lock);
	*out = tc->stats;
	pthread_mutex_unlock(&tc->lock);
}

void oidc_tokencache_set_enabled(struct oidc_tokencache *tc, bool enabled)
{
	pthread_mutex_lock(&tc->lock);
	tc->disabled = !enabled;
	pthread_mutex_unlock(&tc->lock);
}
