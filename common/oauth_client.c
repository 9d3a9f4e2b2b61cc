/* SPDX-License-Identifier: MIT */
/*
 * oauth_client.c - the core as an OAuth 2.0 client of the identity
 * provider: the device authorization grant (RFC 8628) for people signing
 * in on a terminal (sshd, the CLI's login), and the token endpoint's
 * refresh_token and client_credentials grants (RFC 6749 6 and 4.4) for
 * relays and archive jobs. Endpoints come from the configuration or from
 * discovery (keysource.c); client authentication as for introspection
 * (client_id + client_secret_file, basic or post; a public client sends
 * only its client_id).
 *
 * Everything the provider sends that a user will see (the user code and
 * the verification URIs end up in a PAM prompt or on a terminal) must be
 * printable ASCII: a provider must not be able to send terminal escapes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "keysource.h"
#include "discovery.h"

#define DEVICE_CODE_MAX 2048
#define USER_CODE_MAX 64
#define DEVICE_INTERVAL_DEFAULT 5       /* RFC 8628 3.2 */
#define DEVICE_INTERVAL_MAX 60
#define DEVICE_SLOW_DOWN 5              /* RFC 8628 3.5 */
#define DEVICE_EXPIRES_MAX 3600

struct oidc_device_auth {
	struct oidc_keysource *src;
	char *device_code;
	char *user_code;
	char *verification_uri;
	char *verification_uri_complete;
	int64_t expires_at;     /* min(provider's expires_in, device_timeout) */
	int interval;
};

/* Visible ASCII (0x21-0x7e) plus, when spaces is true, 0x20. */
static bool printable(const char *s, size_t max, bool spaces)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; s[n]; n++)
		if (n >= max || (unsigned char)s[n] > 0x7e ||
		    (unsigned char)s[n] < (spaces ? 0x20 : 0x21))
			return false;
	return true;
}

static bool dup_field(const char *s, char **out)
{
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

static void free_secret_str(char *s)
{
	if (s)
		oidc_free_secret(s, strlen(s));
}

OIDC_EXPORT void oidc_tokens_free(struct oidc_tokens **t)
{
	if (!t || !*t)
		return;
	free_secret_str((*t)->access_token);
	free_secret_str((*t)->id_token);
	free_secret_str((*t)->refresh_token);
	free((*t)->scope);
	free(*t);
	*t = NULL;
}

OIDC_EXPORT void oidc_device_free(struct oidc_device_auth **da)
{
	if (!da || !*da)
		return;
	free_secret_str((*da)->device_code);
	free((*da)->user_code);
	free((*da)->verification_uri);
	free((*da)->verification_uri_complete);
	free(*da);
	*da = NULL;
}

OIDC_EXPORT const char *oidc_device_user_code(const struct oidc_device_auth *da)
{
	return da->user_code;
}

OIDC_EXPORT const char *oidc_device_verification_uri(const struct oidc_device_auth *da)
{
	return da->verification_uri;
}

OIDC_EXPORT const char *
oidc_device_verification_uri_complete(const struct oidc_device_auth *da)
{
	return da->verification_uri_complete;
}

OIDC_EXPORT int64_t oidc_device_expires_at(const struct oidc_device_auth *da)
{
	return da->expires_at;
}

OIDC_EXPORT int oidc_device_interval(const struct oidc_device_auth *da)
{
	return da->interval;
}

/* The endpoint named by which ("token" or "device") for src. */
static enum oidc_status endpoint(struct oidc_keysource *src, int64_t now,
				 const struct oidc_http_opts *http, bool device,
				 const char **url_out, struct oidc_error *err)
{
	const struct oidc_provider_meta *meta = NULL;
	const char *url;
	enum oidc_status st;

	st = oidc_keysource_meta(src, now, http, &meta, err);
	if (st != OIDC_OK)
		return st;
	url = device ? meta->device_authorization_endpoint : meta->token_endpoint;
	if (!url)
		return oidc_err(err, OIDC_E_CONFIG, "the provider publishes no %s: set it",
				device ? "device_authorization_endpoint" : "token_endpoint");
	*url_out = url;
	return OIDC_OK;
}

/*
 * POST body (consumed) to url with the client authentication of ic, and
 * parse the answer (into doc, which owns a copy it wipes when cleared: it
 * holds tokens): 200 and one JSON object -> OIDC_OK with doc filled; 400
 * and 401 with an OAuth error object (RFC 6749 5.2) -> OIDC_OK with doc
 * and *http_status_out set (the caller reads "error"); other statuses as
 * oidc_http_status_refused says (5xx: OIDC_E_IDP_UNREACHABLE, else
 * OIDC_E_IDP_HTTP_ERROR); not JSON: OIDC_E_IDP_BAD_DOCUMENT.
 */
static enum oidc_status client_post(const struct oidc_issuer_cfg *ic,
				    const struct oidc_http_opts *http, const char *url,
				    char *body, struct oidc_jdoc_owned *doc, long *http_status_out,
				    struct oidc_error *err)
{
	struct oidc_http_response resp = { 0 };
	struct oidc_error perr;
	bool basic = ic->client_secret && !ic->client_auth_post;
	enum oidc_status st;

	if (!ic->client_id) {
		free_secret_str(body);
		return oidc_err(err, OIDC_E_CONFIG, "client_id is required to talk to "
				"the token endpoint");
	}
	/* RFC 6749 2.3.1 client_secret_post, or 3.2.1 a public client. */
	if (!basic)
		body = oidc_http_form_add(body, "client_id", ic->client_id);
	if (!basic && ic->client_secret)
		body = oidc_http_form_add(body, "client_secret", ic->client_secret);
	if (!body)
		return oidc_err(err, OIDC_E_NOMEM, "token request");
	st = oidc_http_post_form(http, url, body, basic ? ic->client_id : NULL,
				 basic ? ic->client_secret : NULL, &resp, err);
	free_secret_str(body);
	if (st != OIDC_OK)
		goto out;
	if (resp.status != 200 && resp.status != 400 && resp.status != 401) {
		st = oidc_http_status_refused("token endpoint", resp.status, url, err);
		goto out;
	}
	st = oidc_jdoc_parse_copy(doc, resp.body, resp.body_len, &perr);
	if (st != OIDC_OK) {
		st = oidc_err(err, st == OIDC_E_NOMEM ? st : OIDC_E_IDP_BAD_DOCUMENT,
			      "token endpoint: answer is not a JSON object (%s)",
			      perr.detail);
		goto out;
	}
	*http_status_out = resp.status;
out:
	if (resp.body)
		OPENSSL_cleanse(resp.body, resp.body_len);
	oidc_http_response_clear(&resp);
	return st;
}

/* RFC 6749 5.1: a successful token response into tokens. */
static enum oidc_status parse_tokens(const struct oidc_jdoc *doc, int64_t now,
				     struct oidc_tokens **tokens_out, struct oidc_error *err)
{
	const char *at = oidc_jdoc_str(doc, "access_token");
	const char *type = oidc_jdoc_str(doc, "token_type");
	const char *idt = oidc_jdoc_str(doc, "id_token");
	const char *rt = oidc_jdoc_str(doc, "refresh_token");
	const char *scope = oidc_jdoc_str(doc, "scope");
	const struct oidc_jnode *exp = oidc_jdoc_get(doc, "expires_in");
	struct oidc_tokens *t;
	int64_t expires_in = 0;

	/* An empty scope (oidc-provider sends "" when only openid was asked
	 * for together with a resource) says no more than an absent one. */
	if (scope && !*scope)
		scope = NULL;

	if (!printable(at, OIDC_TOKEN_MAX_LIMIT, false))
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "token response: no usable "
				"access_token");
	/* RFC 6750: we only ever present Bearer tokens. */
	if (!type || strcasecmp(type, "Bearer") != 0)
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "token response: token_type "
				"is not Bearer");
	if ((idt && !printable(idt, OIDC_TOKEN_MAX_LIMIT, false)) ||
	    (rt && !printable(rt, OIDC_TOKEN_MAX_LIMIT, false)) ||
	    (scope && !printable(scope, 4096, true)))
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "token response: a member "
				"is not printable ASCII");
	if (exp && (!oidc_jnode_int(exp, &expires_in) || expires_in < 0))
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "token response: expires_in "
				"is not a non-negative integer");
	t = calloc(1, sizeof(*t));
	if (!t)
		return oidc_err(err, OIDC_E_NOMEM, "tokens");
	if (!dup_field(at, &t->access_token) || !dup_field(idt, &t->id_token) ||
	    !dup_field(rt, &t->refresh_token) || !dup_field(scope, &t->scope)) {
		oidc_tokens_free(&t);
		return oidc_err(err, OIDC_E_NOMEM, "tokens");
	}
	if (exp)
		t->expires_at = oidc_ks_add(now, expires_in);
	*tokens_out = t;
	return OIDC_OK;
}

/* The OAuth "error" of a 400/401 answer, for the status and the detail. */
static const char *oauth_error(const struct oidc_jdoc *doc)
{
	const char *e = oidc_jdoc_str(doc, "error");

	return e && printable(e, 64, false) ? e : "(no error code)";
}

/* scope and resource of ic appended to the body. */
static char *add_scope_resource(char *body, const struct oidc_issuer_cfg *ic,
				const char *default_scope)
{
	char scope[1024] = "";
	size_t o = 0;

	for (size_t i = 0; i < ic->request_scopes.n && o < sizeof(scope); i++)
		o += (size_t)snprintf(scope + o, sizeof(scope) - o, "%s%s", i ? " " : "",
				      ic->request_scopes.v[i]);
	if (o >= sizeof(scope)) {
		free_secret_str(body);
		return NULL;
	}
	if (!*scope && default_scope)
		snprintf(scope, sizeof(scope), "%s", default_scope);
	if (*scope)
		body = oidc_http_form_add(body, "scope", scope);
	if (ic->request_resource.n == 1)
		body = oidc_http_form_add(body, "resource", ic->request_resource.v[0]);
	return body;
}

static enum oidc_status source_for(struct oidc_ctx *ctx, const char *issuer_name,
				   struct oidc_keysource **src_out,
				   struct oidc_http_opts *http, struct oidc_error *err)
{
	struct oidc_keysource *src;

	if (!ctx)
		return oidc_err(err, OIDC_E_INTERNAL, "no context");
	src = oidc_ctx_source(ctx, issuer_name);
	if (!src)
		return oidc_err(err, OIDC_E_CONFIG, issuer_name ? "no [issuer %.64s] "
				"section" : "several issuers are configured: name one%.0s",
				issuer_name ? issuer_name : "");
	oidc_keysource_http_opts(src->ic, http);
	*src_out = src;
	return OIDC_OK;
}

/* RFC 8628 3.2: the device authorization response. */
static enum oidc_status parse_device(const struct oidc_jdoc *doc,
				     struct oidc_device_auth *da, int64_t now,
				     struct oidc_error *err)
{
	const char *dc = oidc_jdoc_str(doc, "device_code");
	const char *uc = oidc_jdoc_str(doc, "user_code");
	const char *uri = oidc_jdoc_str(doc, "verification_uri");
	const char *uric = oidc_jdoc_str(doc, "verification_uri_complete");
	const struct oidc_jnode *iv = oidc_jdoc_get(doc, "interval");
	int64_t expires_in = 0, interval = 0;

	/* Google's older endpoint says verification_url. */
	if (!uri)
		uri = oidc_jdoc_str(doc, "verification_url");
	if (!printable(dc, DEVICE_CODE_MAX, false) || !printable(uc, USER_CODE_MAX, true) ||
	    !printable(uri, OIDC_KS_URL_MAX, false) ||
	    (uric && !printable(uric, OIDC_KS_URL_MAX, false)))
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "device authorization: "
				"device_code, user_code or verification_uri missing or "
				"not printable");
	if (strncmp(uri, "https://", 8) != 0 || (uric && strncmp(uric, "https://", 8) != 0))
		if (!oidc_ks_is_loopback_http(uri) || (uric && !oidc_ks_is_loopback_http(uric)))
			return oidc_err(err, OIDC_E_GRANT_REFUSED, "device authorization: "
					"verification_uri is not https");
	if (!oidc_jnode_int(oidc_jdoc_get(doc, "expires_in"), &expires_in) ||
	    expires_in <= 0)
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "device authorization: "
				"expires_in missing or not a positive integer");
	if (iv && (!oidc_jnode_int(iv, &interval) || interval < 0))
		return oidc_err(err, OIDC_E_GRANT_REFUSED, "device authorization: "
				"interval is not an integer");
	if (expires_in > DEVICE_EXPIRES_MAX)
		expires_in = DEVICE_EXPIRES_MAX;
	if (expires_in > da->src->ic->device_timeout)
		expires_in = da->src->ic->device_timeout;
	da->expires_at = now + expires_in;
	da->interval = iv ? (int)(interval > DEVICE_INTERVAL_MAX ?
				  DEVICE_INTERVAL_MAX : interval)
			  : DEVICE_INTERVAL_DEFAULT;
	if (da->interval < 1)
		da->interval = 1;
	if (!dup_field(dc, &da->device_code) || !dup_field(uc, &da->user_code) ||
	    !dup_field(uri, &da->verification_uri) ||
	    !dup_field(uric, &da->verification_uri_complete))
		return oidc_err(err, OIDC_E_NOMEM, "device authorization");
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_device_start(struct oidc_ctx *ctx, const char *issuer_name,
					       struct oidc_device_auth **da_out,
					       struct oidc_error *err)
{
	struct oidc_device_auth *da = NULL;
	struct oidc_keysource *src = NULL;
	struct oidc_jdoc_owned doc = { { NULL, 0, 0 }, NULL, 0 };
	struct oidc_http_opts http;
	const char *url = NULL;
	long status = 0;
	int64_t now;
	enum oidc_status st;

	st = source_for(ctx, issuer_name, &src, &http, err);
	if (st != OIDC_OK || !da_out)
		return st != OIDC_OK ? st : oidc_err(err, OIDC_E_INTERNAL, "no output");
	now = oidc_ctx_now(ctx);
	st = endpoint(src, now, &http, true, &url, err);
	if (st != OIDC_OK)
		return st;
	st = client_post(src->ic, &http, url, add_scope_resource(strdup(""), src->ic, "openid"),
			 &doc, &status, err);
	if (st != OIDC_OK)
		goto out;
	if (status != 200) {
		st = oidc_err(err, OIDC_E_GRANT_REFUSED, "device authorization refused: "
			      "HTTP %ld %s", status, oauth_error(&doc.doc));
		goto out;
	}
	da = calloc(1, sizeof(*da));
	if (!da) {
		st = oidc_err(err, OIDC_E_NOMEM, "device authorization");
		goto out;
	}
	da->src = src;
	st = parse_device(&doc.doc, da, now, err);
	if (st == OIDC_OK) {
		*da_out = da;
		da = NULL;
	}
out:
	oidc_device_free(&da);
	oidc_jdoc_owned_clear(&doc);
	return st;
}

/* A token request with grant body (consumed); 400/401 errors by "error". */
static enum oidc_status token_request(struct oidc_keysource *src,
				      const struct oidc_http_opts *http, int64_t now,
				      char *body, struct oidc_jdoc_owned *doc,
				      const char **oauth_err_out, struct oidc_error *err)
{
	const char *url = NULL;
	long status = 0;
	enum oidc_status st;

	st = endpoint(src, now, http, false, &url, err);
	if (st != OIDC_OK) {
		free_secret_str(body);
		return st;
	}
	st = client_post(src->ic, http, url, body, doc, &status, err);
	if (st != OIDC_OK)
		return st;
	*oauth_err_out = status == 200 ? NULL : oauth_error(&doc->doc);
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_device_poll(struct oidc_ctx *ctx,
					      struct oidc_device_auth *da,
					      struct oidc_tokens **tokens_out,
					      struct oidc_error *err)
{
	struct oidc_jdoc_owned doc = { { NULL, 0, 0 }, NULL, 0 };
	struct oidc_http_opts http;
	const char *oe = NULL;
	char *body;
	int64_t now;
	enum oidc_status st;

	if (!ctx || !da || !tokens_out)
		return oidc_err(err, OIDC_E_INTERNAL, "device poll without state");
	now = oidc_ctx_now(ctx);
	if (now >= da->expires_at)
		return oidc_err(err, OIDC_E_DEVICE_EXPIRED, "the user did not sign in "
				"within the time allowed");
	oidc_keysource_http_opts(da->src->ic, &http);
	/* RFC 8628 3.4 */
	body = oidc_http_form_add(strdup(""), "grant_type",
				  "urn:ietf:params:oauth:grant-type:device_code");
	body = oidc_http_form_add(body, "device_code", da->device_code);
	if (!body)
		return oidc_err(err, OIDC_E_NOMEM, "device token request");
	st = token_request(da->src, &http, now, body, &doc, &oe, err);
	if (st != OIDC_OK)
		goto out;
	if (!oe) {
		st = parse_tokens(&doc.doc, now, tokens_out, err);
	} else if (strcmp(oe, "authorization_pending") == 0) {
		st = oidc_err(err, OIDC_E_AUTH_PENDING, "authorization_pending");
	} else if (strcmp(oe, "slow_down") == 0) {
		/* RFC 8628 3.5: add 5 seconds to this and all later polls */
		if (da->interval <= DEVICE_INTERVAL_MAX)
			da->interval += DEVICE_SLOW_DOWN;
		st = oidc_err(err, OIDC_E_AUTH_PENDING, "slow_down");
	} else if (strcmp(oe, "access_denied") == 0) {
		st = oidc_err(err, OIDC_E_ACCESS_DENIED, "the user refused the sign-in");
	} else if (strcmp(oe, "expired_token") == 0) {
		st = oidc_err(err, OIDC_E_DEVICE_EXPIRED, "the provider says the device "
			      "code expired");
	} else {
		st = oidc_err(err, OIDC_E_GRANT_REFUSED, "device token request refused: %s",
			      oe);
	}
out:
	oidc_jdoc_owned_clear(&doc);
	return st;
}

static enum oidc_status grant(struct oidc_ctx *ctx, const char *issuer_name, char *body,
			      const char *what, struct oidc_tokens **tokens_out,
			      struct oidc_error *err)
{
	struct oidc_keysource *src = NULL;
	struct oidc_jdoc_owned doc = { { NULL, 0, 0 }, NULL, 0 };
	struct oidc_http_opts http;
	const char *oe = NULL;
	int64_t now;
	enum oidc_status st;

	st = source_for(ctx, issuer_name, &src, &http, err);
	if (st == OIDC_OK && !tokens_out)
		st = oidc_err(err, OIDC_E_INTERNAL, "no output");
	if (st == OIDC_OK && !body)
		st = oidc_err(err, OIDC_E_NOMEM, "%s request", what);
	if (st != OIDC_OK) {
		free_secret_str(body);
		return st;
	}
	body = add_scope_resource(body, src->ic, NULL);
	if (!body)
		return oidc_err(err, OIDC_E_NOMEM, "%s request", what);
	now = oidc_ctx_now(ctx);
	st = token_request(src, &http, now, body, &doc, &oe, err);
	if (st == OIDC_OK && oe)
		st = oidc_err(err, OIDC_E_GRANT_REFUSED, "%s refused: %s", what, oe);
	else if (st == OIDC_OK)
		st = parse_tokens(&doc.doc, now, tokens_out, err);
	oidc_jdoc_owned_clear(&doc);
	return st;
}

OIDC_EXPORT enum oidc_status oidc_token_refresh(struct oidc_ctx *ctx, const char *issuer_name,
						const char *refresh_token,
						struct oidc_tokens **tokens_out,
						struct oidc_error *err)
{
	char *body;

	if (!printable(refresh_token, OIDC_TOKEN_MAX_LIMIT, false))
		return oidc_err(err, OIDC_E_MALFORMED, "refresh token missing or not "
				"printable ASCII");
	/* RFC 6749 6 */
	body = oidc_http_form_add(strdup(""), "grant_type", "refresh_token");
	body = oidc_http_form_add(body, "refresh_token", refresh_token);
	return grant(ctx, issuer_name, body, "refresh_token grant", tokens_out, err);
}

OIDC_EXPORT enum oidc_status oidc_token_client_credentials(struct oidc_ctx *ctx,
							   const char *issuer_name,
							   struct oidc_tokens **tokens_out,
							   struct oidc_error *err)
{
	struct oidc_keysource *src = ctx ? oidc_ctx_source(ctx, issuer_name) : NULL;

	/* RFC 6749 4.4: only confidential clients may use this grant. */
	if (src && !src->ic->client_secret)
		return oidc_err(err, OIDC_E_CONFIG, "client_credentials needs "
				"client_secret_file");
	return grant(ctx, issuer_name,
		     oidc_http_form_add(strdup(""), "grant_type", "client_credentials"),
		     "client_credentials grant", tokens_out, err);
}
