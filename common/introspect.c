/* SPDX-License-Identifier: MIT */
/*
 * introspect.c - RFC 7662 token introspection and OIDC userinfo for tokens
 * only the provider can check, with a bounded result cache keyed by SHA-256.
 * The contract and the status mapping are in introspect.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "introspect.h"

#define CACHE_PROBE 8   /* slots looked at per key: O(1) and bounded */

/*
 * An entry's doc is an immutable shared answer (oidc_jshared: C11 atomic
 * reference count), so a hit hands out a new reference and threads read
 * it concurrently; only the table itself is under the cache's mutex.
 */
struct cache_entry {
	unsigned char key[SHA256_DIGEST_LENGTH];
	bool used;
	int64_t expires;         /* entry unusable at or after this time */
	struct oidc_jshared *doc; /* the provider's answer (one reference);
				    immutable, so every thread may read it */
};

struct oidc_introspect_cache {
	pthread_mutex_t lock;
	struct cache_entry *slot;
	size_t n;
	int64_t ttl, neg_ttl;
	unsigned long misses;    /* HTTP requests made */
	EVP_MD *sha256;          /* for keys, fetched once (EVP_sha256()
				    would fetch on every hit) */
};

/* ---- cache -------------------------------------------------------------- */

struct oidc_introspect_cache *oidc_introspect_cache_new(size_t entries,
							int64_t ttl,
							int64_t neg_ttl)
{
	struct oidc_introspect_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = entries ? entries : OIDC_INTROSPECT_CACHE_ENTRIES_DEFAULT;
	c->slot = calloc(c->n, sizeof(*c->slot));
	c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!c->slot || !c->sha256 || pthread_mutex_init(&c->lock, NULL) != 0) {
		EVP_MD_free(c->sha256);
		free(c->slot);
		free(c);
		return NULL;
	}
	c->ttl = ttl > 0 ? ttl : 0;
	c->neg_ttl = neg_ttl > 0 ? neg_ttl : 0;
	return c;
}

static void cache_drop(struct cache_entry *e)
{
	oidc_jshared_unref(&e->doc);
	memset(e, 0, sizeof(*e));
}

void oidc_introspect_cache_flush(struct oidc_introspect_cache *c)
{
	size_t i;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->n; i++)
		cache_drop(&c->slot[i]);
	pthread_mutex_unlock(&c->lock);
}

void oidc_introspect_cache_free(struct oidc_introspect_cache **cache)
{
	struct oidc_introspect_cache *c = cache ? *cache : NULL;

	if (!c)
		return;
	oidc_introspect_cache_flush(c);
	pthread_mutex_destroy(&c->lock);
	EVP_MD_free(c->sha256);
	free(c->slot);
	free(c);
	*cache = NULL;
}

unsigned long oidc_introspect_cache_misses(struct oidc_introspect_cache *c)
{
	unsigned long m;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	m = c->misses;
	pthread_mutex_unlock(&c->lock);
	return m;
}

static size_t cache_home(const struct oidc_introspect_cache *c,
			 const unsigned char *key)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = h << 8 | key[i];
	return (size_t)(h % c->n);
}

/* A new reference to the cached answer for key, or NULL. */
static struct oidc_jshared *cache_get(struct oidc_introspect_cache *c,
				      const unsigned char *key, int64_t now)
{
	size_t i, home;
	struct oidc_jshared *doc = NULL;

	if (!c)
		return NULL;
	pthread_mutex_lock(&c->lock);
	home = cache_home(c, key);
	for (i = 0; i < CACHE_PROBE && i < c->n; i++) {
		struct cache_entry *e = &c->slot[(home + i) % c->n];

		if (!e->used || memcmp(e->key, key, sizeof(e->key)) != 0)
			continue;
		if (e->expires > now)
			doc = oidc_jshared_ref(e->doc);
		else
			cache_drop(e);
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return doc;
}

/* Store a reference to doc until expires: same key, else a free or
 * expired slot, else the probed slot that expires first (bounded memory, no
 * scan of the table). The caller keeps its own reference. */
static void cache_put(struct oidc_introspect_cache *c, const unsigned char *key,
		      struct oidc_jshared *doc, int64_t now, int64_t expires)
{
	struct cache_entry *victim = NULL;
	size_t i, home;

	if (!c || expires <= now)
		return;
	pthread_mutex_lock(&c->lock);
	home = cache_home(c, key);
	for (i = 0; i < CACHE_PROBE && i < c->n; i++) {
		struct cache_entry *e = &c->slot[(home + i) % c->n];

		if (e->used && memcmp(e->key, key, sizeof(e->key)) == 0) {
			victim = e;
			break;
		}
		if (!e->used || e->expires <= now) {
			if (!victim || victim->used)
				victim = e;
		} else if (!victim || (victim->used && e->expires < victim->expires)) {
			victim = e;
		}
	}
	cache_drop(victim);
	memcpy(victim->key, key, sizeof(victim->key));
	victim->used = true;
	victim->expires = expires;
	victim->doc = oidc_jshared_ref(doc);
	pthread_mutex_unlock(&c->lock);
}

static void cache_count_miss(struct oidc_introspect_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->misses++;
	pthread_mutex_unlock(&c->lock);
}

/* SHA-256 over kind, endpoint, client and token, NUL-separated: one
 * provider's answer is never served for another endpoint or client. */
static enum oidc_status cache_key(const struct oidc_introspect_cache *c,
				  const char *kind, const char *endpoint,
				  const char *client, const char *token,
				  size_t len, unsigned char *key,
				  struct oidc_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const char *part[3] = { kind, endpoint, client ? client : "" };
	unsigned int out_len = 0;
	int ok;
	size_t i;

	ok = md && EVP_DigestInit_ex(md, c->sha256, NULL);
	for (i = 0; ok && i < 3; i++)
		ok = EVP_DigestUpdate(md, part[i], strlen(part[i]) + 1);
	ok = ok && EVP_DigestUpdate(md, token, len) &&
	     EVP_DigestFinal_ex(md, key, &out_len) &&
	     out_len == SHA256_DIGEST_LENGTH;
	EVP_MD_CTX_free(md);
	return ok ? OIDC_OK : oidc_err(err, OIDC_E_INTERNAL, "SHA-256 failed");
}

/* ---- checks of an answer ------------------------------------------------ */

/* RFC 6750 2.1 b64token and the like: visible ASCII only, so a token can
 * never split a header or a form field. */
static enum oidc_status token_check(const char *token, size_t len,
				    struct oidc_error *err)
{
	size_t i;

	if (!token || len == 0)
		return oidc_err(err, OIDC_E_MALFORMED, "empty token");
	if (len > OIDC_TOKEN_MAX_LIMIT)
		return oidc_err(err, OIDC_E_TOO_LARGE, "token of %zu bytes", len);
	for (i = 0; i < len; i++)
		if ((unsigned char)token[i] < 0x21 || (unsigned char)token[i] > 0x7e)
			return oidc_err(err, OIDC_E_MALFORMED,
					"token byte %zu is not visible ASCII", i);
	return OIDC_OK;
}

/*
 * RFC 7662 2.2: "active" is the one member an answer must have, the JSON
 * literal true (not "true", not 1). Everything else in the answer (exp,
 * iss, aud, scope, client_id...) is the claims policy's, claims.c, the
 * same as for a JWT's claims.
 */
static enum oidc_status judge_active(const struct oidc_jdoc *doc, const char **reason,
				     struct oidc_error *err)
{
	const struct oidc_jnode *v = oidc_jdoc_get(doc, "active");

	if (v && v->type == OIDC_JTRUE)
		return OIDC_OK;
	*reason = "token_inactive";
	return oidc_err(err, OIDC_E_TOKEN_INACTIVE, "introspection: %s",
			v && v->type == OIDC_JFALSE ? "active is false"
			: "active is not the JSON literal true");
}

/* When a positive answer stops being served: min(ttl, exp) (never past
 * the token's exp; an exp that is no date: not cached at all). */
static int64_t positive_expiry(const struct oidc_introspect_cache *c,
			       enum oidc_claims_kind kind, const struct oidc_jdoc *doc,
			       int64_t now, int64_t *exp_out)
{
	int64_t exp = 0, expires = now + c->ttl;
	int r = oidc_claims_date(kind, oidc_jdoc_get(doc, "exp"), &exp);

	*exp_out = r > 0 ? exp : 0;
	if (r < 0)
		return now;
	if (r > 0 && exp < expires)
		expires = exp;
	return expires;
}

/* ---- HTTP --------------------------------------------------------------- */

/* Status and body of an answer: 200 + one JSON object, else a failure. */
static enum oidc_status answer_doc(const char *what,
				   const struct oidc_http_response *resp,
				   struct oidc_jshared **doc_out,
				   struct oidc_error *err)
{
	struct oidc_error perr = { 0 };

	if (resp->status >= 500 || resp->status == 429 || resp->status < 200 ||
	    (resp->status != 200 && resp->status < 400))
		return oidc_err(err, OIDC_E_IDP_UNREACHABLE, "%s: HTTP %ld", what,
				resp->status);
	if (resp->status == 401)
		return oidc_err(err, OIDC_E_CONFIG, "%s: HTTP 401: the endpoint refused "
				"our client_id/client_secret", what);
	if (resp->status != 200)
		return oidc_err(err, OIDC_E_CONFIG, "%s: HTTP %ld", what, resp->status);
	if (oidc_jshared_parse(resp->body, resp->body_len, doc_out, &perr) != OIDC_OK)
		return oidc_err(err, perr.status == OIDC_E_NOMEM ? OIDC_E_NOMEM :
				OIDC_E_IDP_BAD_DOCUMENT, "%s: answer is not a JSON "
				"object (%s)", what, perr.detail);
	return OIDC_OK;
}

/*
 * One kind of answer a POST about the token brings: RFC 7662 introspection
 * (with this server's client credentials) or Google's tokeninfo (none).
 */
struct ask {
	enum oidc_claims_kind kind;
	const char *what;                  /* "introspection", "tokeninfo" */
	const char *endpoint;
	const struct oidc_introspect_req *cred; /* introspection only */
	const struct oidc_http_opts *http;
	struct oidc_introspect_cache *cache;
};

static char *request_body(const struct ask *a, const char *tok)
{
	const struct oidc_introspect_req *r = a->cred;
	char *body;

	if (!r)         /* tokeninfo: the token in the body, never in the URL */
		return oidc_http_form_add(strdup(""), "access_token", tok);
	body = oidc_http_form_add(strdup("token_type_hint=access_token"), "token", tok);
	if (r->auth == OIDC_CLIENT_AUTH_POST) {
		body = oidc_http_form_add(body, "client_id", r->client_id);
		body = oidc_http_form_add(body, "client_secret", r->client_secret);
	}
	return body;
}

static enum oidc_status post_answer(const struct ask *a, const char *tok,
				    struct oidc_jshared **doc_out, const char **reason,
				    struct oidc_error *err)
{
	struct oidc_http_response resp = { 0 };
	enum oidc_status st;
	bool basic = a->cred && a->cred->auth == OIDC_CLIENT_AUTH_BASIC;
	char *body = request_body(a, tok);

	if (!body)
		return oidc_err(err, OIDC_E_NOMEM, "%s request", a->what);
	cache_count_miss(a->cache);
	st = oidc_http_post_form(a->http, a->endpoint, body,
				 basic ? a->cred->client_id : NULL,
				 basic ? a->cred->client_secret : NULL, &resp, err);
	oidc_free_secret(body, strlen(body));
	if (st != OIDC_OK)
		goto out;
	/* tokeninfo says "invalid_token" with HTTP 400 (401 for some) */
	if (!a->cred && (resp.status == 400 || resp.status == 401)) {
		*reason = "token_inactive";
		st = oidc_err(err, OIDC_E_TOKEN_INACTIVE, "tokeninfo: HTTP %ld",
			      resp.status);
	} else {
		st = answer_doc(a->what, &resp, doc_out, err);
	}
out:
	oidc_http_response_clear(&resp);
	return st;
}

static enum oidc_status ask_answer(const struct ask *a, const char *token, size_t len,
				   int64_t now, struct oidc_introspect_result *out,
				   struct oidc_error *err)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	enum oidc_status st;
	struct oidc_jshared *doc = NULL;
	const struct oidc_jnode *active;
	char *tok = NULL;
	const char *reason = "error";
	int64_t exp = 0, expires;
	bool fresh = false;

	st = token_check(token, len, err);
	if (st == OIDC_OK && a->cache)
		st = cache_key(a->cache, a->what, a->endpoint,
			       a->cred ? a->cred->client_id : NULL, token, len, key, err);
	if (st != OIDC_OK)
		goto out;
	doc = a->cache ? cache_get(a->cache, key, now) : NULL;
	if (!doc) {
		tok = strndup(token, len);
		if (!tok) {
			st = oidc_err(err, OIDC_E_NOMEM, "token copy");
			goto out;
		}
		st = post_answer(a, tok, &doc, &reason, err);
		if (st != OIDC_OK)
			goto out;
		fresh = true;
	}
	if (a->kind == OIDC_CLAIMS_INTROSPECTION) {
		st = judge_active(&doc->own.doc, &reason, err);
		active = oidc_jdoc_get(&doc->own.doc, "active");
		if (fresh && a->cache && active && active->type == OIDC_JFALSE)
			cache_put(a->cache, key, doc, now, now + a->cache->neg_ttl);
		if (st != OIDC_OK)
			goto out;
	}
	/* Checked on every use by the caller's policy (claims.c), also on a
	 * hit; the entry itself never outlives the token's exp. */
	if (a->cache) {
		expires = positive_expiry(a->cache, a->kind, &doc->own.doc, now, &exp);
		if (fresh)
			cache_put(a->cache, key, doc, now, expires);
	} else {
		(void)oidc_claims_date(a->kind, oidc_jdoc_get(&doc->own.doc, "exp"), &exp);
	}
	reason = "ok";
	out->claims = doc;
	out->exp = exp;
	out->from_cache = !fresh;
	doc = NULL;
out:
	if (out)
		out->reason = reason;
	if (tok)
		oidc_free_secret(tok, len);
	oidc_jshared_unref(&doc);
	return st;
}

enum oidc_status oidc_introspect(const struct oidc_introspect_req *req,
				 const char *token, size_t len, int64_t now,
				 struct oidc_introspect_result *out,
				 struct oidc_error *err)
{
	struct ask a = { OIDC_CLAIMS_INTROSPECTION, "introspection", NULL, req, NULL,
			 NULL };

	if (!req || !req->endpoint || !req->client_id || !req->client_secret ||
	    !req->http) {
		if (out)
			out->reason = "error";
		return oidc_err(err, OIDC_E_CONFIG, "introspection needs an endpoint, "
				"client_id and client_secret");
	}
	a.endpoint = req->endpoint;
	a.http = req->http;
	a.cache = req->cache;
	return ask_answer(&a, token, len, now, out, err);
}

enum oidc_status oidc_tokeninfo(const struct oidc_tokeninfo_req *req,
				const char *token, size_t len, int64_t now,
				struct oidc_introspect_result *out,
				struct oidc_error *err)
{
	struct ask a = { OIDC_CLAIMS_TOKENINFO, "tokeninfo", NULL, NULL, NULL, NULL };

	if (!req || !req->endpoint || !req->http) {
		if (out)
			out->reason = "error";
		return oidc_err(err, OIDC_E_CONFIG, "tokeninfo needs an endpoint");
	}
	a.endpoint = req->endpoint;
	a.http = req->http;
	a.cache = req->cache;
	return ask_answer(&a, token, len, now, out, err);
}

void oidc_introspect_result_clear(struct oidc_introspect_result *res)
{
	if (!res)
		return;
	oidc_jshared_unref(&res->claims);
	memset(res, 0, sizeof(*res));
}

/* ---- userinfo ------------------------------------------------------------ */

static enum oidc_status get_userinfo(const struct oidc_userinfo_req *req,
				     const char *tok, struct oidc_jshared **doc_out,
				     const char **reason, struct oidc_error *err)
{
	struct oidc_http_response resp = { 0 };
	enum oidc_status st;

	cache_count_miss(req->cache);
	st = oidc_http_get(req->http, req->endpoint, tok, &resp, err);
	if (st != OIDC_OK)
		goto out;
	/* RFC 6750 3.1: 401 invalid_token, 403 insufficient_scope */
	if (resp.status == 401) {
		*reason = "token_inactive";
		st = oidc_err(err, OIDC_E_TOKEN_INACTIVE, "userinfo: HTTP 401");
	} else if (resp.status == 403) {
		*reason = "insufficient_scope";
		st = oidc_err(err, OIDC_E_INSUFFICIENT_SCOPE, "userinfo: HTTP 403");
	} else {
		st = answer_doc("userinfo", &resp, doc_out, err);
	}
out:
	oidc_http_response_clear(&resp);
	return st;
}

enum oidc_status oidc_userinfo(const struct oidc_userinfo_req *req,
			       const char *token, size_t len, int64_t now,
			       struct oidc_userinfo_result *out,
			       struct oidc_error *err)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	enum oidc_status st = OIDC_OK;
	struct oidc_jshared *doc = NULL;
	const char *sub_in;
	char *tok = NULL, *sub = NULL;
	const char *reason = "error";
	int64_t expires;
	bool fresh = false;

	if (!req || !req->endpoint || !req->http)
		st = oidc_err(err, OIDC_E_CONFIG, "userinfo needs an endpoint");
	if (st == OIDC_OK)
		st = token_check(token, len, err);
	if (st == OIDC_OK && req->token_exp && req->token_exp <= now) {
		reason = "token_expired";
		st = oidc_err(err, OIDC_E_EXPIRED, "userinfo: token exp passed");
	}
	if (st == OIDC_OK && req->cache)
		st = cache_key(req->cache, "userinfo", req->endpoint, NULL, token,
			       len, key, err);
	if (st != OIDC_OK)
		goto out;
	doc = req->cache ? cache_get(req->cache, key, now) : NULL;
	if (!doc) {
		tok = strndup(token, len);
		if (!tok) {
			st = oidc_err(err, OIDC_E_NOMEM, "token copy");
			goto out;
		}
		st = get_userinfo(req, tok, &doc, &reason, err);
		if (st != OIDC_OK)
			goto out;
		fresh = true;
	}
	reason = "bad_claim";
	if (!oidc_jdoc_get(&doc->own.doc, "sub")) {
		st = oidc_err(err, OIDC_E_MISSING_CLAIM, "userinfo: no sub");
		goto out;
	}
	sub_in = oidc_jdoc_str(&doc->own.doc, "sub");
	if (!sub_in || !*sub_in) {
		st = oidc_err(err, OIDC_E_BAD_CLAIM, "userinfo: sub not a string");
		goto out;
	}
	if (req->expected_sub && strcmp(req->expected_sub, sub_in)) {
		reason = "user_mismatch";
		st = oidc_err(err, OIDC_E_USER_MISMATCH, "userinfo: sub differs");
		goto out;
	}
	sub = strdup(sub_in);
	if (!sub) {
		st = oidc_err(err, OIDC_E_NOMEM, "sub");
		goto out;
	}
	if (fresh && req->cache) {
		expires = now + req->cache->ttl;
		if (req->token_exp && req->token_exp < expires)
			expires = req->token_exp;
		cache_put(req->cache, key, doc, now, expires);
	}
	reason = "ok";
	out->claims = doc;
	out->sub = sub;
	out->from_cache = !fresh;
	doc = NULL;
	sub = NULL;
out:
	if (out)
		out->reason = reason;
	if (tok)
		oidc_free_secret(tok, len);
	free(sub);
	oidc_jshared_unref(&doc);
	return st;
}

void oidc_userinfo_result_clear(struct oidc_userinfo_result *res)
{
	if (!res)
		return;
	oidc_jshared_unref(&res->claims);
	free(res->sub);
	memset(res, 0, sizeof(*res));
}
