/* SPDX-License-Identifier: MIT */
/*
 * oidc.h - the public interface of the oidc-auth token-validation core.
 *
 * The only header the adapters (pam_oidc, sasl_xoauth2) and the CLI include.
 * The core never logs, prints, exits, forks or changes process-wide state.
 * It is synchronous and re-entrant: a context may be used from several
 * threads at once once oidc_ctx_new() returned (it is read-only after that).
 *
 * Conventions:
 *  - every fallible function returns an enum oidc_status and, when the
 *    optional struct oidc_error pointer is non-NULL, fills it with the same
 *    status and a short sanitised detail string meant for logs only;
 *  - output parameters end in _out and are written only on success;
 *  - every _free(T **p) accepts NULL and *p == NULL, and sets *p = NULL.
 */
#ifndef OIDC_H
#define OIDC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Status codes. The numbers are part of the interface: append only, never
 * renumber. Each has a stable audit token (oidc_status_name) and a sentence
 * for administrators (oidc_status_text), and belongs to one class.
 */
enum oidc_status {
	OIDC_OK = 0,
	/* class DENY: the token is not genuine or not usable here */
	OIDC_E_MALFORMED = 1,          /* malformed_token */
	OIDC_E_TOO_LARGE = 2,          /* token_too_large */
	OIDC_E_ALG_NOT_ALLOWED = 3,    /* alg_not_allowed (incl. none) */
	OIDC_E_UNSUPPORTED_HEADER = 4, /* unsupported_header (crit, zip, cty) */
	OIDC_E_UNKNOWN_KID = 5,        /* unknown_kid */
	OIDC_E_AMBIGUOUS_KEY = 6,      /* ambiguous_key (no kid, >1 key fits) */
	OIDC_E_KEY_MISMATCH = 7,       /* key_alg_mismatch */
	OIDC_E_BAD_SIGNATURE = 8,      /* bad_signature */
	OIDC_E_WRONG_ISSUER = 9,       /* wrong_issuer */
	OIDC_E_TENANT_NOT_ALLOWED = 10, /* tenant_not_allowed */
	OIDC_E_WRONG_AUDIENCE = 11,    /* wrong_audience */
	OIDC_E_GRAPH_AUDIENCE = 12,    /* graph_audience */
	OIDC_E_EXPIRED = 13,           /* token_expired */
	OIDC_E_NOT_YET_VALID = 14,     /* token_not_yet_valid */
	OIDC_E_ISSUED_IN_FUTURE = 15,  /* issued_in_future */
	OIDC_E_MISSING_CLAIM = 16,     /* missing_claim */
	OIDC_E_BAD_CLAIM = 17,         /* bad_claim (wrong type or format) */
	OIDC_E_WRONG_TYP = 18,         /* wrong_typ */
	OIDC_E_WRONG_AZP = 19,         /* wrong_azp */
	OIDC_E_TOKEN_BOUND = 20,       /* token_bound (cnf we cannot check) */
	OIDC_E_NO_USERNAME = 21,       /* no_username */
	OIDC_E_EMAIL_UNVERIFIED = 22,  /* email_unverified */
	OIDC_E_BAD_USERNAME = 23,      /* bad_username */
	OIDC_E_USER_MISMATCH = 24,     /* user_mismatch */
	/* class FORBIDDEN: genuine token, policy says no */
	OIDC_E_INSUFFICIENT_SCOPE = 25, /* insufficient_scope */
	OIDC_E_CLAIM_POLICY = 26,      /* claim_policy (required_claims) */
	/* class UNAVAILABLE: try again later */
	OIDC_E_IDP_UNREACHABLE = 27,   /* idp_unreachable */
	OIDC_E_KEYS_UNAVAILABLE = 28,  /* keys_unavailable */
	/* class BADREQ: malformed client message (SASL wire) */
	OIDC_E_BAD_REQUEST = 29,       /* bad_request */
	/* class INTERNAL: configuration, memory, bugs */
	OIDC_E_CONFIG = 30,            /* config_error */
	OIDC_E_NOMEM = 31,             /* out_of_memory */
	OIDC_E_INTERNAL = 32,          /* internal_error */
	OIDC_E_BAD_KEY = 33,           /* bad_key: a JWK that cannot be used */
	OIDC_E_BAD_KEYSET = 34,        /* bad_keyset: a JWKS that is refused */
	OIDC_E_TOKEN_INACTIVE = 35,    /* token_inactive (DENY): the provider
					  says the token is not active */
	OIDC_E_AUTH_PENDING = 36,      /* authorization_pending (PENDING) */
	OIDC_E_ACCESS_DENIED = 37,     /* access_denied (DENY): the user
					  refused at the provider */
	OIDC_E_DEVICE_EXPIRED = 38,    /* device_code_expired (DENY) */
	OIDC_E_GRANT_REFUSED = 39,     /* grant_refused (DENY): the token
					  endpoint refused the grant */
	OIDC_E_SYSTEM_USER = 40,       /* system_user (DENY): the token maps
					  to root or another system account */
	OIDC_E_ACCOUNT_LOOKUP = 41,    /* account_lookup_failed (UNAVAILABLE):
					  the account database did not answer */
	OIDC_E_CACHE_DIR = 42,         /* cache_dir_unusable (INTERNAL): this
					  process cannot use cache_dir (path
					  not searchable, owner, mode) */
	OIDC_E_TOKEN_TRUNCATED = 43,   /* token_truncated (DENY): refused,
					  and cut at a known client limit */
	OIDC_E_SYMBOL_INTERPOSED = 44, /* symbol_interposed (INTERNAL): a
					  library function the plugin calls is
					  bound to the host's (oidc_guard_check) */
	/* The provider answered, and the answer shows a mistake in the
	 * configuration or at the provider: waiting does not help (class
	 * INTERNAL). Could not reach it at all: OIDC_E_IDP_UNREACHABLE. */
	OIDC_E_IDP_HTTP_ERROR = 45,    /* idp_http_error: an HTTP error
					  status (4xx), a redirect we do not
					  follow, a URL we refuse */
	OIDC_E_IDP_BAD_DOCUMENT = 46,  /* idp_bad_document: 200, but not the
					  document asked for (an HTML page,
					  no jwks_uri, no usable key) */
	OIDC_E_ISSUER_MISMATCH = 47,   /* issuer_mismatch: the metadata names
					  another issuer than ours */
	OIDC_E_TLS_UNTRUSTED = 48,     /* tls_untrusted: a certificate that
					  ca_file (or the system store) does
					  not accept, or for another name */
	/* class DENY, chosen after the signature could not be checked, from
	 * claims that were NOT verified (only ever to explain a refusal) */
	OIDC_E_FOREIGN_ISSUER = 49,    /* foreign_issuer: no key of ours, and
					  the token says another issuer or
					  tenant issued it */
	OIDC_E_KID_NOT_PUBLISHED = 50, /* kid_not_published: the provider's
					  key set lacks the kid, also when
					  fetched again just now */
	/* 45-54: other work in progress (numbers provisional until merged) */
	OIDC_E_NO_AUDIENCE = 51,       /* no_audience (DENY): no aud, and
					  accept_clients does not bind the
					  token by its client either */
	OIDC_E_CLIENT_NOT_ACCEPTED = 52, /* client_not_accepted (DENY): no
					  aud; its client (client_id, azp) is
					  not in accept_clients */
};

enum oidc_status_class {
	OIDC_CLASS_OK = 0,
	OIDC_CLASS_DENY,
	OIDC_CLASS_FORBIDDEN,
	OIDC_CLASS_UNAVAILABLE,
	OIDC_CLASS_BADREQ,
	OIDC_CLASS_INTERNAL,
	OIDC_CLASS_PENDING,   /* no decision yet: poll again (device flow) */
};

/* Stable audit token, e.g. "token_expired". Never NULL ("unknown_status"). */
const char *oidc_status_name(enum oidc_status st);
/* One sentence telling an administrator what happened / what to fix. */
const char *oidc_status_text(enum oidc_status st);
enum oidc_status_class oidc_status_class(enum oidc_status st);
/* "ok", "deny", "forbidden", "unavailable", "badreq", "internal",
 * "pending". */
const char *oidc_class_name(enum oidc_status_class cls);

#define OIDC_DETAIL_MAX 256

/*
 * The escaping of every audit field and error detail, for a value an
 * adapter logs between double quotes: printable ASCII as it is, '"' as \",
 * '\\' as \\, any other byte as \xHH; an escape sequence already in src is
 * kept (escaping twice changes nothing). At most cap - 1 bytes and a NUL,
 * never a cut sequence; src NULL gives "".
 */
void oidc_log_escape(char *dst, size_t cap, const char *src);

/*
 * Caller-owned. detail is NUL-terminated printable ASCII, escaped as
 * oidc_log_escape does, never a token.
 */
struct oidc_error {
	enum oidc_status status;
	char detail[OIDC_DETAIL_MAX];
};

/*
 * Facts about one validation for the adapter's audit line, filled by
 * oidc_validate() as far as they are known, on success and on failure.
 * Strings are escaped (oidc_log_escape) and truncated; claims are copied
 * only after the signature verified.
 */
struct oidc_audit {
	char token_sha256[17];   /* first 16 hex digits of SHA-256(token) */
	char issuer_name[64];    /* config section that handled the token */
	char kid[64];
	char alg[8];
	char iss[128];
	char sub[64];
	char jti[64];
	char user[64];           /* mapped username */
	char note[OIDC_DETAIL_MAX]; /* the server's own side, for any result:
				       keys past their lifetime still serving
				       (stale-if-error) and why the refresh
				       failed; "" when nothing to say. Never
				       from the token. */
};

/* ---------------------------------------------------------------------- */
/* Configuration (see oidc-auth.conf(5) for the key vocabulary)           */

struct oidc_config;

/* New empty configuration with defaults. OIDC_E_NOMEM. */
enum oidc_status oidc_config_new(struct oidc_config **cfg_out,
				 struct oidc_error *err);

/*
 * Read a config file: "key = value" lines, '#' comments, "[issuer NAME]"
 * sections. Keys before the first section are defaults for every section
 * (or, with no section, describe the single issuer). OIDC_E_CONFIG names
 * the file, line and key in err->detail.
 */
enum oidc_status oidc_config_load_file(struct oidc_config *cfg,
				       const char *path,
				       struct oidc_error *err);

/*
 * Set one key, as a PAM "key=value" argument or a SASL option would.
 * section NULL: the top level, which also overrides the key in every
 * section already defined (later sources win). OIDC_E_CONFIG.
 */
enum oidc_status oidc_config_set(struct oidc_config *cfg, const char *section,
				 const char *key, const char *value,
				 struct oidc_error *err);

/*
 * Check the whole configuration (contradictions, required keys) and load
 * what it names (JWKS files, secrets, map files). Must be called once,
 * after the last set; the config is read-only afterwards. OIDC_E_CONFIG.
 */
enum oidc_status oidc_config_finish(struct oidc_config *cfg,
				    struct oidc_error *err);

/*
 * Describe the effective configuration, one call per key and section,
 * secrets redacted. section is NULL for the top level. For the CLI.
 */
typedef void (*oidc_config_visit_fn)(void *arg, const char *section,
				     const char *key, const char *value);
enum oidc_status oidc_config_visit(const struct oidc_config *cfg,
				   oidc_config_visit_fn fn, void *arg);

void oidc_config_free(struct oidc_config **cfg);

/* Name of key i of oidc-auth.conf(5) (0, 1, ...); NULL past the last.
 * For adapters that must look each key up in their host's settings. */
const char *oidc_config_key_name(size_t i);

/* ---------------------------------------------------------------------- */
/* Validation                                                             */

struct oidc_ctx;
struct oidc_result;

/*
 * New validation context. Takes ownership of a finished cfg (also on
 * failure). OIDC_E_CONFIG if cfg is not finished, OIDC_E_NOMEM.
 */
enum oidc_status oidc_ctx_new(struct oidc_ctx **ctx_out,
			      struct oidc_config *cfg,
			      struct oidc_error *err);

/*
 * Replace the wall clock (seconds since the epoch) for tests and the CLI's
 * --now. Call before sharing the context between threads.
 */
typedef int64_t (*oidc_clock_fn)(void *arg);
void oidc_ctx_set_clock(struct oidc_ctx *ctx, oidc_clock_fn fn, void *arg);
/* Current time as the context sees it. */
int64_t oidc_ctx_now(const struct oidc_ctx *ctx);

void oidc_ctx_free(struct oidc_ctx **ctx);

/*
 * Validate a bearer token (JWS compact) of len bytes: structure, signature
 * with the configured keys of the issuer the token names, claims policy,
 * username mapping. When expected_user is non-NULL the mapped username must
 * equal it (OIDC_E_USER_MISMATCH). The user must not be a system account
 * (OIDC_E_SYSTEM_USER; asked of the account database once per successful
 * validation, OIDC_E_ACCOUNT_LOOKUP when it fails). result_out and audit
 * may be NULL.
 * On success *result_out owns the outcome. Any status but OIDC_OK denies.
 */
enum oidc_status oidc_validate(struct oidc_ctx *ctx, const char *token,
			       size_t len, const char *expected_user,
			       struct oidc_result **result_out,
			       struct oidc_audit *audit,
			       struct oidc_error *err);

/* Mapped username. Borrowed, never NULL. */
const char *oidc_result_username(const struct oidc_result *res);
/* Name of the config section ("default" for the top level). Borrowed. */
const char *oidc_result_issuer_name(const struct oidc_result *res);
/*
 * 1 when name, put through the username_map of the section that accepted
 * res, is res's user: a client that asks for the address it signs in with
 * (alice@example.com) where username_map = strip_domain:example.com names
 * alice. 0 otherwise (another user, a name the rules refuse, no such
 * section).
 */
int oidc_result_names_user(const struct oidc_ctx *ctx, const struct oidc_result *res,
			   const char *name);
/*
 * The system-account rule (oidc-auth.conf(5) allow_system_users,
 * min_user_uid) of the section that accepted res, for a name the host will
 * use in place of the token's user (PAM's user under user_case=lower).
 * oidc_validate() has applied it to oidc_result_username() already.
 * OIDC_OK, OIDC_E_SYSTEM_USER, OIDC_E_ACCOUNT_LOOKUP, OIDC_E_INTERNAL.
 */
enum oidc_status oidc_result_check_account(const struct oidc_ctx *ctx,
					   const struct oidc_result *res,
					   const char *name,
					   struct oidc_error *err);
/*
 * Whether res is still within its lifetime at the context's time, by the
 * rule and the leeway of the section that accepted it (RFC 7519 4.1.4, as
 * oidc_validate() judged exp): for a host that acts on a login later, as
 * PAM's account phase does. OIDC_OK (also without exp: only a provider's
 * answer may lack one), OIDC_E_EXPIRED, OIDC_E_BAD_CLAIM, OIDC_E_INTERNAL.
 */
enum oidc_status oidc_result_check_expiry(const struct oidc_ctx *ctx,
					  const struct oidc_result *res,
					  struct oidc_error *err);
/* The JWS algorithm name ("RS256"...). Borrowed. */
const char *oidc_result_alg(const struct oidc_result *res);
/* A string claim of the validated token, NULL when absent or not a string. */
const char *oidc_result_claim_string(const struct oidc_result *res,
				     const char *name);
/* A numeric claim (exp, iat...); 0 on success, -1 when absent/not a number. */
int oidc_result_claim_int(const struct oidc_result *res, const char *name,
			  int64_t *value_out);
/*
 * The verified claim set serialised as compact JSON (malloc'd, caller
 * frees), for the CLI. Never log it.
 */
char *oidc_result_claims_json(const struct oidc_result *res);

void oidc_result_free(struct oidc_result **res);

/* ---------------------------------------------------------------------- */
/* The core as an OAuth client: device flow (RFC 8628), token endpoint    */

/* Tokens from the token endpoint. All strings owned; secrets wiped on free. */
struct oidc_tokens {
	char *access_token;      /* never NULL */
	char *id_token;          /* NULL when not returned */
	char *refresh_token;     /* NULL when not returned */
	char *scope;             /* NULL when not returned */
	int64_t expires_at;      /* absolute (context clock); 0: no expires_in */
};
void oidc_tokens_free(struct oidc_tokens **t);

struct oidc_device_auth;

/*
 * RFC 8628 3.1/3.2: ask the provider of config section issuer_name (NULL:
 * the only section) for a device code. Endpoints from the config or
 * discovery; scope request_scopes (default "openid"), request_resource;
 * client_id (+ client_secret_file when set). Everything a user will see is
 * checked to be printable ASCII. OIDC_E_IDP_UNREACHABLE, OIDC_E_GRANT_REFUSED,
 * OIDC_E_CONFIG, OIDC_E_NOMEM.
 */
enum oidc_status oidc_device_start(struct oidc_ctx *ctx, const char *issuer_name,
				   struct oidc_device_auth **da_out,
				   struct oidc_error *err);
/* Borrowed, never NULL. */
const char *oidc_device_user_code(const struct oidc_device_auth *da);
const char *oidc_device_verification_uri(const struct oidc_device_auth *da);
/* Borrowed; NULL when the provider sent none. */
const char *oidc_device_verification_uri_complete(const struct oidc_device_auth *da);
/* Absolute end: min(expires_in, device_timeout) after the start. */
int64_t oidc_device_expires_at(const struct oidc_device_auth *da);
/* Seconds to wait before the next poll (slow_down already applied). */
int oidc_device_interval(const struct oidc_device_auth *da);
/*
 * One token request (RFC 8628 3.4/3.5); never sleeps. OIDC_OK and
 * *tokens_out; OIDC_E_AUTH_PENDING (poll again after the interval);
 * OIDC_E_ACCESS_DENIED; OIDC_E_DEVICE_EXPIRED (also without a request once
 * the end passed); OIDC_E_IDP_UNREACHABLE; OIDC_E_GRANT_REFUSED.
 */
enum oidc_status oidc_device_poll(struct oidc_ctx *ctx, struct oidc_device_auth *da,
				  struct oidc_tokens **tokens_out,
				  struct oidc_error *err);
void oidc_device_free(struct oidc_device_auth **da);

/*
 * A QR code of text (the verification_uri_complete) drawn for a terminal:
 * UTF-8 half blocks, or "##" pairs when ascii is non-zero, light modules
 * drawn, with a quiet zone; lines end in '\n'. malloc'd (caller frees);
 * NULL when text is empty, longer than 1024 bytes, or out of memory.
 * Links libqrencode.
 */
char *oidc_qr_text(const char *text, int ascii);

/* RFC 6749 6 (refresh_token) and 4.4 (client_credentials, needs
 * client_secret_file). Same statuses as oidc_device_start. */
enum oidc_status oidc_token_refresh(struct oidc_ctx *ctx, const char *issuer_name,
				    const char *refresh_token,
				    struct oidc_tokens **tokens_out,
				    struct oidc_error *err);
enum oidc_status oidc_token_client_credentials(struct oidc_ctx *ctx,
					       const char *issuer_name,
					       struct oidc_tokens **tokens_out,
					       struct oidc_error *err);

/*
 * The one reader of files that decide who gets in or hold a secret
 * (configuration, key sets, maps, secrets, token files). Opened once,
 * never through a symbolic link, checked on the descriptors: a regular
 * file owned by root or the effective uid, not writable by group or others
 * (OIDC_FILE_SECRET: not readable by them either), in a directory owned by
 * root or the effective uid that group and others cannot write (unless it
 * is sticky), at most max bytes. *buf_out: malloc'd, NUL-terminated, len
 * bytes; free secrets with explicit_bzero over len + 1 bytes. buf_out
 * NULL: check only. OIDC_OK; OIDC_E_CONFIG with a detail "PATH: why (fix)"
 * and errno saying what: ENOENT (missing), ELOOP (symlink), EFBIG (too
 * large), EPERM (owner or mode), EINVAL (not a regular file), another
 * errno (cannot open or read); OIDC_E_NOMEM.
 */
enum oidc_file_policy {
	OIDC_FILE_PUBLIC,       /* no one else may change it */
	OIDC_FILE_SECRET,       /* no one else may change or read it */
};
enum oidc_status oidc_trusted_file_read(const char *path, enum oidc_file_policy policy,
					size_t max, char **buf_out, size_t *len_out,
					struct oidc_error *err);

/*
 * A file holding a refresh token that several processes use (the CLI's
 * token file, the SASL client's oidc_refresh_token_file). Providers that
 * rotate refresh tokens refuse a used one and may revoke the grant, so:
 * lock, re-read the file, refresh, replace the file, unlock.
 * oidc_file_lock: an exclusive flock on PATH.lock (created 0600, never
 * through a symlink), waiting at most wait_ms; the descriptor (close it to
 * unlock), or -1 with errno (EWOULDBLOCK: held by another process that
 * long). oidc_file_replace: PATH atomically becomes the len bytes at data
 * (a temporary file beside it, mode 0600, fsync, rename); 0, or -1 with
 * errno. Both need the directory to be writable.
 */
int oidc_file_lock(const char *path, int wait_ms);
int oidc_file_replace(const char *path, const void *data, size_t len);
/*
 * The token file of "oidc-auth login" / "oidc-auth token", which the SASL
 * client also takes as oidc_refresh_token_file: one JSON object with
 * access_token, refresh_token (t's, else keep_refresh; left out when both
 * are NULL), id_token and scope when present, expires_at. oidc_tokens_json:
 * malloc'd compact text (the caller wipes and frees it), NULL without an
 * access token or out of memory. oidc_tokens_json_refresh: the non-empty
 * refresh_token string of such a document as a malloc'd copy, else NULL
 * (not JSON, duplicate members, no refresh token).
 */
char *oidc_tokens_json(const struct oidc_tokens *t, const char *keep_refresh);
char *oidc_tokens_json_refresh(const char *text, size_t len);

/* ---------------------------------------------------------------------- */
/* Keys and signatures alone (CLI jws-verify, tests)                      */

struct oidc_keyset;

/*
 * Parse a JWKS ({"keys":[...]}) of len bytes into keys ready for
 * verification. Keys not for signatures, of unsupported types or weak are
 * skipped; duplicate kids, private members or oversize input refuse the set
 * (OIDC_E_BAD_KEYSET). An empty usable set is OIDC_E_BAD_KEYSET too.
 */
enum oidc_status oidc_keyset_from_jwks(const char *json, size_t len,
				       struct oidc_keyset **ks_out,
				       struct oidc_error *err);
/* Same, from a file (at most the JWKS size limit). */
enum oidc_status oidc_keyset_load_file(const char *path,
				       struct oidc_keyset **ks_out,
				       struct oidc_error *err);
/* Number of usable keys, and of keys skipped while parsing. */
size_t oidc_keyset_count(const struct oidc_keyset *ks);
size_t oidc_keyset_skipped(const struct oidc_keyset *ks);
/* Describe key i: kid (may be NULL), kty name, alg ("*" if not pinned), bits. */
int oidc_keyset_describe(const struct oidc_keyset *ks, size_t i,
			 const char **kid, const char **kty, const char **alg,
			 unsigned *bits);
void oidc_keyset_free(struct oidc_keyset **ks);

/*
 * Parse "RS256,ES256,..." into a bit mask of allowed algorithms.
 * "none" and unknown names are OIDC_E_CONFIG.
 */
enum oidc_status oidc_alg_list_parse(const char *list, uint32_t *mask_out,
				     struct oidc_error *err);

/*
 * Signature only: structure, header rules, algorithm in alg_mask, key
 * selection by kid, signature. No claims are read. max_len bounds the token.
 */
enum oidc_status oidc_jws_verify(const struct oidc_keyset *ks,
				 uint32_t alg_mask, const char *token,
				 size_t len, size_t max_len,
				 struct oidc_error *err);

/*
 * Does token look cut on its way? len is exactly a length at which a known
 * client truncates input (255: neon WebDAV clients; 1023: the OpenSSH
 * client's keyboard-interactive answers; 4095: a terminal line) and token is the start of a JWS compact
 * token (a leading 'e', base64url, at most two dots). Returns that length,
 * or 0. Only ever a better reason for a refusal, never one to accept:
 * oidc_validate reports its own refusals of such input as
 * OIDC_E_TOKEN_TRUNCATED; an adapter may ask for input it refuses without
 * validating (a "password" that is the first 1023 bytes of a JWT).
 */
size_t oidc_token_cut_limit(const char *token, size_t len);

/* First 16 hex digits of SHA-256(token) into out (17 bytes). For logs. */
void oidc_token_fingerprint(const char *token, size_t len, char out[17]);

/* ---------------------------------------------------------------------- */
/* The symbol interposition guard (plugins)                               */

/*
 * The library functions a plugin calls (libcrypto, libssl, libcurl,
 * libqrencode, libpam, libsasl2), as its build found them: name, version,
 * library, and the address the dynamic loader bound. Each plugin defines
 * its own (common/gen_guard_table.sh writes it; hidden).
 */
struct oidc_guard_table;
extern const struct oidc_guard_table oidc_guard_table;

/*
 * A host program that exports a function of the same name as one the
 * plugin calls (postgres exports json_object) gets those calls. Checks,
 * once per process and thread-safe (later calls return the first verdict),
 * that every function in table is bound to the library that defines it.
 * OIDC_OK, or OIDC_E_SYMBOL_INTERPOSED with err->detail naming the first
 * function bound elsewhere, where, and its library: the caller must then
 * refuse every request and call no function of the core that reaches a
 * library. *report_out (may be NULL) is 1 for exactly one refused call per
 * process, which logs the detail; 0 otherwise. Call it before anything
 * else the plugin does with a library.
 */
enum oidc_status oidc_guard_check(const struct oidc_guard_table *table,
				  int *report_out, struct oidc_error *err);
/* 1 when every function of library soname in table is bound to it (or
 * none is listed), else 0: whether the adapter may still log through it. */
int oidc_guard_library_ok(const struct oidc_guard_table *table,
			  const char *soname);

#ifdef __cplusplus
}
#endif
#endif /* OIDC_H */
