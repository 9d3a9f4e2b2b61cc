/* SPDX-License-Identifier: MIT */
/*
 * discovery.h - helpers shared by keysource.c and discovery.c (internal to
 * those two files): URL policy, HTTP options and cache lifetimes taken from
 * an issuer's configuration, the disk cache envelope, and OIDC discovery.
 */
#ifndef OIDC_DISCOVERY_H
#define OIDC_DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "keysource.h"

/* Entries written more than this far in the future of "now" are ignored:
 * a clock that jumped back must not pin keys or silence refreshes. */
#define OIDC_KS_CLOCK_SKEW_MAX 300
/* An envelope holds one escaped body (worst case \u00XX per byte). */
#define OIDC_KS_ENTRY_MAX (6 * (size_t)OIDC_HTTP_BODY_MAX + 4096)
#define OIDC_KS_URL_MAX 2048
#define OIDC_KS_TIMEOUT_MAX 600 /* seconds; http_timeout beyond is clamped */

/* Cache entry kinds (oidc_cache_name). */
#define OIDC_KS_KIND_DISCOVERY "discovery"
#define OIDC_KS_KIND_JWKS "jwks"
#define OIDC_KS_KIND_JWKS_TRY "jwks_try"   /* last failed refresh attempt */
#define OIDC_KS_KIND_FETCH_LOCK "fetch"     /* lock file name of a refresh */

/* true for http://127.0.0.1, http://[::1], http://localhost (+ port/path). */
bool oidc_ks_is_loopback_http(const char *url);
/* A URL keys may come from: https, or loopback http when the issuer itself
 * is loopback http (test configurations). */
bool oidc_ks_url_allowed(const struct oidc_issuer_cfg *ic, const char *url);
/* fetched_at + clamp(max_age, or cache_ttl_min when absent (-1), to
 * [cache_ttl_min, cache_ttl_max]); saturating. */
int64_t oidc_ks_expiry(const struct oidc_issuer_cfg *ic, int64_t fetched_at,
		       int64_t max_age);
/* a + b, saturating at INT64_MAX; a negative b counts as 0. */
int64_t oidc_ks_add(int64_t a, int64_t b);
/* Seconds from t to now; 0 when t is in the future, never overflows. */
int64_t oidc_ks_age(int64_t now, int64_t t);

/* Keys from ic->keys (jwks_file, or only an HMAC secret), no network. */
bool oidc_ks_is_static(const struct oidc_issuer_cfg *ic);
/* Discovery runs when asked for, or when nothing else names the keys. */
bool oidc_ks_wants_discovery(const struct oidc_issuer_cfg *ic);

/* Publish m (consumed when adopted) as src->meta unless it equals the
 * current one; src->lock held. Returns the jwks_uri to use (keymeta.c). */
const char *oidc_ks_adopt_meta(struct oidc_keysource *src,
			       struct oidc_provider_meta *m);
/* Free every published version (oidc_keysource_clear). */
void oidc_ks_meta_drop_all(struct oidc_keysource *src);

/*
 * The disk cache envelope: {"v":1,"issuer":..,"url":..,"fetched_at":N,
 * "expires_at":N,"body":"<document text>"}.
 */
struct oidc_ks_entry {
	bool present;          /* false: absent or ignored */
	struct oidc_jdoc_owned env; /* the envelope */
	const char *body;      /* borrowed from env */
	size_t body_len;
	int64_t fetched_at;
	int64_t expires_at;    /* re-clamped to the current TTL bounds */
};

/*
 * Make sure ic->cache_dir is usable (created 0700 when missing). *use_out
 * is false when no cache_dir is configured (memory only). A directory
 * others can write, or one this process cannot reach, is OIDC_E_CACHE_DIR:
 * fail closed, never fall back.
 */
enum oidc_status oidc_ks_disk_ready(const struct oidc_issuer_cfg *ic,
				    bool *use_out, struct oidc_error *err);
/*
 * Read entry kind of ic->issuer fetched from url. Absent, malformed, for
 * another issuer or url, or from the future: OIDC_OK with e->present false.
 * Cache errors (permissions, memory) are returned.
 */
enum oidc_status oidc_ks_entry_read(const struct oidc_issuer_cfg *ic,
				    const char *kind, const char *url,
				    int64_t now, struct oidc_ks_entry *e,
				    struct oidc_error *err);
/* Write it atomically (oidc_cache_write). */
enum oidc_status oidc_ks_entry_write(const struct oidc_issuer_cfg *ic,
				     const char *kind, const char *url,
				     int64_t fetched_at, int64_t expires_at,
				     const char *body, size_t body_len,
				     struct oidc_error *err);
void oidc_ks_entry_clear(struct oidc_ks_entry *e);

/* Deep copy / free of provider metadata. */
enum oidc_status oidc_provider_meta_copy(const struct oidc_provider_meta *src,
					 struct oidc_provider_meta *dst);
void oidc_provider_meta_clear(struct oidc_provider_meta *m);

/* The discovery URL: discovery_url, or the issuer (one trailing '/'
 * dropped, OIDC Discovery 4) + "/.well-known/openid-configuration".
 * A {tenantid} template without discovery_url is OIDC_E_CONFIG. */
enum oidc_status oidc_discovery_url(const struct oidc_issuer_cfg *ic,
				    char **url_out, struct oidc_error *err);

/*
 * The provider metadata from discovery, into *out (owned by the caller):
 * the disk entry when fresh, or at any age when want_fresh is false; else,
 * when want_fresh is false, a copy of src->meta if the source has one;
 * else, when may_fetch is false, nothing (OIDC_OK, out->issuer NULL); else
 * a request (counted in src->fetches) whose document, once valid, is
 * written to disk. If the request fails: the disk entry while inside its
 * cache_stale_max window, else a copy of src->meta, else the failure:
 * OIDC_E_IDP_UNREACHABLE (no answer, 5xx), OIDC_E_IDP_HTTP_ERROR (4xx),
 * OIDC_E_TLS_UNTRUSTED, OIDC_E_ISSUER_MISMATCH (a document for another
 * issuer), OIDC_E_IDP_BAD_DOCUMENT (not JSON, a jwks_uri that is not
 * https), OIDC_E_CONFIG (no URL for a template issuer), OIDC_E_NOMEM.
 * Called by the source's refreshing thread (keyflight.c), without
 * src->lock. Configured introspection_endpoint, userinfo_endpoint and
 * jwks_uri override the document's.
 */
enum oidc_status oidc_discovery_load(struct oidc_keysource *src, int64_t now,
				     const struct oidc_http_opts *http,
				     bool want_fresh, bool may_fetch, bool disk,
				     struct oidc_provider_meta *out,
				     struct oidc_error *err);

#endif /* OIDC_DISCOVERY_H */
