/* SPDX-License-Identifier: MIT */
/*
 * status.c - names, sentences and classes of enum oidc_status, and the
 * error-struct helpers. The switches have no default so the compiler warns
 * (-Wswitch) when a status is added without its name or sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "internal.h"

OIDC_EXPORT const char *oidc_status_name(enum oidc_status st)
{
	switch (st) {
	case OIDC_OK: return "ok";
	case OIDC_E_MALFORMED: return "malformed_token";
	case OIDC_E_TOO_LARGE: return "token_too_large";
	case OIDC_E_ALG_NOT_ALLOWED: return "alg_not_allowed";
	case OIDC_E_UNSUPPORTED_HEADER: return "unsupported_header";
	case OIDC_E_UNKNOWN_KID: return "unknown_kid";
	case OIDC_E_AMBIGUOUS_KEY: return "ambiguous_key";
	case OIDC_E_KEY_MISMATCH: return "key_alg_mismatch";
	case OIDC_E_BAD_SIGNATURE: return "bad_signature";
	case OIDC_E_WRONG_ISSUER: return "wrong_issuer";
	case OIDC_E_TENANT_NOT_ALLOWED: return "tenant_not_allowed";
	case OIDC_E_WRONG_AUDIENCE: return "wrong_audience";
	case OIDC_E_GRAPH_AUDIENCE: return "graph_audience";
	case OIDC_E_EXPIRED: return "token_expired";
	case OIDC_E_NOT_YET_VALID: return "token_not_yet_valid";
	case OIDC_E_ISSUED_IN_FUTURE: return "issued_in_future";
	case OIDC_E_MISSING_CLAIM: return "missing_claim";
	case OIDC_E_BAD_CLAIM: return "bad_claim";
	case OIDC_E_WRONG_TYP: return "wrong_typ";
	case OIDC_E_WRONG_AZP: return "wrong_azp";
	case OIDC_E_TOKEN_BOUND: return "token_bound";
	case OIDC_E_NO_USERNAME: return "no_username";
	case OIDC_E_EMAIL_UNVERIFIED: return "email_unverified";
	case OIDC_E_BAD_USERNAME: return "bad_username";
	case OIDC_E_USER_MISMATCH: return "user_mismatch";
	case OIDC_E_INSUFFICIENT_SCOPE: return "insufficient_scope";
	case OIDC_E_CLAIM_POLICY: return "claim_policy";
	case OIDC_E_IDP_UNREACHABLE: return "idp_unreachable";
	case OIDC_E_KEYS_UNAVAILABLE: return "keys_unavailable";
	case OIDC_E_BAD_REQUEST: return "bad_request";
	case OIDC_E_CONFIG: return "config_error";
	case OIDC_E_NOMEM: return "out_of_memory";
	case OIDC_E_INTERNAL: return "internal_error";
	case OIDC_E_BAD_KEY: return "bad_key";
	case OIDC_E_BAD_KEYSET: return "bad_keyset";
	case OIDC_E_TOKEN_INACTIVE: return "token_inactive";
	case OIDC_E_AUTH_PENDING: return "authorization_pending";
	case OIDC_E_ACCESS_DENIED: return "access_denied";
	case OIDC_E_DEVICE_EXPIRED: return "device_code_expired";
	case OIDC_E_GRANT_REFUSED: return "grant_refused";
	case OIDC_E_SYSTEM_USER: return "system_user";
	case OIDC_E_ACCOUNT_LOOKUP: return "account_lookup_failed";
	case OIDC_E_CACHE_DIR: return "cache_dir_unusable";
	case OIDC_E_TOKEN_TRUNCATED: return "token_truncated";
	case OIDC_E_SYMBOL_INTERPOSED: return "symbol_interposed";
	case OIDC_E_IDP_HTTP_ERROR: return "idp_http_error";
	case OIDC_E_IDP_BAD_DOCUMENT: return "idp_bad_document";
	case OIDC_E_ISSUER_MISMATCH: return "issuer_mismatch";
	case OIDC_E_TLS_UNTRUSTED: return "tls_untrusted";
	case OIDC_E_FOREIGN_ISSUER: return "foreign_issuer";
	case OIDC_E_KID_NOT_PUBLISHED: return "kid_not_published";
	case OIDC_E_NO_AUDIENCE: return "no_audience";
	case OIDC_E_CLIENT_NOT_ACCEPTED: return "client_not_accepted";
	}
	return "unknown_status";
}

OIDC_EXPORT const char *oidc_status_text(enum oidc_status st)
{
	switch (st) {
	case OIDC_OK:
		return "The token is valid.";
	case OIDC_E_MALFORMED:
		return "The token is not a well-formed JWS compact token (three strict base64url parts with JSON objects); the client sent something else, or the token was damaged or truncated on the way.";
	case OIDC_E_TOO_LARGE:
		return "The token is longer than max_token_size; raise max_token_size if your identity provider really issues tokens this large.";
	case OIDC_E_ALG_NOT_ALLOWED:
		return "The token's signature algorithm is unknown, \"none\", or not in the configured algorithms list.";
	case OIDC_E_UNSUPPORTED_HEADER:
		return "The token header uses a feature this validator refuses (crit, zip or a nested JWT).";
	case OIDC_E_UNKNOWN_KID:
		return "No configured key has the token's key id (kid). With jwks_file: the identity provider may have rotated its keys, so download its current JWKS into the file. With keys from the provider: its key set is fetched again for an unknown kid at most once per jwks_refetch_interval; a kid it still does not publish then is kid_not_published.";
	case OIDC_E_AMBIGUOUS_KEY:
		return "The token has no key id (kid) and several configured keys could verify it; the identity provider must send a kid.";
	case OIDC_E_KEY_MISMATCH:
		return "The key named by the token's kid is not of the type or algorithm the token claims.";
	case OIDC_E_BAD_SIGNATURE:
		return "The token's signature does not verify: it was forged, altered, or signed with a key you have not configured.";
	case OIDC_E_WRONG_ISSUER:
		return "The token's issuer (iss) is not a configured issuer; compare it with the issuer key, exactly, including any trailing slash.";
	case OIDC_E_TENANT_NOT_ALLOWED:
		return "The token comes from a tenant that is not in allowed_tenants, or its tid does not match its issuer.";
	case OIDC_E_WRONG_AUDIENCE:
		return "The token was issued for another audience (aud); request tokens for this service or fix the audience key.";
	case OIDC_E_GRAPH_AUDIENCE:
		return "The token is a Microsoft Graph access token, which only Graph can verify; request a token for this service's own application ID URI instead.";
	case OIDC_E_EXPIRED:
		return "The token has expired; the client must get a fresh one (check the server clock if this happens to fresh tokens).";
	case OIDC_E_NOT_YET_VALID:
		return "The token is not valid yet (nbf in the future); check the clocks of this server and the identity provider.";
	case OIDC_E_ISSUED_IN_FUTURE:
		return "The token claims to be issued in the future (iat); check the clocks of this server and the identity provider.";
	case OIDC_E_MISSING_CLAIM:
		return "A claim the validator requires (such as exp, iss or aud) is missing from the token.";
	case OIDC_E_BAD_CLAIM:
		return "A claim has the wrong type or format (for example a date that is not a number).";
	case OIDC_E_WRONG_TYP:
		return "The token's type (typ) is not accepted here; it may be a token of another kind (logout, DPoP, ...). See accept_typ.";
	case OIDC_E_WRONG_AZP:
		return "The token was obtained by a client (azp) that is not in the azp list.";
	case OIDC_E_TOKEN_BOUND:
		return "The token is bound to a key or certificate (cnf) and this server cannot check the binding.";
	case OIDC_E_NO_USERNAME:
		return "None of the claims listed in username_claim is present in the token as a string.";
	case OIDC_E_EMAIL_UNVERIFIED:
		return "The username would come from the email claim, but email_verified is not true.";
	case OIDC_E_BAD_USERNAME:
		return "The username from the token is empty, too long, has control characters, is not in the domain strip_domain or keep_domain names, or is missing from the map file.";
	case OIDC_E_USER_MISMATCH:
		return "The token belongs to another user than the one logging in.";
	case OIDC_E_INSUFFICIENT_SCOPE:
		return "The token lacks a scope listed in required_scopes; grant it to the client at the identity provider.";
	case OIDC_E_CLAIM_POLICY:
		return "The token does not meet required_claims (group, role, MFA or similar).";
	case OIDC_E_IDP_UNREACHABLE:
		return "The identity provider could not be reached (the detail says how: DNS, connection refused, timeout, TLS handshake, an HTTP 5xx or 429 answer) and nothing usable is cached; the client may try again. A host name that does not resolve may be a typo in the URL: check it with oidc-auth discover.";
	case OIDC_E_KEYS_UNAVAILABLE:
		return "No usable keys are available for this issuer right now; the client may try again (a refused answer of the provider is idp_bad_document or issuer_mismatch instead).";
	case OIDC_E_BAD_REQUEST:
		return "The client's authentication message is malformed.";
	case OIDC_E_CONFIG:
		return "The configuration is invalid; the detail names the file, line and key to fix.";
	case OIDC_E_NOMEM:
		return "Out of memory.";
	case OIDC_E_INTERNAL:
		return "Internal error in the validator; please report it.";
	case OIDC_E_BAD_KEY:
		return "A key (JWK) is malformed, weak or of an unsupported type.";
	case OIDC_E_BAD_KEYSET:
		return "The key set (JWKS) was refused: malformed, too large, duplicate kids, private key material, or no usable key.";
	case OIDC_E_TOKEN_INACTIVE:
		return "The identity provider says the token is not active (revoked, expired or never issued): the user must sign in again.";
	case OIDC_E_AUTH_PENDING:
		return "The user has not finished signing in at the identity provider yet; poll again after the interval.";
	case OIDC_E_ACCESS_DENIED:
		return "The user refused the sign-in at the identity provider.";
	case OIDC_E_DEVICE_EXPIRED:
		return "The device code expired before the user signed in (expires_in or device_timeout passed): start again.";
	case OIDC_E_GRANT_REFUSED:
		return "The identity provider's token endpoint refused the request (invalid_grant, invalid_client...): check client_id, client_secret_file, the refresh token and the application registration.";
	case OIDC_E_SYSTEM_USER:
		return "The token maps to a system account (root, uid 0, a uid below min_user_uid or in 61184-65535), which a token may log in as only when that section's allow_system_users lists it.";
	case OIDC_E_ACCOUNT_LOOKUP:
		return "The account database (NSS: /etc/passwd, LDAP, sssd) did not answer whether the mapped user is a system account; check nsswitch.conf and the directory service, then try again.";
	case OIDC_E_CACHE_DIR:
		return "This process cannot use cache_dir (the detail names the directory and why: a parent it cannot search, another owner, writable by others); give each service user its own cache_dir and check it with oidc-auth check-config --as-user USER.";
	case OIDC_E_TOKEN_TRUNCATED:
		return "The token was cut on its way: it ends exactly where a client truncates input (1023 bytes: the OpenSSH client; 4095: a terminal line, su, pamtester; 255: cadaver, davfs2) and does not verify. For ssh use mode=device (the device flow) or short opaque tokens (token_types = opaque); elsewhere send the token by a path without that limit (see token-size.md).";
	case OIDC_E_SYMBOL_INTERPOSED:
		return "The program that loaded the plugin exports a function with the name of a library function the plugin calls (the log line names it), so the plugin would run the program's function instead: it refuses every login in this process. Load the plugin in a service that does not export the name, or report it to that program's maintainers.";
	case OIDC_E_IDP_HTTP_ERROR:
		return "The identity provider answered with an HTTP error status (404, 410, 400, 401, 403...), a redirect that is not followed, or the URL is not one that is fetched (not https); the detail names the URL and the status. The URL in the configuration is wrong: check issuer (exactly as the provider spells it), discovery_url, jwks_uri and the endpoint keys with oidc-auth discover. Waiting does not help.";
	case OIDC_E_IDP_BAD_DOCUMENT:
		return "The identity provider answered, but not with the document asked for (an HTML login or error page, not JSON, a discovery document without an https jwks_uri, a key set without a usable signature key, an oversize body); the detail names the URL. The URL points at something else than the provider's metadata or keys: check issuer, discovery_url and jwks_uri with oidc-auth discover.";
	case OIDC_E_ISSUER_MISMATCH:
		return "The provider's discovery document names another issuer than the issuer key (often only a trailing slash or the realm path differs; the detail shows both): set issuer to exactly the value the document publishes, which is what tokens carry in iss. A document for another issuer is never used (it could be a mix-up attack).";
	case OIDC_E_TLS_UNTRUSTED:
		return "The provider's TLS certificate was refused: not signed by a CA in ca_file (or in the system store when ca_file is not set), expired, or for another host name than the URL's; the detail names the URL and the reason. Put the CA that signed the provider's certificate in ca_file, or use the host name the certificate is for.";
	case OIDC_E_FOREIGN_ISSUER:
		return "No configured key verifies the token, and its claims, which could not be verified and are read only to explain this refusal, say it comes from an issuer or an Entra tenant this server does not accept (the detail shows which): a token for another provider or tenant, or a forgery. The client must use a token of the configured provider; add that issuer (a section) or tenant (allowed_tenants) only if it should log in.";
	case OIDC_E_KID_NOT_PUBLISHED:
		return "The token names a key id (kid) that the identity provider does not publish, also in its key set fetched just now (so not a new key this server has not seen yet): the key was retired (the client must get a new token), the token was signed by another provider using the same issuer name or by an application-specific key (Entra apps with their own signing key need jwks_uri with ?appid=CLIENT_ID), or it is forged.";
	case OIDC_E_NO_AUDIENCE:
		return "The token, or the provider's answer about it, has no aud, so nothing says it is for this service: have the provider put this service's audience into its tokens (a resource indicator, an audience mapper, an additional audience), or, if it never does (Cognito access tokens, LemonLDAP::NG introspection), list the clients whose tokens are meant for this service in accept_clients.";
	case OIDC_E_CLIENT_NOT_ACCEPTED:
		return "The token has no aud and the client it was issued to (its client_id or azp) is not in accept_clients, so it is not bound to this service: it was probably issued to another application; add that client to accept_clients only if all its tokens are meant for this service.";
	}
	return "Unknown status.";
}

OIDC_EXPORT enum oidc_status_class oidc_status_class(enum oidc_status st)
{
	switch (st) {
	case OIDC_OK:
		return OIDC_CLASS_OK;
	case OIDC_E_MALFORMED:
	case OIDC_E_TOO_LARGE:
	case OIDC_E_ALG_NOT_ALLOWED:
	case OIDC_E_UNSUPPORTED_HEADER:
	case OIDC_E_UNKNOWN_KID:
	case OIDC_E_AMBIGUOUS_KEY:
	case OIDC_E_KEY_MISMATCH:
	case OIDC_E_BAD_SIGNATURE:
	case OIDC_E_WRONG_ISSUER:
	case OIDC_E_TENANT_NOT_ALLOWED:
	case OIDC_E_WRONG_AUDIENCE:
	case OIDC_E_GRAPH_AUDIENCE:
	case OIDC_E_EXPIRED:
	case OIDC_E_NOT_YET_VALID:
	case OIDC_E_ISSUED_IN_FUTURE:
	case OIDC_E_MISSING_CLAIM:
	case OIDC_E_BAD_CLAIM:
	case OIDC_E_WRONG_TYP:
	case OIDC_E_WRONG_AZP:
	case OIDC_E_TOKEN_BOUND:
	case OIDC_E_NO_USERNAME:
	case OIDC_E_EMAIL_UNVERIFIED:
	case OIDC_E_BAD_USERNAME:
	case OIDC_E_USER_MISMATCH:
	case OIDC_E_SYSTEM_USER:
	case OIDC_E_NO_AUDIENCE:
	case OIDC_E_CLIENT_NOT_ACCEPTED:
		return OIDC_CLASS_DENY;
	case OIDC_E_INSUFFICIENT_SCOPE:
	case OIDC_E_CLAIM_POLICY:
		return OIDC_CLASS_FORBIDDEN;
	case OIDC_E_IDP_UNREACHABLE:
	case OIDC_E_KEYS_UNAVAILABLE:
	case OIDC_E_ACCOUNT_LOOKUP:
		return OIDC_CLASS_UNAVAILABLE;
	case OIDC_E_TOKEN_INACTIVE:
	case OIDC_E_ACCESS_DENIED:
	case OIDC_E_DEVICE_EXPIRED:
	case OIDC_E_GRANT_REFUSED:
	case OIDC_E_TOKEN_TRUNCATED:
	case OIDC_E_FOREIGN_ISSUER:
	case OIDC_E_KID_NOT_PUBLISHED:
		return OIDC_CLASS_DENY;
	case OIDC_E_AUTH_PENDING:
		return OIDC_CLASS_PENDING;
	case OIDC_E_BAD_REQUEST:
		return OIDC_CLASS_BADREQ;
	case OIDC_E_CONFIG:
	case OIDC_E_NOMEM:
	case OIDC_E_INTERNAL:
	case OIDC_E_BAD_KEY:
	case OIDC_E_BAD_KEYSET:
	case OIDC_E_CACHE_DIR:
	case OIDC_E_SYMBOL_INTERPOSED:
	/* the provider answered: waiting does not help, someone must fix a
	 * URL, the issuer or ca_file (CLI exit 2, PAM_SERVICE_ERR, SASL_FAIL) */
	case OIDC_E_IDP_HTTP_ERROR:
	case OIDC_E_IDP_BAD_DOCUMENT:
	case OIDC_E_ISSUER_MISMATCH:
	case OIDC_E_TLS_UNTRUSTED:
		return OIDC_CLASS_INTERNAL;
	}
	return OIDC_CLASS_INTERNAL;
}

OIDC_EXPORT const char *oidc_class_name(enum oidc_status_class cls)
{
	switch (cls) {
	case OIDC_CLASS_OK: return "ok";
	case OIDC_CLASS_DENY: return "deny";
	case OIDC_CLASS_FORBIDDEN: return "forbidden";
	case OIDC_CLASS_UNAVAILABLE: return "unavailable";
	case OIDC_CLASS_BADREQ: return "badreq";
	case OIDC_CLASS_INTERNAL: return "internal";
	case OIDC_CLASS_PENDING: return "pending";
	}
	return "internal";
}

/*
 * Non-zero when one of the eight bytes of v is below 0x20, DEL, 0x80 or
 * above, '"' or '\\' (never zero for such a word; now and then non-zero
 * for a clean one, which only costs the byte loop).
 */
static uint64_t word_needs_care(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
	uint64_t d = v ^ (ones * 0x7f);

	return (((v - ones * 0x20) | (q - ones) | (b - ones) | (d - ones)) & ~v &
		high) | (v & high);
}

static bool oidc_is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/*
 * The escape sequence that starts at s[0] (s[0] == '\\'), n bytes left:
 * its length when it is one this file writes (\" \\ \xHH), else 0.
 */
static size_t oidc_escape_at(const char *s, size_t n)
{
	if (n >= 2 && (s[1] == '"' || s[1] == '\\'))
		return 2;
	if (n >= 4 && s[1] == 'x' && oidc_is_hex((unsigned char)s[2]) &&
	    oidc_is_hex((unsigned char)s[3]))
		return 4;
	return 0;
}

/*
 * The one escaping rule of every audit field and error detail (design.md
 * 6): printable ASCII stays, '"' becomes \" and '\\' becomes \\, every
 * other byte (control, DEL, 0x80 and above) \xHH. So a value between
 * quotes never ends early, never forges a log line, and reads back. An
 * escape already in src (a detail quoted inside another) is kept as it is:
 * escaping twice changes nothing, and a backslash in the output always
 * starts one of the three sequences. Never a partial sequence at the end.
 */
void oidc_sanitize(char *dst, size_t cap, const char *src, size_t src_len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, o = 0, n;

	if (cap == 0)
		return;
	/* Each input byte makes at least one output byte: cap - 1 input bytes
	 * are all that can show. Eight clean bytes at a time first (this runs
	 * for every audit field of every token), then one by one. */
	n = !src ? 0 : strnlen(src, src_len < cap - 1 ? src_len : cap - 1);
	for (; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, src + i, sizeof(v));
		if (word_needs_care(v))
			break;
		memcpy(dst + i, &v, sizeof(v));
	}
	o = i;
	while (i < n) {
		unsigned char c = (unsigned char)src[i];
		size_t kept = c == '\\' ? oidc_escape_at(src + i, n - i) : 0;
		size_t in = 1, out = 1;
		char tok[4];

		if (kept) {
			memcpy(tok, src + i, kept);
			in = out = kept;
		} else if (c == '"' || c == '\\') {
			tok[0] = '\\';
			tok[1] = (char)c;
			out = 2;
		} else if ((unsigned char)(c - 0x20) < 0x5f) {
			tok[0] = (char)c;
			out = 1;
		} else {
			tok[0] = '\\';
			tok[1] = 'x';
			tok[2] = hex[c >> 4];
			tok[3] = hex[c & 15];
			out = 4;
		}
		if (out > cap - 1 - o)
			break;
		memcpy(dst + o, tok, out);
		o += out;
		i += in;
	}
	dst[o] = '\0';
}

OIDC_EXPORT void oidc_log_escape(char *dst, size_t cap, const char *src)
{
	oidc_sanitize(dst, cap, src, cap);
}

enum oidc_status oidc_err(struct oidc_error *err, enum oidc_status st,
			  const char *fmt, ...)
{
	char raw[OIDC_DETAIL_MAX];
	va_list ap;

	if (!err)
		return st;
	err->status = st;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	oidc_sanitize(err->detail, sizeof(err->detail), raw, sizeof(raw));
	return st;
}

void oidc_free_secret(void *p, size_t len)
{
	if (!p)
		return;
	/* Not optimised away either, and several times faster than
	 * OPENSSL_cleanse's byte loop on the per-token buffers. */
	explicit_bzero(p, len);
	free(p);
}

OIDC_EXPORT void oidc_token_fingerprint(const char *token, size_t len,
					char out[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)token, len, md);
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
}

/* ---- string lists ---- */

enum oidc_status oidc_strlist_split(const char *s, struct oidc_strlist *out)
{
	struct oidc_strlist l = { NULL, 0 };
	const char *p = s ? s : "";

	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (p == start)
			continue;
		char **nv = realloc(l.v, (l.n + 1) * sizeof(*nv));
		if (!nv)
			goto nomem;
		l.v = nv;
		l.v[l.n] = strndup(start, (size_t)(p - start));
		if (!l.v[l.n])
			goto nomem;
		l.n++;
	}
	*out = l;
	return OIDC_OK;
nomem:
	oidc_strlist_clear(&l);
	return OIDC_E_NOMEM;
}

enum oidc_status oidc_strlist_copy(const struct oidc_strlist *src,
				   struct oidc_strlist *dst)
{
	struct oidc_strlist l = { NULL, 0 };

	if (src->n) {
		l.v = calloc(src->n, sizeof(*l.v));
		if (!l.v)
			return OIDC_E_NOMEM;
	}
	for (size_t i = 0; i < src->n; i++) {
		l.v[i] = strdup(src->v[i]);
		if (!l.v[i]) {
			l.n = i;
			oidc_strlist_clear(&l);
			return OIDC_E_NOMEM;
		}
	}
	l.n = src->n;
	*dst = l;
	return OIDC_OK;
}

bool oidc_strlist_contains(const struct oidc_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void oidc_strlist_clear(struct oidc_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
