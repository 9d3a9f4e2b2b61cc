/* SPDX-License-Identifier: MIT */
/*
 * account_memo.c - what the account database said about a name, kept for
 * OIDC_ACCOUNT_MEMO_TTL seconds per context.
 *
 * Every successful validation asks whether its user is a system account
 * (identity.c). getpwnam_r through NSS costs 5-30 us (systemd's module,
 * LDAP, sssd: more), which is a hundred times a verified-token cache hit,
 * so without this a long-lived host would spend most of each login in NSS.
 * An answer ("no such user" or a uid) is kept briefly; a failed lookup is
 * never kept. A passwd change is therefore seen within the TTL, which
 * matters only for an account that becomes a system account meanwhile.
 *
 * A small open-addressed table of OIDC_ACCOUNT_MEMO_SLOTS names under one
 * mutex, allocated on first use (most short-lived processes validate one
 * token), shared by the threads of a context. Times are the context's
 * clock, so tests can move them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define OIDC_ACCOUNT_MEMO_SLOTS 64
#define OIDC_ACCOUNT_MEMO_PROBE 4

struct memo_slot {
	bool used;
	bool found;
	uid_t uid;
	int64_t at;                          /* context time of the lookup */
	char name[OIDC_USERNAME_MAX + 1];
};

struct oidc_account_memo {
	pthread_mutex_t lock;
	struct memo_slot *slot;              /* NULL until the first store */
};

struct oidc_account_memo *oidc_account_memo_new(void)
{
	struct oidc_account_memo *m = calloc(1, sizeof(*m));

	if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		m = NULL;
	}
	return m;
}

void oidc_account_memo_free(struct oidc_account_memo **m)
{
	if (!m || !*m)
		return;
	pthread_mutex_destroy(&(*m)->lock);
	free((*m)->slot);
	free(*m);
	*m = NULL;
}

static size_t memo_home(const char *name)
{
	uint32_t h = 2166136261u;            /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h % OIDC_ACCOUNT_MEMO_SLOTS;
}

static bool memo_fresh(const struct memo_slot *s, int64_t now)
{
	/* a clock that went back makes every entry stale */
	return now >= s->at && now - s->at < OIDC_ACCOUNT_MEMO_TTL;
}

int oidc_account_memo_get(struct oidc_account_memo *m, const char *name,
			  int64_t now, uid_t *uid_out)
{
	size_t home = memo_home(name);
	int r = -1;

	if (!m)
		return -1;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; m->slot && i < OIDC_ACCOUNT_MEMO_PROBE; i++) {
		const struct memo_slot *s = &m->slot[(home + i) % OIDC_ACCOUNT_MEMO_SLOTS];

		if (s->used && strcmp(s->name, name) == 0) {
			if (memo_fresh(s, now)) {
				r = s->found ? 1 : 0;
				*uid_out = s->uid;
			}
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

void oidc_account_memo_put(struct oidc_account_memo *m, const char *name,
			   int64_t now, bool found, uid_t uid)
{
	size_t home = memo_home(name), len = strlen(name);
	struct memo_slot *victim = NULL;

	if (!m || len > OIDC_USERNAME_MAX)
		return;
	pthread_mutex_lock(&m->lock);
	if (!m->slot)
		m->slot = calloc(OIDC_ACCOUNT_MEMO_SLOTS, sizeof(*m->slot));
	for (size_t i = 0; m->slot && i < OIDC_ACCOUNT_MEMO_PROBE; i++) {
		struct memo_slot *s = &m->slot[(home + i) % OIDC_ACCOUNT_MEMO_SLOTS];

		if (!s->used || strcmp(s->name, name) == 0) {
			victim = s;
			break;
		}
		/* else the oldest of the probed slots makes room */
		if (!victim || s->at < victim->at)
			victim = s;
	}
	if (victim) {
		victim->used = true;
		victim->found = found;
		victim->uid = uid;
		victim->at = now;
		memcpy(victim->name, name, len + 1);
	}
	pthread_mutex_unlock(&m->lock);
}
