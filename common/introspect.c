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

/* Well-formed UTF-8 without C0, DEL or C1 controls (the rules of
 * identity.c, which keeps its checker private). */
static bool username_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || len > OIDC_USERNAME_MAX)
		return false;
	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t n, k;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		else
			return false;
		if (c == 0xc2)
			lo = 0xa0;      /* U+0080..U+009F: C1 controls */
		else if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;      /* no surrogates */
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (i + n >= len)
			return false;
		for (k = 1; k <= n; k++) {
			unsigned char b = s[i + k];

			if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
				return false;
		}
		i += n + 1;
	}
	return true;
}

static enum oidc_status pick_username(const struct oidc_jdoc *doc,
				      const struct oidc_strlist *names,
				      char **user_out, struct oidc_error *err)
{
	static const char *const def[] = { "sub" };
	size_t i, n = names && names->n ? names->n : 1;

	for (i = 0; i < n; i++) {
		const char *name = names && names->n ? names->v[i] : def[0];
		const struct oidc_jnode *v = oidc_jdoc_get(doc, name);

		if (!v)
			continue;
		if (v->type != OIDC_JSTRING ||
		    !username_ok((const unsigned char *)v->v.s, v->len))
			return oidc_err(err, OIDC_E_BAD_USERNAME,
					"claim %s is not a usable username", name);
		*user_out = strdup(v->v.s);
		return *user_out ? OIDC_OK : oidc_err(err, OIDC_E_NOMEM, "username");
	}
	return oidc_err(err, OIDC_E_NO_USERNAME, "no username claim in the answer");
}

static bool scope_has(const char *scope, const char *want)
{
	size_t wl = strlen(want);

	while (*scope) {
		size_t l = strcspn(scope, " ");

		if (l == wl && memcmp(scope, want, wl) == 0)
			return true;
		scope += l;
		scope += strspn(scope, " ");
	}
	return false;
}

static bool list_has(const struct oidc_strlist *l, const char *s)
{
	return l && oidc_strlist_contains(l, s);
}

/* aud: a string or an array of strings (RFC 7662 2.2, RFC 7519 4.1.3). */
static enum oidc_status check_aud(const struct oidc_jdoc *doc,
				  const struct oidc_jnode *aud,
				  const struct oidc_strlist *want,
				  struct oidc_error *err)
{
	const struct oidc_jnode *v;
	bool hit = false;

	if (aud->type == OIDC_JSTRING)
		hit = list_has(want, aud->v.s);
	else if (aud->type == OIDC_JARRAY)
		for (v = oidc_jnode_first(doc, aud); v; v = oidc_jnode_next(doc, aud, v)) {
			if (v->type != OIDC_JSTRING)
				return oidc_err(err, OIDC_E_BAD_CLAIM, "aud item not a string");
			hit = hit || list_has(want, v->v.s);
		}
	else
		return oidc_err(err, OIDC_E_BAD_CLAIM, "aud is not a string or array");
	if (!want || !want->n || hit)
		return OIDC_OK;
	return oidc_err(err, OIDC_E_WRONG_AUDIENCE, "no configured audience in aud");
}

/* Everything of RFC 7662 2.2 we rely on, judged at now (also on a cache
 * hit, so exp is re-checked on every use). */
static enum oidc_status judge_introspection(const struct oidc_introspect_req *req,
					    const struct oidc_jdoc *doc, int64_t now,
					    int64_t *exp_out, const char **reason,
					    struct oidc_error *err)
{
	const struct oidc_jnode *root = oidc_jdoc_root(doc), *v;
	enum oidc_status st;
	int64_t exp = 0, nbf = 0;
	size_t i;
	int r;

	v = oidc_jdoc_get(doc, "active");
	if (!v || v->type != OIDC_JTRUE) {
		*reason = "token_inactive";
		return oidc_err(err, OIDC_E_TOKEN_INACTIVE, "introspection: %s",
				v && v->type == OIDC_JFALSE ? "active is false"
				: "active is not the JSON literal true");
	}
	*reason = "bad_claim";
	r = oidc_jobj_numericdate(doc, root, "exp", &exp);
	if (r < 0 || oidc_jobj_numericdate(doc, root, "nbf", &nbf) < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "exp or nbf not a number");
	if (r > 0 && exp + req->leeway <= now) {
		*reason = "token_expired";
		return oidc_err(err, OIDC_E_EXPIRED, "introspection: exp passed");
	}
	if (nbf > now + req->leeway) {
		*reason = "token_not_yet_valid";
		return oidc_err(err, OIDC_E_NOT_YET_VALID, "introspection: nbf");
	}
	*exp_out = r > 0 ? exp : 0;
	if ((v = oidc_jdoc_get(doc, "iss"))) {
		if (v->type != OIDC_JSTRING)
			return oidc_err(err, OIDC_E_BAD_CLAIM, "iss is not a string");
		if (req->expected_issuer && strcmp(v->v.s, req->expected_issuer) != 0) {
			*reason = "wrong_issuer";
			return oidc_err(err, OIDC_E_WRONG_ISSUER, "introspection: iss");
		}
	}
	if ((v = oidc_jdoc_get(doc, "aud")) &&
	    (st = check_aud(doc, v, req->audience, err)) != OIDC_OK) {
		*reason = st == OIDC_E_WRONG_AUDIENCE ? "wrong_audience" : "bad_claim";
		return st;
	}
	if ((v = oidc_jdoc_get(doc, "token_type"))) {
		if (v->type != OIDC_JSTRING)
			return oidc_err(err, OIDC_E_BAD_CLAIM, "token_type not a string");
		/* RFC 6749 7.1 type; DPoP or others need a proof we cannot see */
		if (strcasecmp(v->v.s, "bearer") != 0 &&
		    strcmp(v->v.s, "access_token") != 0) {
			*reason = "wrong_typ";
			return oidc_err(err, OIDC_E_WRONG_TYP, "token_type not Bearer");
		}
	}
	if (oidc_jdoc_get(doc, "cnf")) {
		*reason = "token_bound";
		return oidc_err(err, OIDC_E_TOKEN_BOUND, "introspection: cnf present");
	}
	if ((v = oidc_jdoc_get(doc, "client_id"))) {
		if (v->type != OIDC_JSTRING)
			return oidc_err(err, OIDC_E_BAD_CLAIM, "client_id not a string");
		if (req->allowed_client_ids && req->allowed_client_ids->n &&
		    !list_has(req->allowed_client_ids, v->v.s)) {
			*reason = "wrong_azp";
			return oidc_err(err, OIDC_E_WRONG_AZP, "client_id not allowed");
		}
	}
	v = oidc_jdoc_get(doc, "scope");
	if (v && v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "scope is not a string");
	for (i = 0; req->required_scopes && i < req->required_scopes->n; i++)
		if (!v || !scope_has(v->v.s, req->required_scopes->v[i])) {
			*reason = "insufficient_scope";
			return oidc_err(err, OIDC_E_INSUFFICIENT_SCOPE,
					"scope %s missing", req->required_scopes->v[i]);
		}
	*reason = "ok";
	return OIDC_OK;
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

static enum oidc_status post_introspection(const struct oidc_introspect_req *req,
					   const char *tok, struct oidc_jshared **doc_out,
					   struct oidc_error *err)
{
	struct oidc_http_response resp = { 0 };
	enum oidc_status st;
	bool basic = req->auth == OIDC_CLIENT_AUTH_BASIC;
	char *body = strdup("token_type_hint=access_token");

	body = oidc_http_form_add(body, "token", tok);
	if (!basic) {
		body = oidc_http_form_add(body, "client_id", req->client_id);
		body = oidc_http_form_add(body, "client_secret", req->client_secret);
	}
	if (!body)
		return oidc_err(err, OIDC_E_NOMEM, "introspection request");
	cache_count_miss(req->cache);
	st = oidc_http_post_form(req->http, req->endpoint, body,
				 basic ? req->client_id : NULL,
				 basic ? req->client_secret : NULL, &resp, err);
	oidc_free_secret(body, strlen(body));
	if (st == OIDC_OK)
		st = answer_doc("introspection", &resp, doc_out, err);
	oidc_http_response_clear(&resp);
	return st;
}

/* ---- introspection ------------------------------------------------------- */

static enum oidc_status req_check(const struct oidc_introspect_req *req,
				  struct oidc_error *err)
{
	if (!req || !req->endpoint || !req->client_id || !req->client_secret ||
	    !req->http)
		return oidc_err(err, OIDC_E_CONFIG, "introspection needs an endpoint, "
				"client_id and client_secret");
	if (req->leeway < 0 || req->leeway > OIDC_LEEWAY_MAX)
		return oidc_err(err, OIDC_E_CONFIG, "leeway out of range");
	return OIDC_OK;
}

enum oidc_status oidc_introspect(const struct oidc_introspect_req *req,
				 const char *token, size_t len, int64_t now,
				 struct oidc_introspect_result *out,
				 struct oidc_error *err)
{
	unsigned char key[SHA256_DIGEST_LENGTH];
	enum oidc_status st;
	struct oidc_jshared *doc = NULL;
	const struct oidc_jnode *active;
	const char *client_in;
	char *tok = NULL, *user = NULL, *client = NULL;
	const char *reason = "error";
	int64_t exp = 0, expires;
	bool fresh = false;

	st = req_check(req, err);
	if (st == OIDC_OK)
		st = token_check(token, len, err);
	if (st == OIDC_OK && req->cache)
		st = cache_key(req->cache, "introspection", req->endpoint,
			       req->client_id,
			       token, len, key, err);
	if (st != OIDC_OK)
		goto out;
	doc = req->cache ? cache_get(req->cache, key, now) : NULL;
	if (!doc) {
		tok = strndup(token, len);
		if (!tok) {
			st = oidc_err(err, OIDC_E_NOMEM, "token copy");
			goto out;
		}
		st = post_introspection(req, tok, &doc, err);
		if (st != OIDC_OK)
			goto out;
		fresh = true;
	}
	st = judge_introspection(req, &doc->own.doc, now, &exp, &reason, err);
	active = oidc_jdoc_get(&doc->own.doc, "active");
	if (fresh && req->cache && active && active->type == OIDC_JFALSE)
		cache_put(req->cache, key, doc, now, now + req->cache->neg_ttl);
	if (st != OIDC_OK)
		goto out;
	st = pick_username(&doc->own.doc, req->username_claims, &user, err);
	if (st != OIDC_OK) {
		reason = "bad_username";
		goto out;
	}
	client_in = oidc_jdoc_str(&doc->own.doc, "client_id");
	if (client_in) {
		client = strdup(client_in);
		if (!client) {
			st = oidc_err(err, OIDC_E_NOMEM, "client_id");
			goto out;
		}
	}
	if (fresh && req->cache) {
		/* min(ttl, exp - now): never serve an answer past the token's exp */
		expires = now + req->cache->ttl;
		if (exp && exp < expires)
			expires = exp;
		cache_put(req->cache, key, doc, now, expires);
	}
	out->claims = doc;
	out->username = user;
	out->client_id = client;
	out->exp = exp;
	out->from_cache = !fresh;
	doc = NULL;
	user = client = NULL;
out:
	if (out)
		out->reason = reason;
	if (tok)
		oidc_free_secret(tok, len);
	free(user);
	free(client);
	oidc_jshared_unref(&doc);
	return st;
}

void oidc_introspect_result_clear(struct oidc_introspect_result *res)
{
	if (!res)
		return;
	oidc_jshared_unref(&res->claims);
	free(res->username);
	free(res->client_id);
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
	char *tok = NULL, *sub = NULL, *user = NULL;
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
	reason = "bad_username";
	st = pick_username(&doc->own.doc, req->username_claims, &user, err);
	if (st != OIDC_OK)
		goto out;
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
	out->username = user;
	out->from_cache = !fresh;
	doc = NULL;
	sub = user = NULL;
out:
	if (out)
		out->reason = reason;
	if (tok)
		oidc_free_secret(tok, len);
	free(sub);
	free(user);
	oidc_jshared_unref(&doc);
	return st;
}

void oidc_userinfo_result_clear(struct oidc_userinfo_result *res)
{
	if (!res)
		return;
	oidc_jshared_unref(&res->claims);
	free(res->sub);
	free(res->username);
	memset(res, 0, sizeof(*res));
}
