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
 * The run-time state of one issuer, owned by the validation context. The
 * keyset pointer is swapped under the mutex; a caller holds its own
 * reference (oidc_keyset_ref) while verifying, so a refresh never frees a
 * key in use.
 */
struct oidc_keysource {
	const struct oidc_issuer_cfg *ic;  /* borrowed from the config */
	pthread_mutex_t lock;
	struct oidc_keyset *keys;          /* current set, or NULL */
	struct oidc_provider_meta meta;    /* from discovery / config */
	bool have_meta;
	struct oidc_provider_meta *retired; /* earlier versions of meta, kept
					       for borrowed pointers */
	size_t n_retired;
	int64_t meta_checked_at;           /* last discovery look-up (memory) */
	int64_t keys_fetched_at;           /* when the provider served them */
	int64_t keys_expires_at;           /* fetched_at + bounded max-age */
	int64_t last_refetch_try;          /* unknown-kid rate limit (memory) */
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
 * ic->cache_stale_max, then OIDC_E_IDP_UNREACHABLE (fail closed).
 * refetch_for_kid: the caller saw an unknown kid in a fresh set; refetch
 * only if no fetch happened for this issuer (memory or disk entry age) in
 * the last ic->jwks_refetch_interval seconds, so a flood of random kids
 * costs at most one request per interval.
 */
enum oidc_status oidc_keysource_get(struct oidc_keysource *src, int64_t now,
				    const char *refetch_for_kid,
				    const struct oidc_http_opts *http,
				    struct oidc_keyset **keys_out,
				    struct oidc_error *err);

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

/* Key set reference counting (jwks.c). unref frees at zero; NULL-safe. */
struct oidc_keyset *oidc_keyset_ref(struct oidc_keyset *ks);
void oidc_keyset_unref(struct oidc_keyset **ks);

#endif /* OIDC_KEYSOURCE_H */
