/* SPDX-License-Identifier: MIT */
/*
 * keymeta.c - the provider metadata of one issuer at run time (OIDC
 * Discovery, or the configuration when it names everything), for
 * introspection, userinfo and the device flow; the key refresh adopts the
 * same metadata when it needs the jwks_uri (keysource.c). Callers borrow
 * the published version, so a newer document never changes it: it is
 * replaced and the old one kept until the source is cleared.
 *
 * Concurrency as for the keys (keyflight.c): one discovery at a time per
 * issuer among threads, and among processes sharing cache_dir (its lock
 * file); a caller never waits longer than http_timeout.
 */
#include <stdlib.h>
#include <string.h>

#include "discovery.h"

static void ks_meta_free(struct oidc_provider_meta **m)
{
	if (!*m)
		return;
	oidc_provider_meta_clear(*m);
	free(*m);
	*m = NULL;
}

void oidc_ks_meta_drop_all(struct oidc_keysource *src)
{
	ks_meta_free(&src->meta);
	for (size_t i = 0; i < src->n_retired; i++)
		ks_meta_free(&src->retired[i]);
	free(src->retired);
	src->retired = NULL;
	src->n_retired = 0;
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
 * Take a newer metadata document (src->lock held). oidc_keysource_meta
 * hands out borrowed pointers, so a published version is never changed:
 * a newer one replaces the pointer and the old one is retired (kept until
 * the source is cleared): a long-lived host follows a provider that moves
 * its endpoints without a restart. Retiring happens only when something
 * changed, so memory grows only with real changes. Returns the jwks_uri.
 */
const char *oidc_ks_adopt_meta(struct oidc_keysource *src,
				 struct oidc_provider_meta *m)
{
	struct oidc_provider_meta **r, *nm;

	if (src->meta && !ks_meta_differs(src->meta, m))
		return src->meta->jwks_uri;
	nm = malloc(sizeof(*nm));
	if (!nm)
		return m->jwks_uri;   /* keep the old one; retry later */
	if (src->meta) {
		r = realloc(src->retired, (src->n_retired + 1) * sizeof(*r));
		if (!r) {
			free(nm);
			return m->jwks_uri;
		}
		src->retired = r;
		src->retired[src->n_retired++] = src->meta;
	}
	*nm = *m;
	memset(m, 0, sizeof(*m));
	src->meta = nm;
	return nm->jwks_uri;
}

/* Metadata from the configuration alone (no discovery wanted; no I/O, so
 * under src->lock). */
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
	(void)oidc_ks_adopt_meta(src, &copy);
	oidc_provider_meta_clear(&copy);
	return OIDC_OK;
}

/*
 * Discovery for oidc_keysource_meta, in the refreshing thread: a fresh disk
 * entry, else the request under the cache_dir lock (a process that waited
 * for it reads the holder's entry first). *disc filled on OIDC_OK.
 */
static enum oidc_status ks_meta_slow(struct oidc_keysource *src,
				     const struct oidc_flight_call *call,
				     const struct oidc_http_opts *http,
				     struct oidc_provider_meta *disc,
				     struct oidc_error *err)
{
	struct oidc_http_opts opts;
	enum oidc_flight_lock lock;
	enum oidc_status st;
	bool disk = false;
	int lock_fd = -1;

	st = oidc_ks_disk_ready(src->ic, &disk, err);
	if (st == OIDC_OK && disk)
		st = oidc_discovery_load(src, call->now, NULL, true, false, disk,
					 disc, err);
	if (st != OIDC_OK || disc->issuer)
		return st;
	if (disk) {
		lock = oidc_flight_lock_disk(src, call, &lock_fd);
		if (lock == OIDC_FLIGHT_LOCK_BUSY)
			return oidc_err(err, OIDC_E_IDP_UNREACHABLE,
					"another process has been fetching the "
					"metadata of issuer %s for http_timeout",
					src->ic->name);
		if (lock == OIDC_FLIGHT_LOCK_AFTER_WAIT)
			st = oidc_discovery_load(src, call->now, NULL, true, false,
						 disk, disc, err);
	}
	if (st == OIDC_OK && !disc->issuer)
		st = oidc_flight_http(call, http, &opts, err);
	if (st == OIDC_OK && !disc->issuer)
		st = oidc_discovery_load(src, call->now, &opts, true, true, disk,
					 disc, err);
	oidc_cache_unlock(&lock_fd);
	return st;
}

enum oidc_status oidc_keysource_meta(struct oidc_keysource *src, int64_t now,
				     const struct oidc_http_opts *http,
				     const struct oidc_provider_meta **meta_out,
				     struct oidc_error *err)
{
	struct oidc_provider_meta disc = { 0 };
	struct oidc_flight_call call;
	struct oidc_http_opts own;
	struct oidc_error mine = { 0 };
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
	if (src->meta && (!oidc_ks_wants_discovery(src->ic) ||
			  oidc_ks_age(now, src->meta_checked_at) < src->ic->cache_ttl_min))
		goto done;
	if (!oidc_ks_wants_discovery(src->ic)) {
		st = ks_meta_from_config(src);
		if (st != OIDC_OK)
			oidc_err(err, st, "metadata");
		goto done;
	}
	oidc_flight_call_init(&call, http, now, &src->meta_rec);
	switch (oidc_flight_next(src, &src->meta_rec, &call)) {
	case OIDC_FLIGHT_SHARED:
	case OIDC_FLIGHT_TIMEOUT:
		/* the last good metadata, else why the refresh failed */
		if (!src->meta)
			st = src->meta_rec.seq != call.seen || src->meta_rec.status ?
				oidc_flight_failure(&src->meta_rec, err) :
				oidc_err(err, OIDC_E_IDP_UNREACHABLE,
					 "another thread has been fetching the "
					 "metadata of issuer %s for http_timeout",
					 src->ic->name);
		break;
	case OIDC_FLIGHT_MINE:
	default:
		pthread_mutex_unlock(&src->lock);
		st = ks_meta_slow(src, &call, http, &disc, &mine);
		pthread_mutex_lock(&src->lock);
		src->meta_checked_at = now;
		if (st == OIDC_OK)
			(void)oidc_ks_adopt_meta(src, &disc);
		oidc_flight_end(src, &src->meta_rec, &call, st, &mine);
		/* the last good metadata serves while the provider is away */
		if (st != OIDC_OK && st != OIDC_E_NOMEM && src->meta)
			st = OIDC_OK;
		else if (err)
			*err = mine;
		break;
	}
done:
	if (st == OIDC_OK && !src->meta)
		st = oidc_err(err, OIDC_E_NOMEM, "metadata");
	if (st == OIDC_OK)
		*meta_out = src->meta;
	pthread_mutex_unlock(&src->lock);
	oidc_provider_meta_clear(&disc);
	return st;
}
