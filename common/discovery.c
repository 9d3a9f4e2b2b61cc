/* SPDX-License-Identifier: MIT */
/*
 * discovery.c - OpenID Connect Discovery 1.0 (the provider metadata
 * document) and the pieces the key source shares with it: which URLs keys
 * may come from, HTTP options and cache lifetimes from the configuration,
 * and the envelope of a disk cache entry. Checklist D1, F1.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "discovery.h"

#define OIDC_WELL_KNOWN "/.well-known/openid-configuration"

/* ---- URL policy, HTTP options, lifetimes ---------------------------------- */

static bool ks_host_ends(const char *p)
{
	return *p == '\0' || *p == ':' || *p == '/';
}

bool oidc_ks_is_loopback_http(const char *url)
{
	static const char *const hosts[] = {
		"http://127.0.0.1", "http://[::1]", "http://localhost",
	};

	if (!url)
		return false;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(*hosts); i++) {
		size_t n = strlen(hosts[i]);
		/* "http://127.0.0.1.example" is not loopback. */
		if (strncmp(url, hosts[i], n) == 0 && ks_host_ends(url + n))
			return true;
	}
	return false;
}

bool oidc_ks_url_allowed(const struct oidc_issuer_cfg *ic, const char *url)
{
	if (!url || !*url || strlen(url) > OIDC_KS_URL_MAX)
		return false;
	/* F1: keys only over TLS; plain http only in loopback test setups. */
	if (strncasecmp(url, "https://", 8) == 0)
		return true;
	return oidc_ks_is_loopback_http(ic->issuer) &&
	       oidc_ks_is_loopback_http(url);
}

/* keysource.h: for the CLI and the validation context too. */
void oidc_keysource_http_opts(const struct oidc_issuer_cfg *ic,
			      struct oidc_http_opts *out)
{
	int64_t t = ic->http_timeout;

	memset(out, 0, sizeof(*out));
	out->ca_file = ic->ca_file;
	out->proxy = ic->proxy;
	if (t > OIDC_KS_TIMEOUT_MAX)
		t = OIDC_KS_TIMEOUT_MAX;
	out->total_timeout_ms = t > 0 ? (long)t * 1000 : 0;
	out->allow_loopback_http = oidc_ks_is_loopback_http(ic->issuer);
}

/* Seconds from t to now; 0 when t is in the future, never overflows. */
int64_t oidc_ks_age(int64_t now, int64_t t)
{
	if (t >= now)
		return 0;
	if (t < 0 && now > INT64_MAX + t)
		return INT64_MAX;
	return now - t;
}

int64_t oidc_ks_add(int64_t a, int64_t b)
{
	if (b <= 0)
		return a;
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int64_t oidc_ks_expiry(const struct oidc_issuer_cfg *ic, int64_t fetched_at,
		       int64_t max_age)
{
	int64_t lo = ic->cache_ttl_min > 0 ? ic->cache_ttl_min : 0;
	int64_t hi = ic->cache_ttl_max > lo ? ic->cache_ttl_max : lo;
	/* RFC 9111 5.2.2.1 max-age, bounded both ways: a provider must not
	 * pin keys for a year nor make every login fetch. */
	int64_t ttl = max_age < 0 ? lo : max_age;

	if (ttl < lo)
		ttl = lo;
	if (ttl > hi)
		ttl = hi;
	return oidc_ks_add(fetched_at, ttl);
}

/* ---- disk cache envelope -------------------------------------------------- */

enum oidc_status oidc_ks_disk_ready(const struct oidc_issuer_cfg *ic,
				    bool *use_out, struct oidc_error *err)
{
	enum oidc_status st;

	*use_out = false;
	if (!ic->cache_dir || !*ic->cache_dir)
		return OIDC_OK;
	st = oidc_cache_dir_check(ic->cache_dir, true, err);
	if (st != OIDC_OK)
		return st;
	*use_out = true;
	return OIDC_OK;
}

static bool ks_json_int(const struct oidc_jdoc *doc, const char *name,
			int64_t *out)
{
	return oidc_jnode_int(oidc_jdoc_get(doc, name), out);
}

void oidc_ks_entry_clear(struct oidc_ks_entry *e)
{
	oidc_jdoc_owned_clear(&e->env);
	memset(e, 0, sizeof(*e));
}

enum oidc_status oidc_ks_entry_read(const struct oidc_issuer_cfg *ic,
				    const char *kind, const char *url,
				    int64_t now, struct oidc_ks_entry *e,
				    struct oidc_error *err)
{
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	unsigned char *data = NULL;
	size_t len = 0;
	char name[64];
	const char *s;
	const struct oidc_jnode *body;
	int64_t v, fetched, expires;
	enum oidc_status st;

	memset(e, 0, sizeof(*e));
	oidc_cache_name(ic->issuer, kind, name);
	st = oidc_cache_read(ic->cache_dir, name, OIDC_KS_ENTRY_MAX, &data, &len,
			     err);
	if (st != OIDC_OK || !data)
		goto out;
	/* Anything unexpected is as good as absent: the network decides. */
	if (oidc_jdoc_parse_copy(&od, data, len, NULL) != OIDC_OK)
		goto out;
	s = oidc_jdoc_str(&od.doc, "issuer");
	if (!ks_json_int(&od.doc, "v", &v) || v != 1 || !s ||
	    strcmp(s, ic->issuer) != 0)
		goto out;
	s = oidc_jdoc_str(&od.doc, "url");
	body = oidc_jdoc_get(&od.doc, "body");
	if (!s || strcmp(s, url) != 0 || !body || body->type != OIDC_JSTRING ||
	    !ks_json_int(&od.doc, "fetched_at", &fetched) ||
	    !ks_json_int(&od.doc, "expires_at", &expires) || expires < fetched ||
	    fetched > oidc_ks_add(now, OIDC_KS_CLOCK_SKEW_MAX))
		goto out;
	/* The TTL bounds may have shrunk since it was written. */
	e->expires_at = oidc_ks_expiry(ic, fetched, expires - fetched);
	e->fetched_at = fetched;
	e->body = body->v.s;
	e->body_len = body->len;
	e->env = od;
	e->present = true;
	memset(&od, 0, sizeof(od));
out:
	oidc_jdoc_owned_clear(&od);
	free(data);
	return st;
}

enum oidc_status oidc_ks_entry_write(const struct oidc_issuer_cfg *ic,
				     const char *kind, const char *url,
				     int64_t fetched_at, int64_t expires_at,
				     const char *body, size_t body_len,
				     struct oidc_error *err)
{
	struct oidc_jwriter w;
	char *text = NULL;
	size_t len = 0;
	char name[64];
	enum oidc_status st;

	oidc_jw_init(&w, OIDC_KS_ENTRY_MAX, false);
	oidc_jw_object_begin(&w);
	oidc_jw_member_int(&w, "v", 1);
	oidc_jw_member_str(&w, "issuer", ic->issuer);
	oidc_jw_member_str(&w, "url", url);
	oidc_jw_member_int(&w, "fetched_at", fetched_at);
	oidc_jw_member_int(&w, "expires_at", expires_at);
	oidc_jw_key(&w, "body", 4);
	oidc_jw_string(&w, body, body_len);
	oidc_jw_object_end(&w);
	text = oidc_jw_finish(&w, &len);
	/* The writer also fails on invalid UTF-8; bodies were parsed as JSON
	 * before, so this is memory. */
	if (!text)
		return oidc_err(err, OIDC_E_NOMEM, "cache entry");
	oidc_cache_name(ic->issuer, kind, name);
	st = oidc_cache_write(ic->cache_dir, name, text, len, err);
	free(text);
	return st;
}

/* ---- metadata ------------------------------------------------------------- */

void oidc_provider_meta_clear(struct oidc_provider_meta *m)
{
	free(m->issuer);
	free(m->jwks_uri);
	free(m->introspection_endpoint);
	free(m->userinfo_endpoint);
	free(m->device_authorization_endpoint);
	free(m->token_endpoint);
	memset(m, 0, sizeof(*m));
}

static bool ks_dup(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return true;
	*out = strdup(s);
	return *out != NULL;
}

enum oidc_status oidc_provider_meta_copy(const struct oidc_provider_meta *src,
					 struct oidc_provider_meta *dst)
{
	struct oidc_provider_meta m;

	if (!ks_dup(src->issuer, &m.issuer) ||
	    !ks_dup(src->jwks_uri, &m.jwks_uri) ||
	    !ks_dup(src->introspection_endpoint, &m.introspection_endpoint) ||
	    !ks_dup(src->userinfo_endpoint, &m.userinfo_endpoint) ||
	    !ks_dup(src->device_authorization_endpoint,
		    &m.device_authorization_endpoint) ||
	    !ks_dup(src->token_endpoint, &m.token_endpoint)) {
		oidc_provider_meta_clear(&m);
		return OIDC_E_NOMEM;
	}
	*dst = m;
	return OIDC_OK;
}

/* a and b differ only by one trailing '/' (the usual issuer mistake). */
static bool oidc_issuer_slash_only(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return false;
	la = strlen(a);
	lb = strlen(b);
	if (la == lb + 1 && a[lb] == '/')
		return strncmp(a, b, lb) == 0;
	if (lb == la + 1 && b[la] == '/')
		return strncmp(a, b, la) == 0;
	return false;
}

/* An optional endpoint: a configured value wins (issue 3: "taken from it
 * unless configured explicitly"); odd values count as not published. */
static bool ks_endpoint(const char *configured, const struct oidc_jdoc *doc,
			const char *name, char **out)
{
	const char *s = configured ? configured : oidc_jdoc_str(doc, name);

	if (s && strlen(s) > OIDC_KS_URL_MAX)
		s = NULL;
	return ks_dup(s, out);
}

/*
 * Validate a discovery document for ic and take what we use. D1 / OIDC
 * Discovery 4.3: "issuer" equals the configured issuer byte for byte (for a
 * {tenantid} template: the template itself, as Entra's /common and
 * /organizations documents publish it); jwks_uri (required, section 3)
 * passes oidc_ks_url_allowed. Another issuer: OIDC_E_ISSUER_MISMATCH; not
 * a document, or no usable jwks_uri: OIDC_E_IDP_BAD_DOCUMENT. The document
 * is never used then.
 */
static enum oidc_status ks_meta_from_doc(const struct oidc_issuer_cfg *ic,
					 const char *body, size_t len,
					 struct oidc_provider_meta *out,
					 struct oidc_error *err)
{
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	const struct oidc_jdoc *doc = &od.doc;
	struct oidc_provider_meta m = { 0 };
	struct oidc_error jerr;
	const char *iss, *jwks;
	enum oidc_status st;

	st = oidc_jdoc_parse_copy(&od, body, len, &jerr);
	if (st != OIDC_OK)
		return oidc_err(err, st == OIDC_E_NOMEM ? st : OIDC_E_IDP_BAD_DOCUMENT,
				"discovery document: %s", jerr.detail);
	iss = oidc_jdoc_str(doc, "issuer");
	jwks = oidc_jdoc_str(doc, "jwks_uri");
	if (!iss || strcmp(iss, ic->issuer) != 0) {
		st = oidc_err(err, OIDC_E_ISSUER_MISMATCH,
			      "issuer \"%.80s\" in the discovery document, "
			      "\"%.80s\" configured%s; refused",
			      iss ? iss : "(none)", ic->issuer,
			      oidc_issuer_slash_only(iss, ic->issuer) ?
				      " (only a trailing slash differs)" : "");
		goto out;
	}
	if (!ic->jwks_uri && !oidc_ks_url_allowed(ic, jwks)) {
		st = oidc_err(err, OIDC_E_IDP_BAD_DOCUMENT,
			      "discovery document: jwks_uri %s; refused",
			      jwks ? "is not an https URL" : "missing");
		goto out;
	}
	st = OIDC_E_NOMEM;
	if (!ks_dup(ic->issuer, &m.issuer) ||
	    !ks_dup(ic->jwks_uri ? ic->jwks_uri : jwks, &m.jwks_uri) ||
	    !ks_endpoint(ic->introspection_endpoint, doc,
			 "introspection_endpoint", &m.introspection_endpoint) ||
	    !ks_endpoint(ic->userinfo_endpoint, doc, "userinfo_endpoint",
			 &m.userinfo_endpoint) ||
	    !ks_endpoint(ic->device_authorization_endpoint, doc,
			 "device_authorization_endpoint",
			 &m.device_authorization_endpoint) ||
	    !ks_endpoint(ic->token_endpoint, doc, "token_endpoint",
			 &m.token_endpoint)) {
		oidc_err(err, st, "discovery metadata");
		goto out;
	}
	*out = m;
	memset(&m, 0, sizeof(m));
	st = OIDC_OK;
out:
	oidc_provider_meta_clear(&m);
	oidc_jdoc_owned_clear(&od);
	return st;
}

enum oidc_status oidc_discovery_url(const struct oidc_issuer_cfg *ic,
				    char **url_out, struct oidc_error *err)
{
	size_t n;
	char *url;

	if (ic->discovery_url) {
		url = strdup(ic->discovery_url);
		goto done;
	}
	if (ic->is_template || strstr(ic->issuer, "{tenantid}"))
		return oidc_err(err, OIDC_E_CONFIG,
				"issuer %s is a {tenantid} template: set "
				"discovery_url or jwks_uri", ic->name);
	n = strlen(ic->issuer);
	if (n > 0 && ic->issuer[n - 1] == '/')
		n--;
	url = malloc(n + sizeof(OIDC_WELL_KNOWN));
	if (url) {
		memcpy(url, ic->issuer, n);
		memcpy(url + n, OIDC_WELL_KNOWN, sizeof(OIDC_WELL_KNOWN));
	}
done:
	if (!url)
		return oidc_err(err, OIDC_E_NOMEM, "discovery url");
	*url_out = url;
	return OIDC_OK;
}

/* GET the document; on success *out and the disk entry are written. */
static enum oidc_status ks_discovery_fetch(struct oidc_keysource *src,
					   int64_t now,
					   const struct oidc_http_opts *http,
					   const char *url, bool disk,
					   struct oidc_provider_meta *out,
					   struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_http_response resp = { 0 };
	struct oidc_error derr = { OIDC_OK, "" };
	enum oidc_status st;

	src->fetches++;
	st = oidc_http_get(http, url, NULL, &resp, err);
	if (st != OIDC_OK)
		goto out;
	if (resp.status != 200) {
		st = oidc_http_status_refused("discovery", resp.status, url, err);
		goto out;
	}
	st = ks_meta_from_doc(ic, (const char *)resp.body, resp.body_len, out,
			      &derr);
	if (st != OIDC_OK) {
		/* a refused document: the detail names the URL that answered
		 * (another issuer's names both issuers instead) */
		if (st == OIDC_E_ISSUER_MISMATCH || st == OIDC_E_NOMEM)
			st = oidc_err(err, st, "%s", derr.detail);
		else
			st = oidc_err(err, st, "%.120s: %s", url, derr.detail);
		goto out;
	}
	/* Best effort: a failed write costs a request later, nothing else. */
	if (disk)
		(void)oidc_ks_entry_write(ic, OIDC_KS_KIND_DISCOVERY, url, now,
					  oidc_ks_expiry(ic, now, resp.max_age),
					  (const char *)resp.body,
					  resp.body_len, NULL);
out:
	oidc_http_response_clear(&resp);
	return st;
}

enum oidc_status oidc_discovery_load(struct oidc_keysource *src, int64_t now,
				     const struct oidc_http_opts *http,
				     bool want_fresh, bool may_fetch, bool disk,
				     struct oidc_provider_meta *out,
				     struct oidc_error *err)
{
	const struct oidc_issuer_cfg *ic = src->ic;
	struct oidc_ks_entry e = { 0 };
	struct oidc_provider_meta cached = { 0 };
	bool have_cached = false;
	char *url = NULL;
	enum oidc_status st;

	st = oidc_discovery_url(ic, &url, err);
	if (st != OIDC_OK)
		return st;
	if (disk) {
		st = oidc_ks_entry_read(ic, OIDC_KS_KIND_DISCOVERY, url, now, &e,
					err);
		if (st != OIDC_OK)
			goto out;
		/* Re-validated on every read: the rules may have changed. */
		if (e.present && ks_meta_from_doc(ic, e.body, e.body_len, &cached,
					      NULL) == OIDC_OK)
			have_cached = true;
		if (have_cached && (!want_fresh || now < e.expires_at)) {
			*out = cached;
			have_cached = false;
			goto out;
		}
	}
	if (!want_fresh && !have_cached && src->meta) {
		st = oidc_provider_meta_copy(src->meta, out);
		goto out;
	}
	if (!may_fetch)
		goto out;
	st = ks_discovery_fetch(src, now, http, url, disk, out, err);
	if (st == OIDC_OK || st == OIDC_E_NOMEM)
		goto out;
	/* Stale-if-error (design.md 5): the disk entry within its
	 * cache_stale_max window, else what this source already knew (only
	 * ever used to locate the keys, whose own age is bounded). */
	if (have_cached && now < oidc_ks_add(e.expires_at, ic->cache_stale_max)) {
		*out = cached;
		have_cached = false;
		st = OIDC_OK;
	} else if (src->meta &&
		   oidc_provider_meta_copy(src->meta, out) == OIDC_OK) {
		st = OIDC_OK;
	}
out:
	if (have_cached)
		oidc_provider_meta_clear(&cached);
	oidc_ks_entry_clear(&e);
	free(url);
	return st;
}
