/* SPDX-License-Identifier: MIT */
/*
 * keysource.h - where an issuer's verification keys come from at run time:
 * a configured JWKS file, or the identity provider (OIDC discovery, then
 * jwks_uri) through an in-memory copy and a disk cache shared by
 * processes. Internal to common/.
 *
 * Why a disk cache: PAM modules live in short-lived or forked processes
 * (sshd forks per connection, libpam unloads the module at pam_end), so a
 * memory cache alone would cost two HTTPS round trips per login.
 */
#ifndef OIDC_KEYSOURCE_H
#define OIDC_KEYSOURCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"
#include "net.h"

/* Provider metadata we use from the discovery document (or config). */
struct oidc_provider_meta {
	char *issuer;
	char *jwks_uri;
	char *introspection_endpoint;   /* NULL when not published */
	char *userinfo_endpoint;
	char *device_authorization_endpoint;
	char *token_endpoint;
};

/*
 * How the last refresh of one document (keys or metadata) of an issuer
 * ended, for the callers that waited for it (keyflight.c).
 */
struct oidc_flight_rec {
	uint64_t seq;                   /* refreshes ended so far */
	enum oidc_status status;        /* OIDC_OK, or why nothing usable came */
	char detail[OIDC_DETAIL_MAX];   /* its error detail */
	int64_t failed_at;              /* "now" of that failure */
};

/*
 * The run-time state of one issuer, owned by the validation context. The
 * keyset pointer is swapped under the mutex; a caller holds its own
 * reference (oidc_keyset_ref) while verifying, so a refresh never frees a
 * key in use.
 *
 * Threads (keyflight.c): lock guards every member and is never held across
 * I/O. One thread at a time refreshes (flying): it reads and writes the
 * disk and the network without the lock and publishes what it found under
 * it; the others wait on flight_done, bounded by http_timeout, and take its
 * outcome. Only the flying thread writes the members below lock, so it may
 * read them without the lock.
 */
struct oidc_keysource {
	const struct oidc_issuer_cfg *ic;  /* borrowed from the config */
	pthread_mutex_t lock;
	pthread_cond_t flight_done;        /* CLOCK_MONOTONIC; broadcast when
					      a refresh ends */
	bool flying;                       /* a thread of flight_pid refreshes */
	pid_t flight_pid;                  /* process that owns the state above
					      (a fork copies a flag, not the
					      thread that would clear it) */
	struct oidc_flight_rec keys_rec, meta_rec;
	struct oidc_keyset *keys;          /* current set, or NULL */
	struct oidc_provider_meta *meta;   /* from discovery / config, NULL
					      until known; never changed once
					      published (callers borrow it) */
	struct oidc_provider_meta **retired; /* earlier versions of meta, kept
						for borrowed pointers */
	size_t n_retired;
	int64_t meta_checked_at;           /* last discovery look-up (memory) */
	int64_t keys_fetched_at;           /* when the provider served them */
	int64_t keys_expires_at;           /* fetched_at + bounded max-age */
	int64_t last_refetch_try;          /* unknown-kid rate limit (memory) */
	struct oidc_error refresh_failure; /* why the last refresh failed ... */
	int64_t refresh_failed_at;         /* ... and when (0: never) */
	uint64_t generation;               /* bumped on every new key set */
	unsigned fetches;                  /* HTTP requests made (for tests,
					      the CLI and benchmarks) */
};

/*
 * Whether this issuer ever reads or writes ic->cache_dir: it has a
 * cache_dir and discovery or keys from the provider (not only a jwks_file /
 * HMAC secret). For "check-config --as-user", which checks the directory
 * only where a service would use it.
 */
bool oidc_keysource_uses_cache(const struct oidc_issuer_cfg *ic);

/* Initialise for ic (borrowed). A static jwks_file/hmac source needs no
 * network: oidc_keysource_get then returns ic->keys. OIDC_E_NOMEM. */
enum oidc_status oidc_keysource_init(struct oidc_keysource *src,
				     const struct oidc_issuer_cfg *ic);
void oidc_keysource_clear(struct oidc_keysource *src);

/*
 * A reference to the key set to verify with at time now (release with
 * oidc_keyset_unref). In order: the memory copy while fresh; the disk cache
 * entry while fresh (no network); else a fetch (discovery when jwks_uri is
 * not configured, then the JWKS), stored in memory and on disk; if that
 * fails, the last good set (memory or disk) until keys_expires_at +
 * ic->cache_stale_max, then the failure (fail closed): keysource.c lists
 * which status says what.
 * refetch_for_kid: the caller saw an unknown kid in a fresh set; refetch
 * only if no fetch happened for this issuer (memory or disk entry age) in
 * the last ic->jwks_refetch_interval seconds, so a flood of random kids
 * costs at most one request per interval.
 *
 * Concurrency: one refresh at a time per issuer. Threads of one context
 * wait for the refreshing one and take its outcome (a failure too, and for
 * OIDC_FLIGHT_FAIL_HOLD seconds after it); processes sharing cache_dir
 * serialise the network part on its lock file and read what the holder
 * wrote. Nothing here waits longer than ic->http_timeout in all (waiting
 * for others, discovery and JWKS share it); a caller that would have to
 * gets the last good set within its stale window, else
 * OIDC_E_IDP_UNREACHABLE. Other issuers are never blocked.
 */
enum oidc_status oidc_keysource_get(struct oidc_keysource *src, int64_t now,
				    const char *refetch_for_kid,
				    const struct oidc_http_opts *http,
				    struct oidc_keyset **keys_out,
				    struct oidc_error *err);

/*
 * ks is the source's current set and the provider served it at or after
 * since (the context clock: by this process or, through the disk cache,
 * another): after an unknown kid, "the provider does not publish it" rather
 * than "not yet fetched". false for static sources.
 */
bool oidc_keysource_fetched_since(struct oidc_keysource *src,
				  const struct oidc_keyset *ks, int64_t since);

/*
 * Why the keys are stale, for the audit line of a login they still served
 * (design.md 5: stale-if-error within cache_stale_max, reported). When the
 * current set is past its lifetime: a sentence into buf (cap bytes) with
 * how long ago it expired and the last failed refresh of this source or of
 * another process sharing cache_dir (its status name and detail), and that
 * status (OIDC_OK when none is known). Not stale, a static source: buf ""
 * and OIDC_OK. A small disk read when stale, no request.
 */
enum oidc_status oidc_keysource_note(struct oidc_keysource *src, int64_t now,
				     char *buf, size_t cap);

/*
 * The provider metadata (discovery, cached like the keys), for
 * introspection, userinfo and the device flow. Borrowed until the source
 * is cleared; fetched on first use. OIDC_E_IDP_UNREACHABLE, OIDC_E_CONFIG.
 */
enum oidc_status oidc_keysource_meta(struct oidc_keysource *src, int64_t now,
				     const struct oidc_http_opts *http,
				     const struct oidc_provider_meta **meta_out,
				     struct oidc_error *err);

/*
 * HTTP options for requests about ic: ca_file, proxy, http_timeout, and
 * plain http only for a loopback test issuer (http://127.0.0.1, [::1],
 * localhost). Borrows strings from ic.
 */
void oidc_keysource_http_opts(const struct oidc_issuer_cfg *ic,
			      struct oidc_http_opts *out);

/* The key source of the config section issuer_name ("default" for the top
 * level); NULL issuer_name: the only one. NULL when there is no such
 * section, or several and none was named (validate.c). */
struct oidc_ctx;
struct oidc_keysource *oidc_ctx_source(const struct oidc_ctx *ctx, const char *issuer_name);

/* ---- one refresh at a time (keyflight.c) ----------------------------- */

/* Waiters give the refreshing thread this much beyond their own deadline:
 * it may have started just before them and still be writing the entry. */
#define OIDC_FLIGHT_SLACK_MS 500
/* A refresh that left nothing usable is remembered this long (at most
 * jwks_refetch_interval): a burst of logins against a dead provider costs
 * one request and one http_timeout, not one each. */
#define OIDC_FLIGHT_FAIL_HOLD 5

/* One call of oidc_keysource_get / _meta: its clock and its budget. */
struct oidc_flight_call {
	int64_t now;                 /* the context's clock at entry */
	int64_t start_ms;            /* oidc_mono_ms() at entry */
	int64_t deadline_ms;         /* start_ms + http_timeout: everything the
					call does (waiting, lock file, discovery,
					JWKS) ends by then */
	uint64_t seen;               /* rec->seq at entry */
};

enum oidc_flight_step {
	OIDC_FLIGHT_MINE,            /* the caller refreshes (flying is set):
					oidc_flight_end when done */
	OIDC_FLIGHT_SHARED,          /* a refresh ended since the call began,
					or failed within the hold: its outcome
					is the caller's (rec) */
	OIDC_FLIGHT_TIMEOUT,         /* another thread still refreshes at the
					call's deadline */
};

enum oidc_status oidc_flight_init(struct oidc_keysource *src);
void oidc_flight_call_init(struct oidc_flight_call *call,
			   const struct oidc_http_opts *http, int64_t now,
			   const struct oidc_flight_rec *rec);
/* With src->lock held; may wait on flight_done (which releases it). */
enum oidc_flight_step oidc_flight_next(struct oidc_keysource *src,
				       struct oidc_flight_rec *rec,
				       struct oidc_flight_call *call);
/* With src->lock held: record st (detail from e, may be NULL), wake all. */
void oidc_flight_end(struct oidc_keysource *src, struct oidc_flight_rec *rec,
		     const struct oidc_flight_call *call, enum oidc_status st,
		     const struct oidc_error *e);
/* rec's failure into err (returns the status). */
enum oidc_status oidc_flight_failure(const struct oidc_flight_rec *rec,
				     struct oidc_error *err);
/*
 * http for one request of the call: its total timeout cut to what is left
 * of the call's budget. OIDC_E_IDP_UNREACHABLE when nothing is left.
 */
enum oidc_status oidc_flight_http(const struct oidc_flight_call *call,
				  const struct oidc_http_opts *http,
				  struct oidc_http_opts *out,
				  struct oidc_error *err);
/* Milliseconds left of the call's budget (<= 0: none). */
int64_t oidc_flight_left_ms(const struct oidc_flight_call *call);

enum oidc_flight_lock {
	OIDC_FLIGHT_LOCK_FREE,       /* go ahead (*fd_out >= 0: ours; -1: the
					lock file is unusable, or its holder is
					stuck: without it) */
	OIDC_FLIGHT_LOCK_AFTER_WAIT, /* ours after another process held it:
					read what it wrote before fetching */
	OIDC_FLIGHT_LOCK_BUSY,       /* another process still holds it at the
					call's deadline */
};
/*
 * The cache_dir lock of src's issuer around the network part of a refresh
 * (oidc_cache_lock), waiting at most what is left of the call's budget. A
 * holder that has kept it for longer than a whole refresh may take is
 * stuck (stopped, frozen) and not waited for. Release with
 * oidc_cache_unlock(fd_out).
 */
enum oidc_flight_lock oidc_flight_lock_disk(const struct oidc_keysource *src,
					    const struct oidc_flight_call *call,
					    int *fd_out);

/* Key set reference counting (jwks.c). unref frees at zero; NULL-safe. */
struct oidc_keyset *oidc_keyset_ref(struct oidc_keyset *ks);
void oidc_keyset_unref(struct oidc_keyset **ks);

#endif /* OIDC_KEYSOURCE_H */
