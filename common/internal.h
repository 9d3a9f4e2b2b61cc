/* SPDX-License-Identifier: MIT */
/*
 * internal.h - declarations shared by the files of common/. Adapters never
 * include this; tests and the CLI may.
 */
#ifndef OIDC_INTERNAL_H
#define OIDC_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "jdoc.h"
#include "oidc.h"

#define OIDC_EXPORT __attribute__((visibility("default")))
#define OIDC_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Named maxima (design.md section 3). */
#define OIDC_TOKEN_MAX_DEFAULT 16384  /* max_token_size default */
#define OIDC_TOKEN_MAX_LIMIT 65536    /* max_token_size upper bound */
#define OIDC_HEADER_B64_MAX 2736      /* ~2 KiB decoded JOSE header */
#define OIDC_JSON_DEPTH_MAX 16        /* nesting in header and claims */
#define OIDC_JWKS_MAX 262144          /* bytes of a JWKS document */
#define OIDC_JWKS_KEYS_MAX 100        /* keys in one JWKS */
#define OIDC_KID_MAX 256              /* bytes of a kid */
#define OIDC_RSA_BITS_MIN 2048
#define OIDC_RSA_BITS_MAX 8192
#define OIDC_SECRET_MAX 4096          /* bytes of an HMAC secret file */
#define OIDC_CONFIG_LINE_MAX 4096
#define OIDC_CONFIG_FILE_MAX 1048576
#define OIDC_CA_FILE_MAX 4194304      /* ca_file: a whole system bundle fits */
#define OIDC_USERNAME_MAX 256
#define OIDC_LEEWAY_DEFAULT 60
#define OIDC_LEEWAY_MAX 300

/* ---- errors (status.c) ------------------------------------------------ */

/*
 * Fill err (if non-NULL) with st and a printf-formatted detail, escaped
 * (oidc_log_escape) and truncated; an escaped detail given as a %s argument
 * stays as it is. Returns st so callers can
 * "return oidc_err(err, OIDC_E_X, ...)".
 */
enum oidc_status oidc_err(struct oidc_error *err, enum oidc_status st,
			  const char *fmt, ...) OIDC_PRINTF(3, 4);
/* Copy at most src_len bytes of src (up to a NUL) into dst[cap] escaped as
 * oidc_log_escape does (status.c). */
void oidc_sanitize(char *dst, size_t cap, const char *src, size_t src_len);

/*
 * ca_file.c: path is a CA bundle libcurl can use: read through
 * oidc_trusted_file_read (its statuses), then parsed by OpenSSL: the first
 * PEM certificate only, or (every) each block as libcurl loads the file,
 * *certs_out (may be NULL) the number of certificates. OIDC_E_CONFIG with a
 * detail "PATH ..." when it holds none or a broken block; OIDC_E_NOMEM.
 */
enum oidc_status oidc_ca_file_check(const char *path, bool every, size_t *certs_out,
				    struct oidc_error *err);

/*
 * truncated.c: st for a refused token, or OIDC_E_TOKEN_TRUNCATED (err
 * rewritten) when st is one a cut causes (OIDC_E_MALFORMED; the caller's
 * OIDC_E_BAD_SIGNATURE of a signature shorter than the key's;
 * OIDC_E_TOKEN_INACTIVE from introspection) and oidc_token_cut_limit says
 * the input ends at a known limit.
 */
enum oidc_status oidc_token_cut_refusal(enum oidc_status st,
					const char *token, size_t len,
					struct oidc_error *err);

/* Wipe and free a secret buffer (NULL-safe). */
void oidc_free_secret(void *p, size_t len);

/* Left-truncate a path so the end (and a line number) fits in error
 * details: borrowed pointer into path, or into buf with a "..." prefix
 * (config.c). */
const char *oidc_config_short_path(const char *path, char *buf, size_t cap);

/* ---- string lists ------------------------------------------------------ */

struct oidc_strlist {
	char **v;
	size_t n;
};
/*
 * Split a comma- and/or space-separated list into trimmed, non-empty items.
 * OIDC_E_NOMEM. An empty input gives an empty list.
 */
enum oidc_status oidc_strlist_split(const char *s, struct oidc_strlist *out);
enum oidc_status oidc_strlist_copy(const struct oidc_strlist *src,
				   struct oidc_strlist *dst);
bool oidc_strlist_contains(const struct oidc_strlist *l, const char *s);
void oidc_strlist_clear(struct oidc_strlist *l);

/* ---- base64url (b64url.c) ---------------------------------------------- */

/* Upper bound of decoded bytes for len input characters. */
size_t oidc_b64url_decoded_max(size_t len);
/*
 * Strict RFC 4648 section 5 decoding: alphabet A-Z a-z 0-9 - _ only, no
 * padding, len % 4 != 1, unused trailing bits zero. OIDC_E_MALFORMED on any
 * violation or if out_cap is too small.
 */
enum oidc_status oidc_b64url_decode(const char *in, size_t len,
				    unsigned char *out, size_t out_cap,
				    size_t *out_len);
/* Same, into a malloc'd buffer (NUL-terminated for convenience). */
enum oidc_status oidc_b64url_decode_alloc(const char *in, size_t len,
					  unsigned char **out, size_t *out_len);
/* Encode without padding into a malloc'd NUL-terminated string (or NULL). */
char *oidc_b64url_encode(const unsigned char *in, size_t len);

/* ---- algorithms (alg.c) ------------------------------------------------ */

enum oidc_alg {
	OIDC_ALG_UNKNOWN = -1,
	OIDC_ALG_RS256 = 0,
	OIDC_ALG_RS384,
	OIDC_ALG_RS512,
	OIDC_ALG_PS256,
	OIDC_ALG_PS384,
	OIDC_ALG_PS512,
	OIDC_ALG_ES256,
	OIDC_ALG_ES384,
	OIDC_ALG_ES512,
	OIDC_ALG_EDDSA,
	OIDC_ALG_HS256,
	OIDC_ALG_HS384,
	OIDC_ALG_HS512,
	OIDC_ALG_COUNT
};

enum oidc_alg_family {
	OIDC_FAM_RSA_PKCS1,
	OIDC_FAM_RSA_PSS,
	OIDC_FAM_ECDSA,
	OIDC_FAM_EDDSA,
	OIDC_FAM_HMAC,
};

struct oidc_alg_info {
	const char *name;          /* "RS256" */
	enum oidc_alg_family family;
	const char *digest;        /* "SHA256"; NULL for EdDSA */
	size_t hash_len;           /* 32/48/64; 0 for EdDSA */
	int curve_nid;             /* ECDSA: NID of the curve; else 0 */
	size_t sig_len;            /* ES: 64/96/132, EdDSA 64, HS: hash_len;
				      RSA: 0 (modulus length of the key) */
};

#define OIDC_ALG_MASK_ALL ((uint32_t)((1u << OIDC_ALG_COUNT) - 1u))
#define OIDC_ALG_MASK_ASYM ((uint32_t)((1u << OIDC_ALG_HS256) - 1u))
#define OIDC_ALG_BIT(a) ((uint32_t)1u << (unsigned)(a))

/* Table entry for a valid alg, NULL otherwise. */
const struct oidc_alg_info *oidc_alg_get(enum oidc_alg alg);
/* Exact, case-sensitive lookup of len bytes; OIDC_ALG_UNKNOWN otherwise. */
enum oidc_alg oidc_alg_from_name(const char *name, size_t len);

/* ---- keys (jwk.c) ------------------------------------------------------ */

enum oidc_kty {
	OIDC_KTY_RSA = 1,
	OIDC_KTY_EC,
	OIDC_KTY_OKP,
	OIDC_KTY_OCT,
};

/*
 * One verification key, immutable after import and shared read-only between
 * threads. Asymmetric keys hold an EVP_PKEY parsed once at import; an HMAC
 * secret (only ever from configuration) holds the secret bytes and the
 * keyed inner and outer hash states, copied per verification.
 */
struct oidc_key {
	char *kid;                 /* owned; NULL when the JWK has none */
	enum oidc_kty kty;
	enum oidc_alg alg;         /* JWK "alg" pin, or OIDC_ALG_UNKNOWN */
	int curve_nid;             /* EC: NID of crv; OKP: NID_ED25519 */
	unsigned bits;             /* RSA modulus / curve / secret bits */
	size_t sig_len;            /* RSA: modulus bytes; else 0 */
	EVP_PKEY *pkey;            /* RSA, EC, OKP */
	unsigned char *secret;     /* OCT: wiped on free */
	size_t secret_len;
	EVP_MD_CTX *hmac_inner[3]; /* OCT, RFC 2104 for SHA-256/384/512: the
				      hash state after (K ^ ipad), and */
	EVP_MD_CTX *hmac_outer[3]; /* after (K ^ opad); copied per token, NULL
				      where the secret is too short */
	char *issuer;              /* Entra's per-key "issuer" member, or NULL */
	/* Asymmetric keys: one DigestVerify context per algorithm the key
	 * fits (key, digest, padding, salt length), made on the first
	 * verification with that algorithm (oidc_key_verify_ctx) and copied
	 * per verification, so no algorithm or digest is fetched per token.
	 * NULL until then: a provider's set has keys a short-lived process
	 * never uses, and an unpinned RSA key fits six algorithms. */
	EVP_MD_CTX *verify_tmpl[OIDC_ALG_HS256];
};

/*
 * Import one public JWK: the node jwk (a JSON object) of doc. Rejects
 * private members (d, p, q, dp, dq, qi, oth, k) and kty "oct"
 * (OIDC_E_BAD_KEY), bad encodings, RSA moduli outside 2048-8192 bits, even
 * or < 3 exponents, points not on the curve, wrong-length coordinates, a
 * pinned "alg" that does not fit the key. Does not look at "use"/"key_ops"
 * (the JWKS layer does).
 */
enum oidc_status oidc_jwk_import(const struct oidc_jdoc *doc,
				 const struct oidc_jnode *jwk,
				 struct oidc_key **key_out, struct oidc_error *err);
/*
 * An HMAC key from configured secret bytes (copied). Secrets shorter than
 * 32 bytes are OIDC_E_CONFIG (RFC 7518 3.2); HS384/HS512 become usable only
 * with >= 48/64 bytes. kid may be NULL.
 */
enum oidc_status oidc_key_from_secret(const unsigned char *secret, size_t len,
				      const char *kid, struct oidc_key **key_out,
				      struct oidc_error *err);
/* true when key may verify alg: family, curve, pin and secret length. */
bool oidc_key_fits_alg(const struct oidc_key *key, enum oidc_alg alg);
/*
 * The DigestVerify context of an asymmetric key for alg (borrowed; copy it
 * per verification), made on first use and kept for the key's life. Keys
 * are shared read-only between threads: the first context published wins
 * and a racing thread frees its own. NULL when the key does not fit alg or
 * OpenSSL cannot set the context up.
 */
const EVP_MD_CTX *oidc_key_verify_ctx(const struct oidc_key *key,
				     enum oidc_alg alg);
void oidc_key_free(struct oidc_key **key);
const char *oidc_kty_name(enum oidc_kty kty);

/* ---- key sets (jwks.c) ------------------------------------------------- */

struct oidc_keyset {
	struct oidc_key **keys;
	size_t count;
	size_t cap;
	size_t skipped;            /* JWKS entries ignored while parsing */
	int refs;                  /* references (oidc_keyset_ref/unref in
				      keysource.h); 1 when created, and
				      oidc_keyset_free drops one */
};

enum oidc_status oidc_keyset_new(struct oidc_keyset **ks_out);
/* Add a key (ownership taken, also on failure). Duplicate kid:
 * OIDC_E_BAD_KEYSET. */
enum oidc_status oidc_keyset_add(struct oidc_keyset *ks, struct oidc_key *key,
				 struct oidc_error *err);
/*
 * Select the key for alg and kid (kid NULL: exactly one key must fit alg).
 * OIDC_E_UNKNOWN_KID (no key with that kid, or no key fits when kid is
 * NULL), OIDC_E_KEY_MISMATCH (the kid's key does not fit alg),
 * OIDC_E_AMBIGUOUS_KEY (no kid and several keys fit). *key_out borrowed.
 */
enum oidc_status oidc_keyset_find(const struct oidc_keyset *ks,
				  enum oidc_alg alg, const char *kid,
				  const struct oidc_key **key_out,
				  struct oidc_error *err);

/* ---- JWS compact (jws.c) ----------------------------------------------- */

/*
 * A parsed JWS. The signing input points into the caller's token buffer;
 * the three decoded segments share one owned buffer (wiped when freed).
 */
struct oidc_jws {
	const char *signing_input;   /* header "." payload, not NUL-terminated */
	size_t signing_input_len;
	unsigned char *buf;          /* owned: decoded header, payload and
					signature; NULL once oidc_validate
					moved it into its result */
	size_t buf_len;
	char *header_json;           /* in buf: the decoded header, parsed in
					place (NUL-terminated) */
	struct oidc_jdoc header;     /* owned node array over header_json */
	enum oidc_alg alg;
	const char *kid;             /* borrowed from header, or NULL */
	const char *typ;             /* borrowed from header, or NULL */
	unsigned char *payload;      /* in buf: decoded, NUL-terminated */
	size_t payload_len;
	unsigned char *sig;          /* in buf: decoded */
	size_t sig_len;
};

/*
 * Parse a JWS compact token (C1-C7 of the checklist): len <= max_len else
 * OIDC_E_TOO_LARGE (checked first); exactly three dot-separated segments
 * (a bounded scan before any allocation), a non-empty header within
 * OIDC_HEADER_B64_MAX and a signature segment within the largest RSA
 * signature, else OIDC_E_MALFORMED; strict base64url for all three (the
 * payload segment may be empty, RFC 7515 allows it); the header a JSON
 * object (jdoc.h rules); "alg" a known string (none/unknown:
 * OIDC_E_ALG_NOT_ALLOWED); "crit" present, "zip" present, "b64" other than
 * true or "cty" of JWT: OIDC_E_UNSUPPORTED_HEADER; "kid" if present a
 * string of at most OIDC_KID_MAX bytes, "cty" and "typ" if present
 * strings, else OIDC_E_MALFORMED. An empty signature is OIDC_E_MALFORMED,
 * checked only after the header, so an unsecured token ("alg":"none" with
 * nothing after the second dot) is reported as OIDC_E_ALG_NOT_ALLOWED.
 * The payload is decoded but not parsed. On failure *jws is left cleared.
 */
enum oidc_status oidc_jws_parse(const char *token, size_t len, size_t max_len,
				struct oidc_jws *jws, struct oidc_error *err);
/*
 * Verify jws->sig over the signing input with key for jws->alg. Checks the
 * exact signature length before any crypto (RSA: modulus bytes; ES r||s
 * 64/96/132 converted to DER only after; EdDSA 64; HS full hash length,
 * constant-time compare). PSS salt length = hash length. The caller has
 * checked oidc_key_fits_alg. OIDC_E_BAD_SIGNATURE.
 */
enum oidc_status oidc_jws_check_signature(const struct oidc_jws *jws,
					  const struct oidc_key *key,
					  struct oidc_error *err);
/* The exact signature length of jws->alg with key (RSA: modulus bytes). */
size_t oidc_jws_sig_len_for(const struct oidc_jws *jws,
			    const struct oidc_key *key);
void oidc_jws_clear(struct oidc_jws *jws);

/* ---- configuration (config.c) ------------------------------------------ */

enum oidc_map_op {
	OIDC_MAP_LOWERCASE = 1,    /* "lowercase" */
	OIDC_MAP_STRIP_DOMAIN,     /* "strip_domain:example.com": "a@example.com"
				      -> "a"; another domain is refused */
	OIDC_MAP_FILE,             /* "map_file:/path": "from to" lines */
	OIDC_MAP_KEEP_DOMAIN,      /* "keep_domain:example.com": "a@example.com"
				      stays; another or no domain is refused */
};

struct oidc_map_entry {
	char *from;
	char *to;
};

struct oidc_map_rule {
	enum oidc_map_op op;
	char *arg;                    /* domain or path */
	struct oidc_map_entry *entries; /* OIDC_MAP_FILE, loaded by finish */
	size_t n_entries;
};

/* One required_claims clause "claim=v1|v2": the claim (string) equals one
 * of the values, or (array) contains one of them. */
struct oidc_claim_req {
	char *claim;
	struct oidc_strlist values;
};

/* Everything that verifies tokens of one issuer. */
enum oidc_userinfo_mode {
	OIDC_USERINFO_OFF = 0,
	OIDC_USERINFO_VALIDATE,       /* opaque tokens: bound by the tokeninfo
					 answer, the claims from userinfo */
	OIDC_USERINFO_ENRICH,         /* after a token (or an introspection
					 answer) validated: identity and
					 required_claims from userinfo too */
};

struct oidc_issuer_cfg {
	char *name;                   /* section name; "default" at top level */
	char *issuer;                 /* exact, or a template with {tenantid} */
	struct oidc_strlist issuer_aliases; /* exact other iss spellings: the
					       issuer without https:// */
	struct oidc_strlist audience; /* token aud must contain one of these */
	char *jwks_file;
	char *hmac_secret_file;
	char *hmac_kid;
	uint32_t algorithms;          /* mask of enum oidc_alg bits */
	int64_t leeway;               /* seconds, 0..OIDC_LEEWAY_MAX */
	int64_t max_token_size;       /* bytes */
	struct oidc_strlist accept_typ; /* normalised: lower case, without
					   "application/"; "absent" = no typ */
	struct oidc_strlist username_claim; /* first present claim wins */
	struct oidc_map_rule *username_map;
	size_t n_username_map;
	struct oidc_strlist required_scopes; /* all of them, over scope + scp */
	struct oidc_claim_req *required_claims;
	size_t n_required_claims;
	struct oidc_strlist azp;      /* if non-empty: azp must be one of them */
	struct oidc_strlist accept_clients; /* tokens without aud: accepted when
					       their client is listed */
	struct oidc_strlist allowed_tenants; /* {tenantid} issuers: tid list */

	/* Network key and token sources (keysource.c, introspect.c). */
	char *discovery_url;          /* NULL: <issuer>/.well-known/openid-
					 configuration */
	char *jwks_uri;               /* NULL: from discovery */
	char *introspection_endpoint; /* NULL: from discovery */
	char *userinfo_endpoint;      /* NULL: from discovery */
	char *tokeninfo_endpoint;     /* userinfo = validate: what binds the
					 token (Google's tokeninfo) */
	char *client_id;
	char *client_secret_file;
	char *ca_file;                /* NULL: the system CA store */
	char *proxy;                  /* NULL: no proxy */
	int64_t http_timeout;         /* seconds per request */
	char *cache_dir;              /* shared disk cache */
	int64_t cache_ttl_min;        /* bounds applied to Cache-Control */
	int64_t cache_ttl_max;        /*   max-age of discovery and JWKS */
	int64_t cache_stale_max;      /* how long past expiry the last good
					 keys serve when the IdP is down */
	int64_t jwks_refetch_interval; /* unknown kid: at most one refetch per
					  interval per issuer */
	struct oidc_strlist token_types; /* "jwt", "opaque" */
	struct oidc_strlist client_auth; /* "basic" or "post" */
	/* OAuth client side: device flow, token endpoint (oauth_client.c). */
	char *token_endpoint;         /* NULL: from discovery */
	char *device_authorization_endpoint; /* NULL: from discovery */
	struct oidc_strlist request_scopes;  /* scopes to ask for */
	struct oidc_strlist request_resource; /* RFC 8707 resource, 0 or 1 */
	int64_t device_timeout;       /* seconds the device flow waits */
	struct oidc_strlist accept_id_tokens; /* "yes" or "no" */
	struct oidc_strlist userinfo; /* "off", "validate" or "enrich" */
	/* Who owns a local name (namespace.c, identity.c). */
	struct oidc_strlist username_namespace; /* one label: sections (and
						   tenants) with the same label
						   may produce the same names */
	struct oidc_strlist allow_system_users; /* system accounts this
						   section's tokens may be */
	int64_t min_user_uid;         /* below: a system account */

	/* Loaded by oidc_config_finish(). */
	struct oidc_keyset *keys;     /* jwks_file keys + the HMAC secret */
	size_t issuer_prefix_len;     /* template: bytes before {tenantid} */
	bool network_keys;            /* keys from the provider, not a file */
	bool accept_jwt;              /* token_types has jwt */
	bool accept_opaque;           /* token_types has opaque */
	bool client_auth_post;        /* client_auth = post (else basic) */
	bool id_tokens;               /* accept_id_tokens = yes */
	enum oidc_userinfo_mode userinfo_mode;
	char *client_secret;          /* from client_secret_file (C string) */
	size_t client_secret_len;     /* bytes read, for wiping on free */
	bool is_template;

	uint64_t set_bits;            /* which options were set explicitly */
};

struct oidc_config {
	struct oidc_issuer_cfg top;   /* defaults / the single issuer */
	struct oidc_issuer_cfg **sections;
	size_t n_sections;
	bool finished;
};

/*
 * Parse config text as oidc_config_load_file() does, from memory; name is
 * used in error details ("NAME:LINE: ..."). For the file loader and fuzzing.
 */
enum oidc_status oidc_config_load_buffer(struct oidc_config *cfg,
					 const char *name, const char *buf,
					 size_t len, struct oidc_error *err);

/*
 * The issuer configurations that verify tokens after finish: the sections,
 * or just &cfg->top when there are none. *list borrowed.
 */
size_t oidc_config_issuers(const struct oidc_config *cfg,
			   const struct oidc_issuer_cfg *const **list);

/* ---- claims and identity (claims.c, identity.c) ------------------------ */

#define OIDC_GRAPH_APP_ID "00000003-0000-0000-c000-000000000000"

/*
 * The claim set is a parsed jdoc whose root object holds the claims.
 *
 * Check a verified claim set against ic (everything but iss/tid, which
 * validate.c checks): "cnf" (OIDC_E_TOKEN_BOUND), aud (OIDC_E_WRONG_AUDIENCE,
 * or OIDC_E_GRAPH_AUDIENCE when aud is Microsoft Graph; absent:
 * OIDC_E_NO_AUDIENCE, or bound by accept_clients, else
 * OIDC_E_CLIENT_NOT_ACCEPTED), token_use "access" when present
 * (OIDC_E_WRONG_TYP), exp required /
 * nbf / future iat with ic->leeway (OIDC_E_EXPIRED, OIDC_E_NOT_YET_VALID,
 * OIDC_E_ISSUED_IN_FUTURE, OIDC_E_MISSING_CLAIM, OIDC_E_BAD_CLAIM), typ
 * (the header's, may be NULL) against accept_typ (OIDC_E_WRONG_TYP), azp
 * (OIDC_E_WRONG_AZP), required scopes (OIDC_E_INSUFFICIENT_SCOPE), required
 * claims (OIDC_E_CLAIM_POLICY). No integer overflow for any int64 value.
 */
enum oidc_status oidc_claims_check(const struct oidc_issuer_cfg *ic,
				   const struct oidc_jdoc *claims, const char *typ,
				   int64_t now, struct oidc_error *err);
/*
 * What a claim set is: the verified payload of a JWS, or what the provider
 * answered about an opaque token. claims.c states, in one table, what
 * differs between them (typ, token_type, iss, whether exp is required);
 * everything else is one policy.
 */
enum oidc_claims_kind {
	OIDC_CLAIMS_JWT = 0,          /* a verified JWS payload */
	OIDC_CLAIMS_INTROSPECTION,    /* an RFC 7662 answer, "active": true */
	OIDC_CLAIMS_TOKENINFO,        /* Google's tokeninfo answer */
};
/*
 * The same policy over a provider's answer (kind INTROSPECTION or
 * TOKENINFO): as oidc_claims_check without typ and ID tokens, plus iss
 * (OIDC_E_WRONG_ISSUER when present and not the issuer) and, for
 * introspection, token_type (OIDC_E_WRONG_TYP unless Bearer); exp optional
 * for introspection (RFC 7662 2.2). Never required_claims: the caller runs
 * oidc_claims_required over the final claim set (after userinfo merged in).
 */
enum oidc_status oidc_claims_check_answer(const struct oidc_issuer_cfg *ic,
					  enum oidc_claims_kind kind,
					  const struct oidc_jdoc *claims, int64_t now,
					  struct oidc_error *err);
/* A NumericDate member as kind reads it (tokeninfo: also a string of at
 * most 18 decimal digits): 1 valid, 0 absent, -1 not a date. */
int oidc_claims_date(enum oidc_claims_kind kind, const struct oidc_jnode *v,
		     int64_t *out);
/*
 * Checklist E1, before the signature: does an unverified claim set name
 * Microsoft Graph (or the legacy Azure AD Graph) in aud? Only to refuse a
 * token whose JOSE header carries a nonce; nothing else is read.
 */
bool oidc_claims_aud_is_graph(const struct oidc_jdoc *claims);
/* required_claims alone (after userinfo = enrich merged its answer in). */
enum oidc_status oidc_claims_required(const struct oidc_issuer_cfg *ic,
				      const struct oidc_jdoc *claims,
				      struct oidc_error *err);

/*
 * Username from the first configured claim present (a string), then the
 * map rules in order. "email" only with "email_verified": true
 * (OIDC_E_EMAIL_UNVERIFIED). No claim present: OIDC_E_NO_USERNAME. Empty,
 * longer than OIDC_USERNAME_MAX, control characters, domain mismatch or a
 * map file without the name: OIDC_E_BAD_USERNAME. *user_out malloc'd.
 */
enum oidc_status oidc_identity_map(const struct oidc_issuer_cfg *ic,
				   const struct oidc_jdoc *claims, char **user_out,
				   struct oidc_error *err);
/* The same checks and username_map rules over a name a client gave. */
enum oidc_status oidc_identity_map_name(const struct oidc_issuer_cfg *ic, const char *name,
					char out[OIDC_USERNAME_MAX + 1],
					struct oidc_error *err);
/*
 * One username_map rule over buf[*len] (NUL-terminated, room for
 * OIDC_USERNAME_MAX + 1 bytes), in place: OIDC_OK, OIDC_E_BAD_USERNAME
 * (the rule refuses the name), OIDC_E_CONFIG (a rule without argument).
 */
enum oidc_status oidc_identity_apply_rule(const struct oidc_map_rule *r,
					  char *buf, size_t *len,
					  struct oidc_error *err);
/*
 * May a token of ic log in as user? Not when user is root (any case), or
 * the account database (getpwnam_r, thread-safe, buffer at most 1 MiB)
 * gives it uid 0, a uid below ic->min_user_uid, or 61184-65535
 * (OIDC_E_SYSTEM_USER), unless ic->allow_system_users lists user exactly.
 * OIDC_E_ACCOUNT_LOOKUP when the database fails (not for "no such user":
 * a name it does not know is no system account).
 */
struct oidc_account_memo;
enum oidc_status oidc_identity_check_account(const struct oidc_issuer_cfg *ic,
					     struct oidc_account_memo *memo,
					     int64_t now, const char *user,
					     struct oidc_error *err);

/*
 * The account database's answers, kept per context (account_memo.c) so
 * that a long-lived host does not ask NSS on every login: "no such user"
 * or a uid, for OIDC_ACCOUNT_MEMO_TTL seconds of the context's clock;
 * failed lookups are not kept. Thread-safe; memo may be NULL (nothing
 * kept). get: 1 found (*uid_out set), 0 not found, -1 not known (ask).
 */
#define OIDC_ACCOUNT_MEMO_TTL 30
struct oidc_account_memo *oidc_account_memo_new(void);
void oidc_account_memo_free(struct oidc_account_memo **m);
int oidc_account_memo_get(struct oidc_account_memo *m, const char *name,
			  int64_t now, uid_t *uid_out);
void oidc_account_memo_put(struct oidc_account_memo *m, const char *name,
			   int64_t now, bool found, uid_t uid);

/* ---- who owns a user name (namespace.c) -------------------------------- */

/*
 * For oidc_config_finish(), after the map files are loaded: with several
 * owners (sections, tenants of a {tenantid} section), no two may produce
 * the same local name (ASCII case ignored) unless both sections set the same
 * username_namespace; username_namespace and allow_system_users are set in
 * sections, not at the top level, and hold a label / account names.
 * OIDC_E_CONFIG naming the section and key, OIDC_E_NOMEM.
 */
enum oidc_status oidc_namespace_check(const struct oidc_config *cfg,
				      struct oidc_error *err);

/*
 * What a finished configuration lets each issuer do with user names, and
 * how its tokens are bound to this service, for check-config: fn(arg, section (NULL without sections), note, text) per
 * note; note is a stable word ("user_names", "shared_names", "tenants",
 * "email_username", "strip_domain", "system_users", and binding.c's),
 * text a sentence.
 * OIDC_E_INTERNAL (not finished), OIDC_E_NOMEM.
 */
typedef void (*oidc_config_note_fn)(void *arg, const char *section,
				    const char *note, const char *text);
enum oidc_status oidc_config_notes(const struct oidc_config *cfg,
				   oidc_config_note_fn fn, void *arg);
/* binding.c: the notes "client_binding", "introspection_binding",
 * "tokeninfo_binding", "userinfo_enrich" of one issuer (sec NULL without
 * sections): how its tokens are bound to this service. */
void oidc_binding_notes(const struct oidc_issuer_cfg *ic, const char *sec,
			oidc_config_note_fn fn, void *arg);

#endif /* OIDC_INTERNAL_H */
