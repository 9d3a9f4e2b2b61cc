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
 * OIDC_E_IDP_UNREACHABLE when no answer came (transport, TLS, timeout,
 * oversize body, an HTTP status other than 200), OIDC_E_KEYS_UNAVAILABLE
 * when the answer is refused (discovery for another issuer or with a
 * non-https jwks_uri, not JSON, a JWKS refused by jwks.c), OIDC_E_CONFIG
 * for a cache_dir others can write (fail closed, never memory only).
 *
 * Locking: src->lock is held across a refresh, HTTP included, on purpose:
 * concurrent callers of one issuer then cause one request, not one each;
 * they wait at most http_timeout (twice with discovery). Callers that find
 * fresh keys in memory take the lock only for a pointer copy.
 */
#include <string.h>

#include "discovery.h"

/* ---- which source --------------------------------------------------------- */

static bool ks_is_static(const struct oidc_issuer_cfg *ic)
{
	if (ic->jwks_file)
		return true;
	if (ic->jwks_uri || ic->discovery_url)
		return false;
	return ic->hmac_secret_file != NULL;
}

/* Discovery runs when asked for, or when nothing else names the keys. */
static bool ks_wants_discovery(const struct oidc_issuer_cfg *ic)
{
	if (ic->discovery_url)
		return true;
	return !ic->jwks_uri && !ks_is_static(ic);
}

enum oidc_status oidc_keysource_init(struct oidc_keysource *src,
				     const struct oidc_issuer_cfg *ic)
{
	memset(src, 0, sizeof(*src));
	if (pthread_mutex_init(&src->lock, NULL) != 0)
		return OIDC_E_NOMEM;
	src->ic = ic;
	return OIDC_OK;
}

void oidc_keysource_clear(struct oidc_keysource *src)
{
	if (!src || !src->ic)
		return;
	pthread_mutex_destroy(&src->lock);
	oidc_keyset_unref(&src->keys);
	oidc_provider_meta_clear(&src->meta);
	for (size_t i = 0; i < src->n_retired; i++)
		oidc_provider_meta_clear(&src->retired[i]);
	free(src->retired);
	memset(src, 0, sizeof(*src));
}

/* ---- helpers -------------------------------------------------------------- */

/* Seconds from t to now; 0 when t is in the future, never overflows. */
static int64_t ks_age(int64_t now, int64_t t)
{
	if (t >= now)
		return 0;
	if (t < 0 && now > INT64_MAX + t)
		return INT64_MAX;
	return now - t;
}

static bool ks_has_kid(const struct oidc_keyset *ks, const char *kid)
{
	for (size_t i = 0; ks && i < ks->count; i++)
		if (ks->keys[i]->kid && strcmp(ks->keys[i]->kid, kid) == 0)
			return true;
	return false;
}

/* Take ownership of ks as the current set (keys the provider stopped
 * publishing are gone with the old set: design.md 5). */
static void ks_install(struct oidc_keysource *src, struct oidc_keyset *ks,
		       int64_t fetched_at, int64_t expires_at)
{
	oidc_keyset_unref(&src->keys);
	src->keys = ks;
	src->keys_fetched_at = fetched_at;
	src->keys_expires_at = expires_at;
	src->generation++;
}

static bool ks_str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static bool ks_meta_differs(const struct oidc_provider_meta *a,
			    const struct oidc_provider_meta *b)
{
	return ks_str_differs(a->jwks_uri, b->jwks_uri) ||
	       ks_str_differs(a->introspection_endpoint, b->introspection_endpoint) ||
	       ks_str_differs(a->userinfo_endpoint, b->userinfo_endpoint) ||
	       ks_str_differs(a->device_authorization_endpoint,
			      b->device_authorization_endpoint) ||
	       ks_str_differs(a->token_endpoint, b->token_endpoint);
}

/*
 * Take a newer metadata document. oidc_keysource_meta hands out borrowed
 * pointers, so a replaced version is retired (kept until the source is
 * cleared), never freed: a long-lived host follows a provider that moves
 * its endpoints without a restart. Retiring happens only when something
 * changed, so memory grows only with real changes. Returns the jwks_uri.
 */
static const char *ks_adopt_meta(struct oidc_keysource *src,
				 struct oidc_provider_meta *m)
{
	struct oidc_provider_meta *r;

	if (src->have_meta && !ks_meta_differs(&src->meta, m))
		return src->meta.jwks_uri;
	if (src->have_meta) {
		r = realloc(src->retired, (src->n_retired + 1) * sizeof(*r));
		if (!r)
			return m->jwks_uri;   /* keep the old one; retry later */
		src->retired = r;
		src->retired[src->n_retired++] = src->meta;
	}
	src->meta = *m;
	memset(m, 0, sizeof(*m));
	src->have_meta = true;
	return src->meta.jwks_uri;
}

/* Where the keys come from, without a request when anything is known. */
static enum oidc_status ks_jwks_url(struct oidc_keysource *src, int64_t now,
				    const struct oidc_http_opts *http,
				    bool want_fresh, bool disk,
				    struct oidc_provider_meta *disc,
				    const char **url_out,
				    struct oidc_error *err)
{
	enum oidc_status st;

	if (src->ic->jwks_uri) {
		*url_out = src->ic->jwks_uri;
		return OIDC_OK;
	}
	oidc_provider_meta_clear(disc);
	st = oidc_discovery_load(src, now, http, want_fresh, disk, disc, err);
	if (st != OIDC_OK)
		return st;
	*url_out = ks_adopt_meta(src, disc);
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

/* When some process last tried a refresh and failed (0: never). */
static int64_t ks_disk_last_try(struct oidc_keysource *src, int64_t now)
{
	struct oidc_ks_entry e = { 0 };
	int64_t t = 0;

	if (oidc_ks_entry_read(src->ic, OIDC_KS_KIND_JWKS_TRY, "", now, &e,
			       NULL) == OIDC_OK && e.present)
		t = e.fetched_at;
	oidc_ks_entry_clear(&e);
	return t;
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
		st = oidc_err(err, OIDC_E_IDP_UNREACHABLE, "JWKS: HTTP %ld from %.120s",
			      resp.status, url);
		goto out;
	}
	/* A8/F1: a refused set is a failed refresh; the last good one stays. */
	st = oidc_keyset_from_jwks((const char *)resp.body, resp.body_len, &ks,
				   &jerr);
	if (st != OIDC_OK) {
		st = oidc_err(err, st == OIDC_E_NOMEM ? st : OIDC_E_KEYS_UNAVAILABLE,
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
 * Discovery (when jwks_uri is not configured), then the JWKS. Without a
 * disk cache the metadata has no recorded age: it is fetched again with
 * keys that expired, and reused for an unknown-kid refetch.
 */
static enum oidc_status ks_refresh(struct oidc_keysource *src, int64_t now,
				   const struct oidc_http_opts *http,
				   bool for_kid, bool disk,
				   struct oidc_provider_meta *disc,
				   struct oidc_error *err)
{
	const char *url = NULL;
	enum oidc_status st;

	st = ks_jwks_url(src, now, http, disk || !for_kid, disk, disc, &url, err);
	if (st != OIDC_OK)
		return st;
	return ks_fetch_jwks(src, now, http, url, disk, err);
}

static enum oidc_status ks_get_locked(struct oidc_keysource *src, int64_t now,
				      const char *kid,
				      const struct oidc_http_opts *http,
				      struct oidc_keyset **keys_out,
				      struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_provider_meta disc = { 0 };
	const char *url = NULL;
	int64_t last_try, stale_end;
	bool disk = false, fresh;
	enum oidc_status st;

	/* Long-lived hosts: a fresh memory copy costs no I/O at all, nor
	 * does an unknown kid within the interval of this source's last
	 * fetch or try (A8: a kid flood stays in memory). */
	if (src->keys && now < src->keys_expires_at &&
	    (!kid || ks_has_kid(src->keys, kid) ||
	     ks_age(now, src->keys_fetched_at > src->last_refetch_try ?
				 src->keys_fetched_at : src->last_refetch_try) <
		     ic->jwks_refetch_interval))
		goto serve;
	st = oidc_ks_disk_ready(ic, &disk, err);
	if (st != OIDC_OK)
		goto out;
	/* The PAM case: what another process fetched, with no request. */
	if (disk) {
		st = ks_jwks_url(src, now, http, false, disk, &disc, &url, err);
		if (st == OIDC_OK)
			st = ks_disk_adopt(src, now, url, err);
		if (st != OIDC_OK)
			goto out;
	}
	fresh = src->keys && now < src->keys_expires_at;
	if (fresh && (!kid || ks_has_kid(src->keys, kid)))
		goto serve;
	/* The newest attempt, by this source or (disk marker) another
	 * process; newer than the keys means it failed. */
	last_try = src->last_refetch_try;
	if (disk && src->keys) {
		int64_t t = ks_disk_last_try(src, now);
		last_try = t > last_try ? t : last_try;
	}
	stale_end = oidc_ks_add(src->keys_expires_at, ic->cache_stale_max);
	/* A8: one refetch per interval per issuer, however many kids. */
	if (fresh && ks_age(now, src->keys_fetched_at > last_try ?
				       src->keys_fetched_at : last_try) <
			     ic->jwks_refetch_interval)
		goto serve;
	/* Provider failing, last good keys still usable: retry once per
	 * interval, not on every login (each could wait http_timeout). */
	if (!fresh && src->keys && now < stale_end &&
	    last_try > src->keys_fetched_at &&
	    ks_age(now, last_try) < ic->jwks_refetch_interval)
		goto serve;
	src->last_refetch_try = now;
	st = ks_refresh(src, now, http, fresh, disk, &disc, err);
	if (st == OIDC_OK)
		goto serve;
	if (disk && st != OIDC_E_NOMEM)
		(void)oidc_ks_entry_write(ic, OIDC_KS_KIND_JWKS_TRY, "", now, now,
					  "", 0, NULL);
	/* Stale-if-error within cache_stale_max, then fail closed. */
	if (st != OIDC_E_NOMEM && src->keys && now < stale_end)
		goto serve;
	goto out;
serve:
	*keys_out = oidc_keyset_ref(src->keys);
	st = OIDC_OK;
out:
	oidc_provider_meta_clear(&disc);
	return st;
}

/* ---- interface ------------------------------------------------------------ */

enum oidc_status oidc_keysource_get(struct oidc_keysource *src, int64_t now,
				    const char *refetch_for_kid,
				    const struct oidc_http_opts *http,
				    struct oidc_keyset **keys_out,
				    struct oidc_error *err)
{
	struct oidc_http_opts own;
	enum oidc_status st;

	if (!src || !src->ic || !keys_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no key source");
	if (ks_is_static(src->ic)) {
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
	st = ks_get_locked(src, now, refetch_for_kid, http, keys_out, err);
	pthread_mutex_unlock(&src->lock);
	return st;
}

/* Metadata from the configuration alone (no discovery wanted). */
static enum oidc_status ks_meta_from_config(struct oidc_keysource *src)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	const struct oidc_provider_meta m = {
		.issuer = ic->issuer,
		.jwks_uri = ic->jwks_uri,
		.introspection_endpoint = ic->introspection_endpoint,
		.userinfo_endpoint = ic->userinfo_endpoint,
		.device_authorization_endpoint = ic->device_authorization_endpoint,
		.token_endpoint = ic->token_endpoint,
	};
	struct oidc_provider_meta copy;

	if (oidc_provider_meta_copy(&m, &copy) != OIDC_OK)
		return OIDC_E_NOMEM;
	(void)ks_adopt_meta(src, &copy);
	return OIDC_OK;
}

enum oidc_status oidc_keysource_meta(struct oidc_keysource *src, int64_t now,
				     const struct oidc_http_opts *http,
				     const struct oidc_provider_meta **meta_out,
				     struct oidc_error *err)
{
	struct oidc_provider_meta disc = { 0 };
	struct oidc_http_opts own;
	bool disk = false;
	enum oidc_status st = OIDC_OK;

	if (!src || !src->ic || !meta_out)
		return oidc_err(err, OIDC_E_INTERNAL, "no key source");
	if (!http) {
		oidc_keysource_http_opts(src->ic, &own);
		http = &own;
	}
	pthread_mutex_lock(&src->lock);
	/* Known metadata is looked at again once per cache_ttl_min: a
	 * long-lived host follows moved endpoints (usually a disk read). */
	if (src->have_meta && (!ks_wants_discovery(src->ic) ||
			       ks_age(now, src->meta_checked_at) < src->ic->cache_ttl_min))
		goto done;
	if (!ks_wants_discovery(src->ic)) {
		st = ks_meta_from_config(src);
		if (st != OIDC_OK)
			oidc_err(err, st, "metadata");
		goto done;
	}
	st = oidc_ks_disk_ready(src->ic, &disk, err);
	if (st == OIDC_OK)
		st = oidc_discovery_load(src, now, http, true, disk, &disc, err);
	src->meta_checked_at = now;
	if (st == OIDC_OK) {
		(void)ks_adopt_meta(src, &disc);
	} else if (src->have_meta && st != OIDC_E_NOMEM) {
		/* the last good metadata serves while the provider is away */
		st = OIDC_OK;
		if (err) {
			err->status = OIDC_OK;
			err->detail[0] = '\0';
		}
	}
done:
	pthread_mutex_unlock(&src->lock);
	oidc_provider_meta_clear(&disc);
	if (st == OIDC_OK)
		*meta_out = &src->meta;
	return st;
}
