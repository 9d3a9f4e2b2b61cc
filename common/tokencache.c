/* SPDX-License-Identifier: MIT */
/*
 * tokencache.c - the verified-token cache (tokencache.h): a chained hash
 * table over a fixed array of slots, clock (second-chance) eviction, one
 * mutex. A slot holds the token's hash, a reference to the key set that
 * verified it and a reference to its immutable data block; a hit hands out
 * references, so the lock covers only the lookup itself.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "keysource.h"
#include "tokencache.h"

/* Links (buckets, chains, the free list) hold slot index + 1, so 0 is "no
 * slot" and calloc'd memory is a valid empty table: a one-shot process
 * (PAM) never touches the pages of slots it does not use. */
#define NO_SLOT 0u
/* Bytes at the end of a token that choose its bucket: a JWS ends with its
 * signature, 43 or more characters no one predicts. */
#define HASH_TAIL 32
/* Slots looked at for expired entries per insert. */
#define SWEEP_PER_INSERT 4

struct slot {
	uint64_t hash;
	struct oidc_tokencache_data *data;  /* one reference */
	struct oidc_keyset *keys;           /* one reference */
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
	uint32_t hand;         /* clock eviction */
	uint32_t sweep;        /* expiry sweep */
	atomic_bool disabled;  /* read without the lock */
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
	atomic_init(&tc->disabled, false);
	tc->free_head = NO_SLOT;
	tc->bucket_mask = (uint32_t)(nb - 1);
	tc->capacity = (uint32_t)capacity;
	tc->stats.capacity = capacity;
	return tc;
}

void oidc_tokencache_data_unref(struct oidc_tokencache_data **d)
{
	if (!d || !*d)
		return;
	if (__atomic_sub_fetch(&(*d)->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		/* The block holds the token and its claims. */
		size_t size = (*d)->size;

		OPENSSL_cleanse(*d, size);
		free(*d);
	}
	*d = NULL;
}

static void slot_clear(struct slot *s)
{
	oidc_keyset_unref(&s->keys);
	oidc_tokencache_data_unref(&s->data);
	memset(s, 0, sizeof(*s));
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

/* FNV-1a over the length and the last HASH_TAIL bytes, then folded. */
static uint64_t token_hash(const char *token, size_t len)
{
	size_t from = len > HASH_TAIL ? len - HASH_TAIL : 0;
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)len;

	for (size_t i = from; i < len; i++) {
		h ^= (unsigned char)token[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

/* Equal bytes, in a time that depends on len only: how much of a cached
 * token a guess matched must not show. */
static bool same_bytes(const char *a, const char *b, size_t len)
{
	uint64_t diff = 0, x, y;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	for (; i < len; i++)
		diff |= (uint64_t)((unsigned char)a[i] ^ (unsigned char)b[i]);
	return diff == 0;
}

static uint32_t *bucket_of(struct oidc_tokencache *tc, uint64_t hash)
{
	return &tc->buckets[hash & tc->bucket_mask];
}

/* The link that points at the slot for token (or at NO_SLOT). */
static uint32_t *find_link(struct oidc_tokencache *tc, uint64_t hash,
			   const char *token, size_t len)
{
	uint32_t *link = bucket_of(tc, hash);

	while (*link != NO_SLOT) {
		const struct slot *s = &tc->slots[*link - 1];

		if (s->hash == hash && s->data->token_len == len &&
		    same_bytes(s->data->token, token, len))
			break;
		link = &tc->slots[*link - 1].next;
	}
	return link;
}

/* The link that points at slot index i (which is in a chain). */
static uint32_t *link_of(struct oidc_tokencache *tc, uint32_t i)
{
	uint32_t *link = bucket_of(tc, tc->slots[i].hash);

	while (*link != i + 1)
		link = &tc->slots[*link - 1].next;
	return link;
}

/* Unlink the slot *link points at and put it on the free list. */
static void remove_at(struct oidc_tokencache *tc, uint32_t *link)
{
	uint32_t i = *link;
	struct slot *s = &tc->slots[i - 1];

	*link = s->next;
	tc->stats.bytes -= s->data->size;
	slot_clear(s);
	s->next = tc->free_head;
	tc->free_head = i;
	tc->stats.entries--;
}

/* Clock: pass over referenced slots (clearing the mark), evict the first
 * unreferenced one. Called only when the table holds an entry. */
static void evict_one(struct oidc_tokencache *tc)
{
	for (;;) {
		uint32_t i = tc->hand;
		struct slot *s = &tc->slots[i];

		tc->hand = tc->hand + 1 < tc->fresh ? tc->hand + 1 : 0;
		if (!s->used)
			continue;
		if (s->referenced) {
			s->referenced = false;
			continue;
		}
		remove_at(tc, link_of(tc, i));
		tc->stats.evictions++;
		return;
	}
}

/* A few slots per insert: an entry a hit would refuse goes (with its copy
 * of the token) even if the token is never presented again. */
static void sweep_expired(struct oidc_tokencache *tc, int64_t now)
{
	for (int n = 0; n < SWEEP_PER_INSERT && tc->fresh; n++) {
		uint32_t i = tc->sweep;
		const struct slot *s = &tc->slots[i];

		tc->sweep = tc->sweep + 1 < tc->fresh ? tc->sweep + 1 : 0;
		if (s->used &&
		    oidc_tokencache_expired(s->data->exp, now,
					    s->data->ic ? s->data->ic->leeway : 0)) {
			remove_at(tc, link_of(tc, i));
			tc->stats.expired++;
		}
	}
}

/* s inside [base, base + len]: the same offset in copy; else NULL. */
static const char *rebase(const char *s, const char *base, size_t len,
			  const char *copy)
{
	uintptr_t p = (uintptr_t)s, b = (uintptr_t)base;

	if (p < b || p - b > len)
		return NULL;
	return copy + (p - b);
}

/* One block: the struct, the claim nodes, the payload they point into,
 * the token, the username. NULL when out of memory or inconsistent. */
static struct oidc_tokencache_data *
data_new(const char *token, size_t len, const struct oidc_tokencache_entry *e,
	 const char *user, const struct oidc_jdoc *claims, const char *payload,
	 size_t payload_len)
{
	size_t user_len = strlen(user);
	size_t nodes = (size_t)claims->n * sizeof(*claims->nodes);
	size_t size = sizeof(struct oidc_tokencache_data) + nodes;
	struct oidc_tokencache_data *d;
	char *p;

	if (len > OIDC_TOKEN_MAX_LIMIT || payload_len > OIDC_TOKEN_MAX_LIMIT ||
	    user_len > OIDC_TOKEN_MAX_LIMIT || claims->n == 0)
		return NULL;
	size += payload_len + 1 + len + user_len + 1;
	d = malloc(size);
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->claims.nodes = (struct oidc_jnode *)(d + 1);
	d->claims.n = d->claims.cap = claims->n;
	p = (char *)(d->claims.nodes + claims->n);
	/* Parsed in place: the strings are NUL-terminated inside payload. */
	memcpy(p, payload, payload_len + 1);
	for (uint32_t i = 0; i < claims->n; i++) {
		struct oidc_jnode *n = &d->claims.nodes[i];

		*n = claims->nodes[i];
		if (n->key)
			n->key = rebase(n->key, payload, payload_len, p);
		if (n->type == OIDC_JSTRING)
			n->v.s = rebase(n->v.s, payload, payload_len, p);
		if ((claims->nodes[i].key && !n->key) ||
		    (n->type == OIDC_JSTRING && !n->v.s)) {
			OPENSSL_cleanse(d, size);
			free(d);
			return NULL;
		}
	}
	p += payload_len + 1;
	memcpy(p, token, len);
	d->token = p;
	d->token_len = len;
	p += len;
	memcpy(p, user, user_len + 1);
	d->user = p;
	d->ic = e->ic;
	d->exp = e->exp;
	d->validated_at = e->validated_at;
	d->alg = e->alg;
	d->audit = e->audit;
	d->size = size;
	d->refs = 1;
	return d;
}

void oidc_tokencache_insert(struct oidc_tokencache *tc, const char *token,
			    size_t len, const struct oidc_tokencache_entry *e,
			    const char *user, const struct oidc_jdoc *claims,
			    const char *payload, size_t payload_len)
{
	struct oidc_tokencache_data *d;
	uint64_t hash;
	uint32_t *link, i;
	struct slot *s;

	if (atomic_load_explicit(&tc->disabled, memory_order_relaxed))
		return;
	d = data_new(token, len, e, user, claims, payload, payload_len);
	if (!d)
		return;
	if (d->size > OIDC_TOKENCACHE_BYTES_MAX) {
		oidc_tokencache_data_unref(&d);
		return;
	}
	hash = token_hash(token, len);
	pthread_mutex_lock(&tc->lock);
	link = find_link(tc, hash, token, len);
	if (*link != NO_SLOT)
		remove_at(tc, link);
	sweep_expired(tc, e->validated_at);
	while (tc->stats.entries &&
	       tc->stats.bytes + d->size > OIDC_TOKENCACHE_BYTES_MAX)
		evict_one(tc);
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
	s->hash = hash;
	s->data = d;
	s->keys = oidc_keyset_ref(e->keys);
	s->used = true;
	s->referenced = false;
	/* Relink after eviction: it may have changed the chain. */
	link = bucket_of(tc, hash);
	s->next = *link;
	*link = i;
	tc->stats.entries++;
	tc->stats.inserts++;
	tc->stats.bytes += d->size;
	pthread_mutex_unlock(&tc->lock);
}

bool oidc_tokencache_lookup(struct oidc_tokencache *tc, const char *token,
			    size_t len, struct oidc_keyset **keys_out,
			    struct oidc_tokencache_data **data_out)
{
	uint64_t hash;
	uint32_t *link;
	struct slot *s;

	if (atomic_load_explicit(&tc->disabled, memory_order_relaxed))
		return false;
	hash = token_hash(token, len);
	pthread_mutex_lock(&tc->lock);
	link = find_link(tc, hash, token, len);
	if (*link == NO_SLOT) {
		tc->stats.misses++;
		pthread_mutex_unlock(&tc->lock);
		return false;
	}
	s = &tc->slots[*link - 1];
	s->referenced = true;
	__atomic_add_fetch(&s->data->refs, 1, __ATOMIC_RELAXED);
	*data_out = s->data;
	*keys_out = oidc_keyset_ref(s->keys);
	tc->stats.hits++;
	pthread_mutex_unlock(&tc->lock);
	return true;
}

void oidc_tokencache_drop(struct oidc_tokencache *tc, const char *token,
			  size_t len)
{
	uint64_t hash = token_hash(token, len);
	uint32_t *link;

	pthread_mutex_lock(&tc->lock);
	link = find_link(tc, hash, token, len);
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
	atomic_store(&tc->disabled, !enabled);
}
