/* SPDX-License-Identifier: MIT */
/*
 * keysource.c - the verification keys of one issuer at run time: a
 * configured JWKS file or HMAC secret, or the provider's jwks_uri (found by
 * discovery.c) through a memory copy and the disk cache that short-lived
 * processes share (design.md 5, checklist A8, F1).
 *
 * Which source: static (ic->keys, loaded by the configuration) when
 * jwks_file is set, or when only an HMAC secret is set and neither jwks_uri
 * nor discovery_url is; otherwise the network, and then only the keys the
 * provider publishes verify (a configured HMAC secret is not merged in).
 *
 * Failures, once no last good set is left (stale window over, or cold):
 * OIDC_E_IDP_UNREACHABLE when no answer came (DNS, connect, timeout, a
 * broken handshake, HTTP 5xx/429); when the answer shows a mistake to fix,
 * OIDC_E_IDP_HTTP_ERROR (4xx, a redirect not followed),
 * OIDC_E_TLS_UNTRUSTED (a certificate refused), OIDC_E_ISSUER_MISMATCH
 * (discovery for another issuer), OIDC_E_IDP_BAD_DOCUMENT (not JSON, a
 * non-https jwks_uri, a JWKS refused by jwks.c, an oversize body);
 * OIDC_E_CACHE_DIR for a cache_dir this process cannot use or others can
 * write (fail closed, never memory only). While the last good set serves,
 * oidc_keysource_note says why it is stale.
 *
 * Concurrency: callers that find fresh keys in memory take src->lock only
 * for a pointer copy. Anything else is a refresh, one at a time: among the
 * threads of the context by keyflight.c (the others wait and share its
 * outcome), among processes sharing cache_dir by its lock file around the
 * network part (the others wait and read what the holder wrote to disk).
 * The refreshing thread works without src->lock and publishes under it.
 * One call never takes longer than http_timeout in all.
 */
#include <string.h>

#include "discovery.h"

/* ---- which source --------------------------------------------------------- */

bool oidc_ks_is_static(const struct oidc_issuer_cfg *ic)
{
	if (ic->jwks_file)
		return true;
	if (ic->jwks_uri || ic->discovery_url)
		return false;
	return ic->hmac_secret_file != NULL;
}

bool oidc_ks_wants_discovery(const struct oidc_issuer_cfg *ic)
{
	if (ic->discovery_url)
		return true;
	return !ic->jwks_uri && !oidc_ks_is_static(ic);
}

bool oidc_keysource_uses_cache(const struct oidc_issuer_cfg *ic)
{
	return ic->cache_dir && *ic->cache_dir &&
	       (oidc_ks_wants_discovery(ic) || !oidc_ks_is_static(ic));
}

enum oidc_status oidc_keysource_init(struct oidc_keysource *src,
				     const struct oidc_issuer_cfg *ic)
{
	memset(src, 0, sizeof(*src));
	if (pthread_mutex_init(&src->lock, NULL) != 0)
		return OIDC_E_NOMEM;
	if (oidc_flight_init(src) != OIDC_OK) {
		pthread_mutex_destroy(&src->lock);
		return OIDC_E_NOMEM;
	}
	src->ic = ic;
	return OIDC_OK;
}

void oidc_keysource_clear(struct oidc_keysource *src)
{
	if (!src || !src->ic)
		return;
	pthread_cond_destroy(&src->flight_done);
	pthread_mutex_destroy(&src->lock);
	oidc_keyset_unref(&src->keys);
	oidc_ks_meta_drop_all(src);
	memset(src, 0, sizeof(*src));
}

/* ---- helpers -------------------------------------------------------------- */

static bool ks_has_kid(const struct oidc_keyset *ks, const char *kid)
{
	for (size_t i = 0; ks && i < ks->count; i++)
		if (ks->keys[i]->kid && strcmp(ks->keys[i]->kid, kid) == 0)
			return true;
	return false;
}

/* Take ownership of ks as the current set (keys the provider stopped
 * publishing are gone with the old set: design.md 5). By the refreshing
 * thread, without src->lock: the old set is freed outside it. */
static void ks_install(struct oidc_keysource *src, struct oidc_keyset *ks,
		       int64_t fetched_at, int64_t expires_at)
{
	struct oidc_keyset *old;

	pthread_mutex_lock(&src->lock);
	old = src->keys;
	src->keys = ks;
	src->keys_fetched_at = fetched_at;
	src->keys_expires_at = expires_at;
	src->generation++;
	pthread_mutex_unlock(&src->lock);
	oidc_keyset_unref(&old);
}

static void ks_set_time(struct oidc_keysource *src, int64_t *field, int64_t t)
{
	pthread_mutex_lock(&src->lock);
	*field = t;
	pthread_mutex_unlock(&src->lock);
}

/*
 * Where the keys come from (the refreshing thread). may_fetch false: only
 * what is known without a request (the disk entry at any age, or the
 * metadata in memory); *url_out NULL when that is nothing. The URL stays
 * valid until the source is cleared (or, on allocation failure, until disc
 * is cleared).
 */
static enum oidc_status ks_jwks_url(struct oidc_keysource *src, int64_t now,
				    const struct oidc_http_opts *http,
				    bool want_fresh, bool may_fetch, bool disk,
				    struct oidc_provider_meta *disc,
				    const char **url_out,
				    struct oidc_error *err)
{
	enum oidc_status st;

	*url_out = NULL;
	if (src->ic->jwks_uri) {
		*url_out = src->ic->jwks_uri;
		return OIDC_OK;
	}
	oidc_provider_meta_clear(disc);
	st = oidc_discovery_load(src, now, http, want_fresh, may_fetch, disk,
				 disc, err);
	if (st != OIDC_OK || !disc->issuer)
		return st;
	pthread_mutex_lock(&src->lock);
	*url_out = oidc_ks_adopt_meta(src, disc);
	pthread_mutex_unlock(&src->lock);
	return OIDC_OK;
}

/* ---- disk ----------------------------------------------------------------- */

/* Adopt the disk entry when another process fetched a newer set. */
static enum oidc_status ks_disk_adopt(struct oidc_keysource *src, int64_t now,
				      const char *url, struct oidc_error *err)
{
	struct oidc_ks_entry e = { 0 };
	struct oidc_keyset *ks = NULL;
	enum oidc_status st;

	st = oidc_ks_entry_read(src->ic, OIDC_KS_KIND_JWKS, url, now, &e, err);
	if (st != OIDC_OK || !e.present)
		goto out;
	if (src->keys && e.fetched_at <= src->keys_fetched_at)
		goto out;
	/* Parsed again under today's rules; a refused body is ignored. */
	st = oidc_keyset_from_jwks(e.body, e.body_len, &ks, NULL);
	if (st == OIDC_OK)
		ks_install(src, ks, e.fetched_at, e.expires_at);
	st = st == OIDC_E_NOMEM ? oidc_err(err, st, "key set") : OIDC_OK;
out:
	oidc_ks_entry_clear(&e);
	return st;
}

/*
 * The marker of the last failed refresh by any process sharing cache_dir:
 * when (0: none) and why, its body "STATUS_NAME DETAIL". The status travels
 * by name (numbers are not stable across versions); anything unexpected
 * reads as idp_unreachable. why_out and detail may be NULL.
 */
static int64_t ks_disk_last_try(struct oidc_keysource *src, int64_t now,
				enum oidc_status *why_out, char *detail, size_t cap)
{
	static const enum oidc_status known[] = {
		OIDC_E_KEYS_UNAVAILABLE, OIDC_E_CONFIG, OIDC_E_IDP_HTTP_ERROR,
		OIDC_E_IDP_BAD_DOCUMENT, OIDC_E_ISSUER_MISMATCH, OIDC_E_TLS_UNTRUSTED,
	};
	struct oidc_ks_entry e = { 0 };
	int64_t t = 0;

	if (why_out)
		*why_out = OIDC_E_IDP_UNREACHABLE;
	if (detail && cap)
		detail[0] = '\0';
	if (oidc_ks_entry_read(src->ic, OIDC_KS_KIND_JWKS_TRY, "", now, &e,
			       NULL) == OIDC_OK && e.present) {
		size_t n = strcspn(e.body, " ");

		t = e.fetched_at;
		for (size_t i = 0; why_out && i < sizeof(known) / sizeof(*known); i++)
			if (strlen(oidc_status_name(known[i])) == n &&
			    strncmp(e.body, oidc_status_name(known[i]), n) == 0)
				*why_out = known[i];
		/* written by this code, but a file: escaped like any detail */
		if (detail && cap && e.body[n])
			oidc_sanitize(detail, cap, e.body + n + 1, e.body_len - n - 1);
	}
	oidc_ks_entry_clear(&e);
	return t;
}

/* The marker of a refresh that failed with err (keysource.h: read back by
 * processes that waited for it, and for the stale note). */
static void ks_disk_mark_failure(const struct oidc_issuer_cfg *ic, int64_t now,
				 const struct oidc_error *err)
{
	char body[sizeof(err->detail) + 64];
	int n = snprintf(body, sizeof(body), "%s %s", oidc_status_name(err->status),
			 err->detail);

	if (n > 0)
		(void)oidc_ks_entry_write(ic, OIDC_KS_KIND_JWKS_TRY, "", now, now, body,
					  (size_t)n < sizeof(body) ? (size_t)n :
					  sizeof(body) - 1, NULL);
}

/* Remember why the last refresh left only the old set (or nothing). */
static void ks_remember_failure(struct oidc_keysource *src, int64_t now,
				const struct oidc_error *err)
{
	pthread_mutex_lock(&src->lock);
	src->refresh_failure = *err;
	src->refresh_failed_at = now;
	pthread_mutex_unlock(&src->lock);
}

bool oidc_keysource_fetched_since(struct oidc_keysource *src,
				  const struct oidc_keyset *ks, int64_t since)
{
	bool r;

	if (!src || !src->ic || oidc_ks_is_static(src->ic))
		return false;
	pthread_mutex_lock(&src->lock);
	r = ks && src->keys == ks && src->keys_fetched_at >= since;
	pthread_mutex_unlock(&src->lock);
	return r;
}

enum oidc_status oidc_keysource_note(struct oidc_keysource *src, int64_t now,
				     char *buf, size_t cap)
{
	struct oidc_error why = { OIDC_OK, "" };
	enum oidc_status st = OIDC_OK;
	int64_t expired_at, fetched_at, failed_at;
	bool stale, disk = false;

	if (!cap)
		return OIDC_OK;
	buf[0] = '\0';
	if (!src || !src->ic || oidc_ks_is_static(src->ic))
		return OIDC_OK;
	pthread_mutex_lock(&src->lock);
	stale = src->keys && now >= src->keys_expires_at;
	expired_at = src->keys_expires_at;
	fetched_at = src->keys_fetched_at;
	failed_at = src->refresh_failed_at;
	if (stale && failed_at > fetched_at)
		why = src->refresh_failure;
	pthread_mutex_unlock(&src->lock);
	if (!stale)
		return OIDC_OK;
	/* another process may have been the one that tried */
	if (why.status == OIDC_OK && oidc_ks_disk_ready(src->ic, &disk, NULL) == OIDC_OK &&
	    disk && ks_disk_last_try(src, now, &st, why.detail, sizeof(why.detail)) >
			    fetched_at)
		why.status = st;
	snprintf(buf, cap, "keys expired %llds ago and still served (cache_stale_max); "
		 "last refresh: %s%s%s", (long long)oidc_ks_age(now, expired_at),
		 why.status != OIDC_OK ? oidc_status_name(why.status) : "not tried yet",
		 why.detail[0] ? ": " : "", why.detail);
	return why.status;
}

/* ---- refresh -------------------------------------------------------------- */

static enum oidc_status ks_fetch_jwks(struct oidc_keysource *src, int64_t now,
				      const struct oidc_http_opts *http,
				      const char *url, bool disk,
				      struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_http_response resp = { 0 };
	struct oidc_keyset *ks = NULL;
	struct oidc_error jerr;
	int64_t expires;
	enum oidc_status st;

	src->fetches++;
	st = oidc_http_get(http, url, NULL, &resp, err);
	if (st != OIDC_OK)
		goto out;
	if (resp.status != 200) {
		st = oidc_http_status_refused("JWKS", resp.status, url, err);
		goto out;
	}
	/* A8/F1: a refused set is a failed refresh; the last good one stays. */
	st = oidc_keyset_from_jwks((const char *)resp.body, resp.body_len, &ks,
				   &jerr);
	if (st != OIDC_OK) {
		st = oidc_err(err, st == OIDC_E_NOMEM ? st : OIDC_E_IDP_BAD_DOCUMENT,
			      "JWKS from %.120s refused: %s", url, jerr.detail);
		goto out;
	}
	expires = oidc_ks_expiry(ic, now, resp.max_age);
	/* Best effort: a failed write costs a request later, nothing else. */
	if (disk)
		(void)oidc_ks_entry_write(ic, OIDC_KS_KIND_JWKS, url, now, expires,
					  (const char *)resp.body,
					  resp.body_len, NULL);
	ks_install(src, ks, now, expires);
out:
	oidc_http_response_clear(&resp);
	return st;
}

/*
 * Discovery (when jwks_uri is not configured), then the JWKS, each request
 * with what is left of the call's budget. Without a disk cache the
 * metadata has no recorded age: it is fetched again with keys that
 * expired, and reused for an unknown-kid refetch.
 */
static enum oidc_status ks_refresh(struct oidc_keysource *src,
				   const struct oidc_flight_call *call,
				   const struct oidc_http_opts *http,
				   bool for_kid, bool disk,
				   struct oidc_provider_meta *disc,
				   struct oidc_error *err)
{
	struct oidc_http_opts opts;
	const char *url = NULL;
	enum oidc_status st;

	st = oidc_flight_http(call, http, &opts, err);
	if (st == OIDC_OK)
		st = ks_jwks_url(src, call->now, &opts, disk || !for_kid, true, disk,
				 disc, &url, err);
	if (st == OIDC_OK && !url)
		st = oidc_err(err, OIDC_E_INTERNAL, "no jwks_uri");
	if (st == OIDC_OK)
		st = oidc_flight_http(call, http, &opts, err);
	if (st != OIDC_OK)
		return st;
	return ks_fetch_jwks(src, call->now, &opts, url, disk, err);
}

/* ---- when the keys we have will do ----------------------------------------- */

/*
 * Long-lived hosts: a fresh memory copy costs no I/O at all, nor does an
 * unknown kid within the interval of this source's last fetch or try (A8:
 * a kid flood stays in memory), unless that try is still running: a token
 * of a key the provider just rotated in waits for the refetch it may be
 * in, instead of being refused by the old set. src->lock held.
 */
static bool ks_memory_serves(const struct oidc_keysource *src, int64_t now,
			     const char *kid)
{
	const struct oidc_issuer_cfg *ic = src->ic;

	return src->keys && now < src->keys_expires_at &&
	       (!kid || ks_has_kid(src->keys, kid) ||
		(!src->flying &&
		 oidc_ks_age(now, src->keys_fetched_at > src->last_refetch_try ?
				     src->keys_fetched_at : src->last_refetch_try) <
			 ic->jwks_refetch_interval));
}

/*
 * After the disk was looked at (the refreshing thread): may the current set
 * serve without a request? The newest attempt, by this source or (disk
 * marker) another process, counts; newer than the keys means it failed.
 */
static bool ks_set_serves(struct oidc_keysource *src, int64_t now,
			  const char *kid, bool disk)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	bool fresh = src->keys && now < src->keys_expires_at;
	int64_t last_try = src->last_refetch_try, stale_end;

	if (fresh && (!kid || ks_has_kid(src->keys, kid)))
		return true;
	if (disk && src->keys) {
		int64_t t = ks_disk_last_try(src, now, NULL, NULL, 0);
		last_try = t > last_try ? t : last_try;
	}
	stale_end = oidc_ks_add(src->keys_expires_at, ic->cache_stale_max);
	/* A8: one refetch per interval per issuer, however many kids. */
	if (fresh && oidc_ks_age(now, src->keys_fetched_at > last_try ?
				       src->keys_fetched_at : last_try) <
			     ic->jwks_refetch_interval)
		return true;
	/* Provider failing, last good keys still usable: retry once per
	 * interval, not on every login (each could wait http_timeout). */
	return !fresh && src->keys && now < stale_end &&
	       last_try > src->keys_fetched_at &&
	       oidc_ks_age(now, last_try) < ic->jwks_refetch_interval;
}

/* Stale-if-error within cache_stale_max (design.md 5), else st. */
static enum oidc_status ks_stale_or(const struct oidc_keysource *src,
				    int64_t now, enum oidc_status st)
{
	if (st != OIDC_E_NOMEM && src->keys &&
	    now < oidc_ks_add(src->keys_expires_at, src->ic->cache_stale_max))
		return OIDC_OK;
	return st;
}

/* What other processes fetched: the keys on disk, no request. */
static enum oidc_status ks_look_disk(struct oidc_keysource *src, int64_t now,
				     struct oidc_provider_meta *disc,
				     struct oidc_error *err)
{
	const char *url = NULL;
	enum oidc_status st;

	st = ks_jwks_url(src, now, NULL, false, false, true, disc, &url, err);
	if (st != OIDC_OK || !url)
		return st;
	return ks_disk_adopt(src, now, url, err);
}

/* ---- the refresh ----------------------------------------------------------- */

/*
 * Everything the memory copy could not answer, in the refreshing thread
 * (src->lock not held): the disk, then one request per document, under the
 * cache_dir lock so that processes starting together make one. A process
 * that had to wait for that lock reads what the holder wrote instead of
 * fetching; when the holder failed just now (its marker is as new as this
 * call), that failure is the answer. OIDC_OK: src->keys serves.
 */
static enum oidc_status ks_get_slow(struct oidc_keysource *src,
				    const struct oidc_flight_call *call,
				    const char *kid,
				    const struct oidc_http_opts *http,
				    struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_provider_meta disc = { 0 };
	enum oidc_status st, why;
	enum oidc_flight_lock lock;
	char detail[OIDC_DETAIL_MAX];
	int64_t now = call->now;
	bool disk = false, fresh;
	int lock_fd = -1;

	st = oidc_ks_disk_ready(ic, &disk, err);
	if (st != OIDC_OK)
		goto out;
	/* The PAM case: what another process fetched, with no request. */
	if (disk) {
		st = ks_look_disk(src, now, &disc, err);
		if (st != OIDC_OK)
			goto out;
	}
	if (ks_set_serves(src, now, kid, disk))
		goto out;
	if (disk) {
		lock = oidc_flight_lock_disk(src, call, &lock_fd);
		if (lock == OIDC_FLIGHT_LOCK_BUSY) {
			st = ks_stale_or(src, now, oidc_err(err, OIDC_E_IDP_UNREACHABLE,
				"another process has been fetching the keys of "
				"issuer %s for http_timeout", ic->name));
			goto out;
		}
		if (lock == OIDC_FLIGHT_LOCK_AFTER_WAIT) {
			st = ks_look_disk(src, now, &disc, err);
			if (st != OIDC_OK || ks_set_serves(src, now, kid, disk))
				goto out;
			if (ks_disk_last_try(src, now, &why, detail, sizeof(detail)) >= now) {
				st = ks_stale_or(src, now, oidc_err(err, why,
					"another process failed to fetch the "
					"keys of issuer %s just now: %s", ic->name,
					detail));
				goto out;
			}
		}
	}
	fresh = src->keys && now < src->keys_expires_at;
	ks_set_time(src, &src->last_refetch_try, now);
	st = ks_refresh(src, call, http, fresh, disk, &disc, err);
	if (st == OIDC_OK)
		goto out;
	if (st != OIDC_E_NOMEM) {
		struct oidc_error failed = { st, "" };

		if (err && err->status == st)
			failed = *err;
		ks_remember_failure(src, now, &failed);
		if (disk)
			ks_disk_mark_failure(ic, now, &failed);
	}
	/* Stale-if-error within cache_stale_max, then fail closed. */
	st = ks_stale_or(src, now, st);
out:
	oidc_cache_unlock(&lock_fd);
	oidc_provider_meta_clear(&disc);
	return st;
}

/* ---- interface ------------------------------------------------------------ */

/* The set a finished refresh left (src->lock held). */
static enum oidc_status ks_serve(struct oidc_keysource *src,
				 struct oidc_keyset **keys_out,
				 struct oidc_error *err)
{
	if (!src->keys)
		return oidc_err(err, OIDC_E_INTERNAL, "no key set after a refresh");
	*keys_out = oidc_keyset_ref(src->keys);
	return OIDC_OK;
}

enum oidc_status oidc_keysource_get(struct oidc_keysource *src, int64_t now,
				    const char *refetch_for_kid,
				    const struct oidc_http_opts *http,
				    struct oidc_keyset **keys_out,
				    struct oidc_error *err)
{
	struct oidc_flight_call call;
	struct oidc_http_opts own;
	struct oidc_error mine = { 0 };
	enum oidc_status st;

	if (!src || !src->ic || !keys_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no key source");
	if (oidc_ks_is_static(src->ic)) {
		if (!src->ic->keys)
			return oidc_err(err, OIDC_E_CONFIG,
					"issuer %s: keys not loaded (config not finished)",
					src->ic->name);
		*keys_out = oidc_keyset_ref(src->ic->keys);
		return OIDC_OK;
	}
	if (!http) {
		oidc_keysource_http_opts(src->ic, &own);
		http = &own;
	}
	pthread_mutex_lock(&src->lock);
	if (ks_memory_serves(src, now, refetch_for_kid)) {
		*keys_out = oidc_keyset_ref(src->keys);
		pthread_mutex_unlock(&src->lock);
		return OIDC_OK;
	}
	oidc_flight_call_init(&call, http, now, &src->keys_rec);
	switch (oidc_flight_next(src, &src->keys_rec, &call)) {
	case OIDC_FLIGHT_SHARED:
		/* what the refresh we waited for left, or its failure */
		st = src->keys_rec.status == OIDC_OK ? ks_serve(src, keys_out, err) :
			oidc_flight_failure(&src->keys_rec, err);
		break;
	case OIDC_FLIGHT_TIMEOUT:
		st = ks_stale_or(src, now, oidc_err(err, OIDC_E_IDP_UNREACHABLE,
			"another thread has been refreshing the keys of issuer %s "
			"for http_timeout", src->ic->name));
		if (st == OIDC_OK)
			st = ks_serve(src, keys_out, err);
		break;
	case OIDC_FLIGHT_MINE:
	default:
		pthread_mutex_unlock(&src->lock);
		st = ks_get_slow(src, &call, refetch_for_kid, http, &mine);
		pthread_mutex_lock(&src->lock);
		oidc_flight_end(src, &src->keys_rec, &call, st, &mine);
		if (st == OIDC_OK)
			st = ks_serve(src, keys_out, &mine);
		if (err)
			*err = mine;
		break;
	}
	pthread_mutex_unlock(&src->lock);
	return st;
}
