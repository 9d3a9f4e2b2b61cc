/* SPDX-License-Identifier: MIT */
/*
 * net.h - HTTP transport and the shared disk cache of the core (internal;
 * adapters never include it). Used by discovery, JWKS refresh,
 * introspection, userinfo and the device flow.
 */
#ifndef OIDC_NET_H
#define OIDC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oidc.h"

#define OIDC_HTTP_BODY_MAX 262144       /* discovery, JWKS, introspection */
#define OIDC_HTTP_TIMEOUT_MS_DEFAULT 5000
#define OIDC_HTTP_CONNECT_MS_DEFAULT 2000

/* ---- http.c ------------------------------------------------------------- */

struct oidc_http_opts {
	const char *ca_file;        /* PEM bundle; NULL: system store */
	const char *proxy;          /* NULL: no proxy at all (environment
				       proxies are ignored, on purpose) */
	long connect_timeout_ms;    /* 0: OIDC_HTTP_CONNECT_MS_DEFAULT */
	long total_timeout_ms;      /* 0: OIDC_HTTP_TIMEOUT_MS_DEFAULT */
	size_t max_body;            /* 0: OIDC_HTTP_BODY_MAX */
	bool allow_loopback_http;   /* tests only: http:// to 127.0.0.1, [::1]
				       or localhost; never set from a token */
};

struct oidc_http_response {
	long status;                /* HTTP status code */
	unsigned char *body;        /* owned, NUL-terminated */
	size_t body_len;
	int64_t max_age;            /* Cache-Control max-age in seconds;
				       -1 when absent, 0 for no-store/no-cache */
	char content_type[128];     /* media type, lower case, no parameters */
};

/*
 * GET url. bearer, when non-NULL, goes in "Authorization: Bearer" (never in
 * the URL). HTTPS only, also for redirects (at most 3); TLS peer and host
 * verification always on. Redirects are followed only without bearer: with
 * one, a 3xx answer is OIDC_E_IDP_HTTP_ERROR (credentials are never re-sent
 * on a redirect). The body is capped at max_body while reading (the
 * Content-Length may lie). No answer (DNS, connect, timeout, a broken TLS
 * handshake or transfer): OIDC_E_IDP_UNREACHABLE. An answer that is a
 * mistake to fix: OIDC_E_TLS_UNTRUSTED (a certificate refused, ca_file
 * unusable), OIDC_E_IDP_HTTP_ERROR (a URL that is not https, too many
 * redirects or one to http), OIDC_E_IDP_BAD_DOCUMENT (oversize body). The
 * detail says which. Any other HTTP status is OIDC_OK with out->status set
 * (the caller judges it, with oidc_http_status_refused). OIDC_E_NOMEM.
 */
enum oidc_status oidc_http_get(const struct oidc_http_opts *opts,
			       const char *url, const char *bearer,
			       struct oidc_http_response *out,
			       struct oidc_error *err);

/*
 * POST an application/x-www-form-urlencoded body (already encoded by the
 * caller with oidc_http_form_escape). When basic_user is non-NULL, HTTP
 * Basic client authentication (RFC 6749 2.3.1: both parts form-escaped
 * before base64). Same rules and statuses as oidc_http_get; a POST never
 * follows a redirect (a 3xx answer is OIDC_E_IDP_HTTP_ERROR).
 */
enum oidc_status oidc_http_post_form(const struct oidc_http_opts *opts,
				     const char *url, const char *form_body,
				     const char *basic_user,
				     const char *basic_pass,
				     struct oidc_http_response *out,
				     struct oidc_error *err);

/*
 * The status for an HTTP answer other than the one the caller wanted from
 * url (what: "discovery", "JWKS"...), with a detail naming both: 5xx, 429
 * and 408 are the provider's trouble now (OIDC_E_IDP_UNREACHABLE: a retry
 * may work); anything else (4xx, a 3xx left) says the URL is wrong
 * (OIDC_E_IDP_HTTP_ERROR: waiting does not help).
 */
enum oidc_status oidc_http_status_refused(const char *what, long status,
					  const char *url, struct oidc_error *err);

/* application/x-www-form-urlencoded escaping; malloc'd or NULL. */
char *oidc_http_form_escape(const char *s);

/*
 * Append "name=value" (value form-escaped, '&' before it unless body is
 * empty) to the malloc'd body, which is consumed and wiped (it may hold
 * secrets). NULL when out of memory or when body was NULL, so calls chain
 * and one NULL check at the end suffices.
 */
char *oidc_http_form_add(char *body, const char *name, const char *value);

void oidc_http_response_clear(struct oidc_http_response *resp);

/* ---- cache.c ------------------------------------------------------------ */

/*
 * Make sure dir is a usable cache directory: created (0700) when missing and
 * create is true; refused (OIDC_E_CACHE_DIR) when it is not a directory, is a
 * symlink, is owned by another user than root or the effective uid, is
 * writable by group or others, or a parent is not searchable. Every error
 * of this file about the directory is OIDC_E_CACHE_DIR (OIDC_E_NOMEM aside),
 * its detail naming the directory and why.
 */
enum oidc_status oidc_cache_dir_check(const char *dir, bool create,
				      struct oidc_error *err);

/*
 * Read the entry "name" ([a-z0-9_.-], no slash) of dir into a malloc'd
 * NUL-terminated buffer of at most max bytes. An absent entry is not an
 * error: OIDC_OK with *data_out set to NULL. Entries owned by another user or
 * writable by others are ignored (treated as absent). Never sees a torn file:
 * writers rename complete files into place.
 */
enum oidc_status oidc_cache_read(const char *dir, const char *name,
				 size_t max, unsigned char **data_out,
				 size_t *len_out, struct oidc_error *err);

/*
 * Write the entry atomically: a private temporary file in dir (O_EXCL,
 * 0600), all bytes written and fsync'd, then rename() over the old entry.
 * Concurrent writers are safe: the last rename wins, readers see one whole
 * version.
 */
enum oidc_status oidc_cache_write(const char *dir, const char *name,
				  const void *data, size_t len,
				  struct oidc_error *err);

/* Remove every entry of dir that this module wrote. */
enum oidc_status oidc_cache_clear(const char *dir, struct oidc_error *err);

/* Entry name for (issuer, kind): "<kind>-<first 32 hex of SHA-256(issuer)>". */
void oidc_cache_name(const char *issuer, const char *kind, char out[64]);

/*
 * The lock that makes concurrent processes refresh entry "name" of dir once:
 * an flock on dir/.lock-<name> (created 0600, O_NOFOLLOW; never removed, the
 * leading dot keeps it out of "cache show" and "cache clear"). The kernel
 * drops an flock when its holder dies, so a crashed process never blocks
 * the others; the holder stamps the file's mtime, and a lock held for more
 * than stuck_ms (longer than any refresh may take: a stopped or frozen
 * holder) is not waited for. Waits at most wait_ms. OIDC_OK with
 * *fd_out >= 0: held (give it back with oidc_cache_unlock); OIDC_OK with
 * *fd_out == -1: another process holds it, still after wait_ms, or
 * (*stuck_out) for longer than stuck_ms. *waited_out: the first try found
 * it held. A lock file we cannot trust (another owner, writable by others,
 * not a regular file) or cannot create: OIDC_E_CONFIG / OIDC_E_INTERNAL,
 * and the caller goes on without it.
 */
enum oidc_status oidc_cache_lock(const char *dir, const char *name,
				 int64_t wait_ms, int64_t stuck_ms, int *fd_out,
				 bool *waited_out, bool *stuck_out,
				 struct oidc_error *err);
/* Release and close (NULL-safe, *fd = -1 afterwards). */
void oidc_cache_unlock(int *fd);

/*
 * flock(fd, LOCK_EX), polled until wait_ms passed (the caller's deadline,
 * never an unbounded sleep in a host). 0, or -1 with errno (EWOULDBLOCK: still
 * held by someone else). *waited_out (may be NULL): the first try failed.
 */
int oidc_flock_wait(int fd, int64_t wait_ms, bool *waited_out);

/* CLOCK_MONOTONIC in milliseconds: deadlines that a wall-clock step cannot
 * stretch or cut. */
int64_t oidc_mono_ms(void);

#endif /* OIDC_NET_H */
