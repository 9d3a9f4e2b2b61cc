/* SPDX-License-Identifier: MIT */
/*
 * http.c - the HTTP transport of the core: one libcurl easy handle per
 * request, HTTPS only, TLS always verified, bounded in size and time.
 * Callers judge the HTTP status and the body; this file only moves bytes.
 *
 * Redirects: only a request without credentials follows them (discovery
 * and JWKS GETs; https only, at most OIDC_HTTP_MAX_REDIRS). A request with
 * a bearer token, Basic client credentials or a form (introspection, token,
 * device and revocation endpoints: RFC 7662, RFC 6749, RFC 8628 need no
 * redirects) never does: libcurl re-sends the body of a POST on a 307 or
 * 308, to any host, and the Authorization header to the same host on
 * another port. A redirect answer to such a request is reported as
 * OIDC_E_IDP_HTTP_ERROR naming the status and where it pointed: most
 * likely the endpoint URL in the configuration is not the final one.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "internal.h"
#include "net.h"

#define OIDC_HTTP_USER_AGENT "oidc-auth/0.1 (+libcurl)"
#define OIDC_HTTP_MAX_REDIRS 3L
#define OIDC_HTTP_BODY_INITIAL 16384
/* RFC 9111 1.2.2: delta-seconds past 2^31 are taken as 2^31. */
#define OIDC_HTTP_DELTA_SECONDS_MAX 2147483648LL

/* design.md 1: the only global of the core is this once-init. */
static pthread_once_t oidc_curl_once = PTHREAD_ONCE_INIT;
static CURLcode oidc_curl_init_result = CURLE_FAILED_INIT;

static void oidc_curl_init_once(void)
{
	oidc_curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct oidc_http_body {
	unsigned char *buf;
	size_t len;
	size_t cap;
	size_t max;
	bool too_big;
	bool nomem;
};

struct oidc_http_headers {
	int64_t max_age;        /* -1 absent */
	bool max_age_seen;
	bool no_store;          /* no-store or no-cache */
	char content_type[128];
};

/* ---- URL policy --------------------------------------------------------- */

static bool oidc_http_host_is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
	       strcasecmp(host, "localhost") == 0;
}

/*
 * Parse url with libcurl's own parser (so what we judge is what curl
 * fetches) and decide the protocols allowed. Nothing here resolves a name.
 */
static enum oidc_status oidc_http_parse_url(const struct oidc_http_opts *opts,
					    const char *url, CURLU **url_out,
					    bool *plain_http_out,
					    struct oidc_error *err)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *user = NULL;
	/* a URL we never fetch is a mistake in the configuration or the
	 * provider's metadata, not an outage */
	enum oidc_status st = OIDC_E_IDP_HTTP_ERROR;
	CURLUcode uc;

	if (!url || !*url)
		return oidc_err(err, st, "empty url");
	u = curl_url();
	if (!u)
		return oidc_err(err, OIDC_E_NOMEM, "out of memory");
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc == CURLUE_OUT_OF_MEMORY) {
		st = oidc_err(err, OIDC_E_NOMEM, "out of memory");
		goto out;
	}
	if (uc != CURLUE_OK) {
		oidc_err(err, st, "bad url: %s", curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		oidc_err(err, st, "bad url: no scheme or host");
		goto out;
	}
	/* Credentials in a URL would be sent as Basic auth and logged by
	 * proxies; the core never puts a secret in a URL. */
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		oidc_err(err, st, "url has credentials");
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0) {
		*plain_http_out = false;
	} else if (strcasecmp(scheme, "http") == 0 && opts->allow_loopback_http &&
		   oidc_http_host_is_loopback(host)) {
		*plain_http_out = true;
	} else {
		oidc_err(err, st, "%.120s: not an https url", url);
		goto out;
	}
	*url_out = u;
	u = NULL;
	st = OIDC_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return st;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+"
 * / "/" ) *"=". Anything else (CR, LF, space) could forge headers. */
static bool oidc_http_is_b64token(const char *s)
{
	size_t i = 0;

	for (; s[i] && s[i] != '='; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_' || c == '~' || c == '+' || c == '/'))
			return false;
	}
	if (i == 0)
		return false;
	for (; s[i]; i++)
		if (s[i] != '=')
			return false;
	return true;
}

/* ---- callbacks ---------------------------------------------------------- */

static size_t oidc_http_write_cb(char *data, size_t size, size_t nmemb,
				 void *arg)
{
	struct oidc_http_body *b = arg;
	size_t n = size * nmemb;

	if (n > b->max || b->len > b->max - n) {
		b->too_big = true;
		return 0; /* a short count aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : OIDC_HTTP_BODY_INITIAL;
		while (ncap < b->len + n + 1)
			ncap = ncap > SIZE_MAX / 2 ? b->len + n + 1 : ncap * 2;
		if (ncap > b->max + 1)
			ncap = b->max + 1;
		/* Not realloc: the body may carry tokens (device flow), so the
		 * old copy is wiped before it is freed. */
		unsigned char *nb = malloc(ncap);
		if (!nb) {
			b->nomem = true;
			return 0;
		}
		if (b->len)
			memcpy(nb, b->buf, b->len);
		oidc_free_secret(b->buf, b->cap);
		b->buf = nb;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* RFC 9110 5.6.3 OWS */
static bool oidc_http_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* One Cache-Control directive (RFC 9111 5.2), value unquoted. */
static void oidc_http_cache_directive(struct oidc_http_headers *h,
				      const char *d, size_t len)
{
	static const char max_age[] = "max-age";
	size_t klen = 0;

	while (klen < len && d[klen] != '=')
		klen++;
	if (klen == 8 && strncasecmp(d, "no-store", 8) == 0) {
		h->no_store = true;
		return;
	}
	if (klen == 8 && strncasecmp(d, "no-cache", 8) == 0) {
		h->no_store = true;
		return;
	}
	if (klen != sizeof(max_age) - 1 || strncasecmp(d, max_age, klen) != 0)
		return;
	/* RFC 9111 4.2.1: with several max-age values use the first. */
	if (h->max_age_seen)
		return;
	h->max_age_seen = true;
	const char *v = d + klen;
	size_t vlen = 0;
	if (klen < len) {
		v++;
		vlen = len - klen - 1;
	}
	if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
		v++;
		vlen -= 2;
	}
	int64_t secs = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9') {
			vlen = 0;
			break;
		}
		if (secs < OIDC_HTTP_DELTA_SECONDS_MAX)
			secs = secs * 10 + (v[i] - '0');
	}
	/* RFC 9111 4.2.1: an invalid max-age makes the response stale. */
	h->max_age = vlen ? (secs > OIDC_HTTP_DELTA_SECONDS_MAX ?
				     OIDC_HTTP_DELTA_SECONDS_MAX : secs) : 0;
}

static void oidc_http_cache_control(struct oidc_http_headers *h,
				    const char *v, size_t len)
{
	size_t i = 0;

	while (i < len) {
		while (i < len && (oidc_http_is_ows(v[i]) || v[i] == ','))
			i++;
		size_t start = i;
		bool quoted = false;
		while (i < len && (quoted || v[i] != ',')) {
			if (v[i] == '"')
				quoted = !quoted;
			i++;
		}
		size_t end = i;
		while (end > start && oidc_http_is_ows(v[end - 1]))
			end--;
		if (end > start)
			oidc_http_cache_directive(h, v + start, end - start);
	}
}

/* RFC 9110 8.3: media type, lower case, without parameters. */
static void oidc_http_content_type(struct oidc_http_headers *h,
				   const char *v, size_t len)
{
	size_t n = 0;

	while (n < len && v[n] != ';' && !oidc_http_is_ows(v[n]))
		n++;
	if (n >= sizeof(h->content_type)) {
		h->content_type[0] = '\0';
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		h->content_type[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	h->content_type[n] = '\0';
}

static size_t oidc_http_header_cb(char *line, size_t size, size_t nmemb,
				  void *arg)
{
	struct oidc_http_headers *h = arg;
	size_t n = size * nmemb, len = n, colon = 0;

	/* A status line starts a new response (redirect, 100, proxy
	 * CONNECT): only the headers of the last one count. */
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		h->max_age = -1;
		h->max_age_seen = false;
		h->no_store = false;
		h->content_type[0] = '\0';
		return n;
	}
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	while (colon < len && line[colon] != ':')
		colon++;
	if (colon == len)
		return n;
	const char *v = line + colon + 1;
	size_t vlen = len - colon - 1;
	while (vlen > 0 && oidc_http_is_ows(*v)) {
		v++;
		vlen--;
	}
	if (colon == 13 && strncasecmp(line, "cache-control", 13) == 0)
		oidc_http_cache_control(h, v, vlen);
	else if (colon == 12 && strncasecmp(line, "content-type", 12) == 0)
		oidc_http_content_type(h, v, vlen);
	return n;
}

/* ---- headers with secrets ----------------------------------------------- */

/* curl_slist_append copies; wipe the copies before freeing them. */
static void oidc_http_slist_free(struct curl_slist **list)
{
	for (struct curl_slist *l = *list; l; l = l->next)
		if (l->data)
			OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(*list);
	*list = NULL;
}

/* Append "prefix value" to *list, the temporary wiped. */
static bool oidc_http_add_secret_header(struct curl_slist **list,
					const char *prefix, const char *value)
{
	size_t plen = strlen(prefix), vlen = strlen(value);
	size_t cap = plen + vlen + 1;
	char *line = malloc(cap);
	struct curl_slist *nl;

	if (!line)
		return false;
	memcpy(line, prefix, plen);
	memcpy(line + plen, value, vlen + 1);
	nl = curl_slist_append(*list, line);
	oidc_free_secret(line, cap);
	if (!nl)
		return false;
	*list = nl;
	return true;
}

/* RFC 6749 2.3.1: base64(form-escape(user) ":" form-escape(pass)). */
static enum oidc_status oidc_http_add_basic(struct curl_slist **list,
					    const char *user, const char *pass)
{
	char *eu = NULL, *ep = NULL, *joined = NULL;
	unsigned char *b64 = NULL;
	size_t jlen = 0, b64cap = 0;
	enum oidc_status st = OIDC_E_NOMEM;

	eu = oidc_http_form_escape(user);
	ep = oidc_http_form_escape(pass ? pass : "");
	if (!eu || !ep)
		goto out;
	size_t ulen = strlen(eu), plen = strlen(ep);
	jlen = ulen + 1 + plen;
	if (jlen > INT_MAX / 2)
		goto out;
	joined = malloc(jlen + 1);
	if (!joined)
		goto out;
	memcpy(joined, eu, ulen);
	joined[ulen] = ':';
	memcpy(joined + ulen + 1, ep, plen + 1);
	b64cap = 4 * ((jlen + 2) / 3) + 1;
	b64 = malloc(b64cap);
	if (!b64)
		goto out;
	EVP_EncodeBlock(b64, (const unsigned char *)joined, (int)jlen);
	if (oidc_http_add_secret_header(list, "Authorization: Basic ",
					(const char *)b64))
		st = OIDC_OK;
out:
	oidc_free_secret(eu, eu ? strlen(eu) : 0);
	oidc_free_secret(ep, ep ? strlen(ep) : 0);
	oidc_free_secret(joined, jlen + 1);
	oidc_free_secret(b64, b64cap);
	return st;
}

/* ---- the request -------------------------------------------------------- */

static bool oidc_http_is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CLIENTCERT:
		return true;
	default:
		return false;
	}
}

/*
 * The server answered the handshake with a certificate we do not accept
 * (CURLE_PEER_FAILED_VERIFICATION is also CURLE_SSL_CACERT since curl
 * 7.62: unknown CA, expired, wrong host name), or ca_file cannot be used:
 * something to fix, not to wait for. A handshake that breaks off
 * (CURLE_SSL_CONNECT_ERROR) may be the network: unreachable.
 */
static bool oidc_http_is_untrusted(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_SSL_ISSUER_ERROR;
}

/*
 * A failed transfer. Could not reach the provider (DNS, connect, timeout, a
 * broken handshake or transfer): OIDC_E_IDP_UNREACHABLE. The provider
 * answered, and the answer is a mistake to fix: a certificate we refuse
 * (OIDC_E_TLS_UNTRUSTED), redirects we do not follow
 * (OIDC_E_IDP_HTTP_ERROR), a body past the limit (OIDC_E_IDP_BAD_DOCUMENT).
 * A name that does not resolve stays unreachable: libcurl cannot tell
 * NXDOMAIN from a resolver that is down, and only the second is worth a
 * retry, so the detail names the host for the administrator to check.
 */
static enum oidc_status oidc_http_map_error(CURLcode rc, const char *errbuf,
					    const struct oidc_http_body *b,
					    const char *url, struct oidc_error *err)
{
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (b->nomem || rc == CURLE_OUT_OF_MEMORY)
		return oidc_err(err, OIDC_E_NOMEM, "out of memory");
	if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return oidc_err(err, OIDC_E_IDP_BAD_DOCUMENT,
				"%.120s: body larger than %zu bytes", url, b->max);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE, "%.120s: timeout", url);
	if (rc == CURLE_UNSUPPORTED_PROTOCOL)
		return oidc_err(err, OIDC_E_IDP_HTTP_ERROR,
				"%.120s: redirect to a non-https url", url);
	if (rc == CURLE_TOO_MANY_REDIRECTS)
		return oidc_err(err, OIDC_E_IDP_HTTP_ERROR,
				"%.120s: more than %ld redirects", url, OIDC_HTTP_MAX_REDIRS);
	if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY)
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE, "dns: %s (check the "
				"host name of %.120s)", why, url);
	if (rc == CURLE_COULDNT_CONNECT)
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE, "connect: %s", why);
	if (oidc_http_is_untrusted(rc))
		return oidc_err(err, OIDC_E_TLS_UNTRUSTED, "tls: %.120s: %s", url, why);
	if (oidc_http_is_tls_error(rc))
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE, "tls: %s", why);
	return oidc_err(err, OIDC_E_IDP_UNREACHABLE, "transfer: %s", why);
}

enum oidc_status oidc_http_status_refused(const char *what, long status,
					  const char *url, struct oidc_error *err)
{
	/* RFC 9110 15.6: 5xx is the server's trouble; 429 (RFC 6585 4) and
	 * 408 say "not now". Those may pass: a retry can succeed. */
	if (status >= 500 || status == 429 || status == 408)
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE,
				"%s: HTTP %ld from %.120s (the provider has a problem)",
				what, status, url);
	return oidc_err(err, OIDC_E_IDP_HTTP_ERROR, "%s: HTTP %ld from %.120s%s", what,
			status, url, status == 404 || status == 410 ?
				" (no such document: is the URL right?)" : "");
}

/* A 3xx answer to a request with credentials (not followed). */
static enum oidc_status oidc_http_redirect_refused(CURL *h, long status,
						   struct oidc_error *err)
{
	char *to = NULL;

	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &to) != CURLE_OK)
		to = NULL;
	return oidc_err(err, OIDC_E_IDP_HTTP_ERROR, "HTTP %ld redirect%s%.120s: a request "
			"with credentials never follows redirects (nothing was re-sent); "
			"configure the endpoint's final URL", status, to ? " to " : "",
			to ? to : "");
}

#define OIDC_SETOPT(h, opt, val)                                              \
	do {                                                                  \
		if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)          \
			goto setopt_failed;                                   \
	} while (0)

/*
 * One request. form_body NULL: GET. Authorization comes from bearer or
 * basic_user (at most one is set by the public wrappers).
 */
static enum oidc_status oidc_http_request(const struct oidc_http_opts *opts,
					  const char *url,
					  const char *form_body,
					  const char *bearer,
					  const char *basic_user,
					  const char *basic_pass,
					  struct oidc_http_response *out,
					  struct oidc_error *err)
{
	static const struct oidc_http_opts defaults = { 0 };
	struct oidc_http_body body = { 0 };
	struct oidc_http_headers hdr = { .max_age = -1 };
	struct curl_slist *headers = NULL;
	CURLU *u = NULL;
	CURL *h = NULL;
	char errbuf[CURL_ERROR_SIZE];
	bool plain_http = false, follow;
	long connect_ms, total_ms, status = 0;
	enum oidc_status st;
	CURLcode rc;

	if (!out)
		return oidc_err(err, OIDC_E_INTERNAL, "no response struct");
	memset(out, 0, sizeof(*out));
	out->max_age = -1;
	if (!opts)
		opts = &defaults;
	connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms :
						    OIDC_HTTP_CONNECT_MS_DEFAULT;
	total_ms = opts->total_timeout_ms > 0 ? opts->total_timeout_ms :
						OIDC_HTTP_TIMEOUT_MS_DEFAULT;
	body.max = opts->max_body ? opts->max_body : OIDC_HTTP_BODY_MAX;
	if (body.max > SIZE_MAX / 4)
		body.max = SIZE_MAX / 4;
	errbuf[0] = '\0';

	if (bearer && !oidc_http_is_b64token(bearer))
		return oidc_err(err, OIDC_E_MALFORMED,
				"bearer token has characters outside b64token");
	pthread_once(&oidc_curl_once, oidc_curl_init_once);
	if (oidc_curl_init_result != CURLE_OK)
		return oidc_err(err, OIDC_E_INTERNAL, "curl_global_init failed");
	st = oidc_http_parse_url(opts, url, &u, &plain_http, err);
	if (st != OIDC_OK)
		return st;
	/* credentials are never re-sent on a redirect: such requests do not
	 * follow any (file comment) */
	follow = !form_body && !bearer && !basic_user;
	h = curl_easy_init();
	if (!h) {
		st = oidc_err(err, OIDC_E_NOMEM, "curl_easy_init failed");
		goto out;
	}

	headers = curl_slist_append(NULL, "Accept: application/json");
	if (!headers)
		goto nomem;
	if (bearer && !oidc_http_add_secret_header(&headers,
						   "Authorization: Bearer ",
						   bearer))
		goto nomem;
	if (basic_user) {
		st = oidc_http_add_basic(&headers, basic_user, basic_pass);
		if (st != OIDC_OK)
			goto nomem;
	}
	if (form_body) {
		struct curl_slist *nl = curl_slist_append(
			headers, "Content-Type: application/x-www-form-urlencoded");
		if (!nl)
			goto nomem;
		headers = nl;
		/* No "Expect: 100-continue" round trip for larger forms. */
		nl = curl_slist_append(headers, "Expect:");
		if (!nl)
			goto nomem;
		headers = nl;
	}

	OIDC_SETOPT(h, CURLOPT_CURLU, u);
	OIDC_SETOPT(h, CURLOPT_PROTOCOLS_STR, plain_http ? "http,https" : "https");
	/* Redirects stay on https even in loopback test mode: a test server
	 * must never be able to send us to a plain-text URL elsewhere. */
	OIDC_SETOPT(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	OIDC_SETOPT(h, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
	OIDC_SETOPT(h, CURLOPT_MAXREDIRS, OIDC_HTTP_MAX_REDIRS);
	/* the default, stated: no credentials to another host either way */
	OIDC_SETOPT(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	OIDC_SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	OIDC_SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	OIDC_SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* ca_file names the only CA: libcurl would otherwise also trust its
	 * built-in CA path (Debian: /etc/ssl/certs) beside CURLOPT_CAINFO. */
	if (opts->ca_file) {
		OIDC_SETOPT(h, CURLOPT_CAINFO, opts->ca_file);
		OIDC_SETOPT(h, CURLOPT_CAPATH, NULL);
	}
	/* "" disables proxies, also those named by the environment. */
	OIDC_SETOPT(h, CURLOPT_PROXY, opts->proxy ? opts->proxy : "");
	OIDC_SETOPT(h, CURLOPT_NOPROXY, "");
	OIDC_SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	OIDC_SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	OIDC_SETOPT(h, CURLOPT_TIMEOUT_MS, total_ms);
	if (body.max <= (size_t)INT64_MAX)
		OIDC_SETOPT(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)body.max);
	OIDC_SETOPT(h, CURLOPT_WRITEFUNCTION, oidc_http_write_cb);
	OIDC_SETOPT(h, CURLOPT_WRITEDATA, &body);
	OIDC_SETOPT(h, CURLOPT_HEADERFUNCTION, oidc_http_header_cb);
	OIDC_SETOPT(h, CURLOPT_HEADERDATA, &hdr);
	OIDC_SETOPT(h, CURLOPT_USERAGENT, OIDC_HTTP_USER_AGENT);
	OIDC_SETOPT(h, CURLOPT_HTTPHEADER, headers);
	OIDC_SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	if (form_body) {
		/* POSTFIELDS is not copied by curl: no extra copy to wipe. */
		OIDC_SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)strlen(form_body));
		OIDC_SETOPT(h, CURLOPT_POSTFIELDS, form_body);
	}

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		st = oidc_http_map_error(rc, errbuf, &body, url, err);
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
		st = oidc_err(err, OIDC_E_INTERNAL, "no response code");
		goto out;
	}
	if (!follow && status >= 300 && status < 400) {
		st = oidc_http_redirect_refused(h, status, err);
		goto out;
	}
	if (!body.buf) {
		body.buf = calloc(1, 1);
		if (!body.buf)
			goto nomem;
		body.cap = 1;
	}
	out->status = status;
	out->body = body.buf;
	out->body_len = body.len;
	body.buf = NULL;
	out->max_age = hdr.no_store ? 0 : hdr.max_age;
	memcpy(out->content_type, hdr.content_type, sizeof(out->content_type));
	st = OIDC_OK;
	goto out;

setopt_failed:
	st = oidc_err(err, OIDC_E_INTERNAL, "curl_easy_setopt failed");
	goto out;
nomem:
	st = oidc_err(err, OIDC_E_NOMEM, "out of memory");
out:
	curl_easy_cleanup(h);
	oidc_http_slist_free(&headers);
	curl_url_cleanup(u);
	oidc_free_secret(body.buf, body.cap);
	return st;
}

enum oidc_status oidc_http_get(const struct oidc_http_opts *opts,
			       const char *url, const char *bearer,
			       struct oidc_http_response *out,
			       struct oidc_error *err)
{
	return oidc_http_request(opts, url, NULL, bearer, NULL, NULL, out, err);
}

enum oidc_status oidc_http_post_form(const struct oidc_http_opts *opts,
				     const char *url, const char *form_body,
				     const char *basic_user,
				     const char *basic_pass,
				     struct oidc_http_response *out,
				     struct oidc_error *err)
{
	return oidc_http_request(opts, url, form_body ? form_body : "", NULL,
				 basic_user, basic_pass, out, err);
}

/* RFC 6749 appendix B: keep unreserved characters, %XX everything else. */
char *oidc_http_form_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len, o = 0;
	char *r;

	if (!s)
		return NULL;
	len = strlen(s);
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	r = malloc(3 * len + 1);
	if (!r)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			r[o++] = (char)c;
		} else {
			r[o++] = '%';
			r[o++] = hex[c >> 4];
			r[o++] = hex[c & 15];
		}
	}
	r[o] = '\0';
	return r;
}

void oidc_http_response_clear(struct oidc_http_response *resp)
{
	if (!resp)
		return;
	/* Token endpoint and userinfo bodies carry secrets. */
	oidc_free_secret(resp->body, resp->body ? resp->body_len + 1 : 0);
	memset(resp, 0, sizeof(*resp));
	resp->max_age = -1;
}

char *oidc_http_form_add(char *body, const char *name, const char *value)
{
	char *esc = oidc_http_form_escape(value), *out = NULL;
	size_t need;

	if (esc && body) {
		need = strlen(body) + strlen(name) + strlen(esc) + 3;
		out = malloc(need);
		if (out)
			snprintf(out, need, "%s%s%s=%s", body, *body ? "&" : "", name, esc);
	}
	if (esc)
		oidc_free_secret(esc, strlen(esc));
	if (body)
		oidc_free_secret(body, strlen(body));
	return out;
}
