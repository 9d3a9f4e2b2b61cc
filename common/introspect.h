/* SPDX-License-Identifier: MIT */
/*
 * introspect.h - tokens only the provider can check (internal to common/):
 * RFC 7662 token introspection, Google's tokeninfo and the OIDC userinfo
 * endpoint, with a bounded in-memory result cache keyed by SHA-256 (never
 * the token itself).
 *
 * These calls get the provider's answer and judge only what makes it an
 * answer at all. What it says about the token (iss, aud or accept_clients,
 * exp, scope, client_id, token_type, cnf, the user name) is the claims
 * policy's, the same code as for a JWT's claims (claims.c, binding.c,
 * identity.c; issue 13), run by the caller on every use, cache hits too.
 *
 * Status mapping:
 *   no answer (DNS, connect, timeout), HTTP 5xx, 429, 1xx
 *                                  -> OIDC_E_IDP_UNREACHABLE (never cached)
 *   what http.c refuses in an answer: a certificate, a redirect, an
 *   oversize body -> OIDC_E_TLS_UNTRUSTED, OIDC_E_IDP_HTTP_ERROR,
 *   OIDC_E_IDP_BAD_DOCUMENT; a 200 whose body is not one JSON object
 *   (also a signed application/jwt answer: not supported)
 *                                  -> OIDC_E_IDP_BAD_DOCUMENT (never cached)
 *   other HTTP 4xx (introspection: 401 = the endpoint refused our
 *   client_id/client_secret; 404 = wrong endpoint URL)
 *                                  -> OIDC_E_CONFIG (never cached)
 *   inactive token: introspection "active" not the JSON literal true
 *   (false, "true", 1, absent), tokeninfo HTTP 400 or 401, userinfo
 *   HTTP 401                       -> OIDC_E_TOKEN_INACTIVE
 *   userinfo HTTP 403              -> OIDC_E_INSUFFICIENT_SCOPE
 *   userinfo without a string sub  -> OIDC_E_MISSING_CLAIM / OIDC_E_BAD_CLAIM;
 *   sub != expected_sub            -> OIDC_E_USER_MISMATCH
 */
#ifndef OIDC_INTROSPECT_H
#define OIDC_INTROSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "net.h"

#define OIDC_INTROSPECT_CACHE_ENTRIES_DEFAULT 4096
#define OIDC_INTROSPECT_TTL_DEFAULT 60        /* seconds, positive answers */
#define OIDC_INTROSPECT_NEG_TTL_DEFAULT 5     /* seconds, "active": false */

enum oidc_client_auth {
	OIDC_CLIENT_AUTH_BASIC = 0,     /* client_secret_basic (RFC 6749 2.3.1) */
	OIDC_CLIENT_AUTH_POST = 1,      /* client_secret_post */
};

/*
 * The result cache: a fixed table of entries (bounded memory), one mutex,
 * shared by threads. An entry holds SHA-256(kind, endpoint, client_id,
 * token), the provider's JSON answer (an immutable oidc_jshared: a hit
 * takes a reference, so threads read one answer while another thread's
 * eviction drops the cache's reference) and an expiry; every hit re-runs the
 * checks with the caller's "now", so exp is re-checked on every use.
 * Positive entries live min(ttl, exp - now) (never past exp); an
 * "active": false answer lives neg_ttl (0: not cached); failures (transport,
 * non-200, bad JSON) are never cached. A hit hands out the caller's own
 * copy of the answer (the cached one never leaves the mutex), so results
 * are safe to use and free in any thread.
 */
struct oidc_introspect_cache;

/* entries 0: default; ttl <= 0: nothing positive is cached. NULL on ENOMEM. */
struct oidc_introspect_cache *oidc_introspect_cache_new(size_t entries,
							int64_t ttl,
							int64_t neg_ttl);
void oidc_introspect_cache_free(struct oidc_introspect_cache **cache);
/* Drop every entry (key rotation of the client, "cache clear"). */
void oidc_introspect_cache_flush(struct oidc_introspect_cache *cache);
/* HTTP requests made through this cache's owner (tests, bench, CLI). */
unsigned long oidc_introspect_cache_misses(struct oidc_introspect_cache *cache);

struct oidc_introspect_req {
	const char *endpoint;            /* https URL (required) */
	const char *client_id;           /* required */
	const char *client_secret;       /* required; owned and wiped by the
					    caller */
	enum oidc_client_auth auth;
	const struct oidc_http_opts *http;
	struct oidc_introspect_cache *cache;        /* NULL: no caching */
};

/* An introspection or tokeninfo answer. */
struct oidc_introspect_result {
	struct oidc_jshared *claims; /* the answer (one reference; immutable,
				    shared with the cache and other threads) */
	int64_t exp;             /* 0 when the answer has no usable exp */
	const char *reason;      /* static: "ok", "token_inactive", "error"
				    (tests) */
	bool from_cache;
};

/*
 * RFC 7662 section 2.1: POST token=<escaped>&token_type_hint=access_token to
 * req->endpoint with client authentication; the answer must be one JSON
 * object with "active": true. token is len bytes (not necessarily
 * NUL-terminated); visible ASCII only (else OIDC_E_MALFORMED), at most
 * OIDC_TOKEN_MAX_LIMIT (else OIDC_E_TOO_LARGE). A positive answer is cached
 * min(ttl, exp - now) (an exp that is not a number: not cached), "active":
 * false neg_ttl. On every return out->reason is set; the other members
 * only on OIDC_OK (clear them with oidc_introspect_result_clear). out must
 * start zeroed.
 */
enum oidc_status oidc_introspect(const struct oidc_introspect_req *req,
				 const char *token, size_t len, int64_t now,
				 struct oidc_introspect_result *out,
				 struct oidc_error *err);
void oidc_introspect_result_clear(struct oidc_introspect_result *res);

struct oidc_tokeninfo_req {
	const char *endpoint;            /* https URL (required) */
	const struct oidc_http_opts *http;
	struct oidc_introspect_cache *cache;        /* NULL: no caching */
};

/*
 * Google's tokeninfo: POST access_token=<escaped> (in the body, never in
 * the URL; no client authentication) to req->endpoint; HTTP 200 and one
 * JSON object, which carries aud and azp (the client the token was issued
 * to), scope, exp (a decimal string), sub, email. HTTP 400/401: the token
 * is not valid (OIDC_E_TOKEN_INACTIVE, not cached). Cached as above (exp
 * read as oidc_claims_date reads a tokeninfo answer). Results as for
 * oidc_introspect.
 */
enum oidc_status oidc_tokeninfo(const struct oidc_tokeninfo_req *req,
				const char *token, size_t len, int64_t now,
				struct oidc_introspect_result *out,
				struct oidc_error *err);

struct oidc_userinfo_req {
	const char *endpoint;            /* https URL (required) */
	const char *expected_sub;        /* NULL, or the sub of the validated
					    JWT or answer (OIDC Core 5.3.2) */
	int64_t token_exp;               /* 0: unknown; else the cache entry
					    never outlives it */
	const struct oidc_http_opts *http;
	struct oidc_introspect_cache *cache;        /* NULL: no caching */
};

struct oidc_userinfo_result {
	struct oidc_jshared *claims; /* the userinfo object (one reference,
				    as above) */
	char *sub;               /* malloc'd */
	const char *reason;
	bool from_cache;
};

/*
 * GET req->endpoint with "Authorization: Bearer <token>" (never in the URL):
 * HTTP 200 and one JSON object with a string "sub" (OIDC Core 5.3.2).
 * 401 is an inactive token (OIDC_E_TOKEN_INACTIVE), 403
 * OIDC_E_INSUFFICIENT_SCOPE; other statuses as at the top of this file.
 * Positive answers are cached like introspection (no exp in the answer:
 * min(ttl, token_exp - now) when token_exp is known).
 */
enum oidc_status oidc_userinfo(const struct oidc_userinfo_req *req,
			       const char *token, size_t len, int64_t now,
			       struct oidc_userinfo_result *out,
			       struct oidc_error *err);
void oidc_userinfo_result_clear(struct oidc_userinfo_result *res);

#endif /* OIDC_INTROSPECT_H */
