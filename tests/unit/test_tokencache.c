/* SPDX-License-Identifier: MIT */
/*
 * test_tokencache.c - the verified-token cache (common/tokencache.c) through
 * oidc_validate: a repeat is a hit (proven by the cache's counters, not by
 * timing), exp is re-checked on a hit, expected_user is compared on a hit,
 * a key set the issuer no longer serves drops the entry, the table stays
 * within its bound, and four threads validating at once agree; and
 * oidc_result_check_expiry judges a result's exp as the validation did.
 *
 * Keys and tokens are made at run time by /usr/bin/python3 (cryptography +
 * PyJWT). The issuer uses network keys with an unreachable jwks_uri and a
 * disk cache entry written by the test, so no request can succeed: keys
 * can only come from that entry.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "discovery.h"
#include "keysource.h"
#include "tokencache.h"
#include "validate_priv.h"
#include "cfgtext.h"
#include "testutil.h"

#define T0 1700000000LL
#define JWKS_URL "https://127.0.0.1:9/jwks"
#define THREADS 4
#define ROUNDS 3000

static char dir[] = "/tmp/oidc-test-tc-XXXXXX";
/* tok_short: key A, exp T0+100; tok_long: key A, exp T0+9000;
 * tok_b: key B, exp T0+9000; tok_t[i]: key A, sub user<i>. */
#define LINE_MAX_LEN 4096
static char jwks_a[LINE_MAX_LEN], jwks_b[LINE_MAX_LEN];
static char tok_short[LINE_MAX_LEN], tok_long[LINE_MAX_LEN], tok_b[LINE_MAX_LEN];
static char tok_t[THREADS][LINE_MAX_LEN];
static int64_t now_value;

static const char gen_py[] =
	"import json, sys, jwt\n"
	"from cryptography.hazmat.primitives.asymmetric import rsa\n"
	"from jwt.algorithms import RSAAlgorithm\n"
	"T0 = 1700000000\n"
	"keys = {n: rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
	"        for n in 'ab'}\n"
	"def jwks(n):\n"
	"    k = json.loads(RSAAlgorithm.to_jwk(keys[n].public_key()))\n"
	"    k.update(kid='kid-' + n, use='sig', alg='RS256')\n"
	"    return json.dumps({'keys': [k]})\n"
	"def tok(n, exp, sub):\n"
	"    c = {'iss': 'https://idp.test', 'aud': 'api', 'sub': sub,\n"
	"         'iat': T0, 'exp': T0 + exp}\n"
	"    return jwt.encode(c, keys[n], algorithm='RS256',\n"
	"                      headers={'kid': 'kid-' + n})\n"
	"print(jwks('a')); print(jwks('b'))\n"
	"print(tok('a', 100, 'alice')); print(tok('a', 9000, 'alice'))\n"
	"print(tok('b', 9000, 'alice'))\n"
	"for i in range(4): print(tok('a', 9000, 'user%d' % i))\n";

static int make_material(void)
{
	char *lines[] = { jwks_a, jwks_b, tok_short, tok_long, tok_b,
			  tok_t[0], tok_t[1], tok_t[2], tok_t[3] };

	return test_python_lines(dir, gen_py, NULL, lines,
				 sizeof(lines) / sizeof(lines[0]), LINE_MAX_LEN);
}

static int64_t test_clock(void *arg)
{
	(void)arg;
	return __atomic_load_n(&now_value, __ATOMIC_RELAXED);
}

static struct oidc_ctx *make_ctx(const struct oidc_issuer_cfg **ic_out)
{
	struct oidc_config *cfg = NULL;
	struct oidc_ctx *ctx = NULL;
	const struct oidc_issuer_cfg *const *list = NULL;
	char cache[300];
	const char *set[][2] = {
		{ "issuer", "https://idp.test" }, { "audience", "api" },
		{ "jwks_uri", JWKS_URL },         { "cache_dir", cache },
		{ "cache_ttl_min", "60" },        { "cache_ttl_max", "3600" },
		{ "leeway", "30" },               { "http_timeout", "1" },
		{ "algorithms", "RS256" },
	};

	snprintf(cache, sizeof(cache), "%s/cache", dir);
	if (oidc_config_new(&cfg, NULL) != OIDC_OK)
		return NULL;
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		if (oidc_config_set(cfg, NULL, set[i][0], set[i][1], NULL) !=
		    OIDC_OK) {
			oidc_config_free(&cfg);
			return NULL;
		}
	if (oidc_config_finish(cfg, NULL) != OIDC_OK ||
	    oidc_ctx_new(&ctx, cfg, NULL) != OIDC_OK)
		return NULL;
	oidc_ctx_set_clock(ctx, test_clock, NULL);
	/* The context owns cfg now; its issuer list is what the cache uses. */
	if (oidc_config_issuers(cfg, &list) != 1) {
		oidc_ctx_free(&ctx);
		return NULL;
	}
	*ic_out = list[0];
	return ctx;
}

static struct oidc_tokencache_stats stats_of(struct oidc_ctx *ctx)
{
	struct oidc_tokencache_stats s;

	oidc_tokencache_stats(oidc_ctx_tokencache(ctx), &s);
	return s;
}

static enum oidc_status validate(struct oidc_ctx *ctx, const char *tok,
				 const char *user, struct oidc_audit *audit)
{
	struct oidc_result *res = NULL;
	enum oidc_status st;

	st = oidc_validate(ctx, tok, strlen(tok), user, &res, audit, NULL);
	if (st == OIDC_OK && (!res || !oidc_result_username(res) ||
			      !oidc_result_claim_string(res, "sub")))
		st = OIDC_E_INTERNAL;
	oidc_result_free(&res);
	return st;
}

static void test_hits(struct oidc_ctx *ctx)
{
	struct oidc_audit a1, a2;
	struct oidc_tokencache_stats s0, s1;
	struct oidc_result *res = NULL;

	now_value = T0 + 10;
	s0 = stats_of(ctx);
	CHECK_STATUS(validate(ctx, tok_short, "alice", &a1), OIDC_OK,
		     "first validation");
	s1 = stats_of(ctx);
	CHECK(s1.inserts == s0.inserts + 1 && s1.hits == s0.hits,
	      "first validation is a miss and is stored");
	CHECK_STATUS(validate(ctx, tok_short, "alice", &a2), OIDC_OK,
		     "same token again");
	s0 = stats_of(ctx);
	CHECK(s0.hits == s1.hits + 1 && s0.inserts == s1.inserts,
	      "second validation is a hit");
	CHECK(memcmp(&a1, &a2, sizeof(a1)) == 0 && a2.token_sha256[0] &&
	      strcmp(a2.user, "alice") == 0 && strcmp(a2.kid, "kid-a") == 0,
	      "audit on a hit equals the audit of the miss");
	CHECK_STATUS(oidc_validate(ctx, tok_short, strlen(tok_short), NULL, &res,
				   NULL, NULL), OIDC_OK, "hit with a result");
	CHECK(res && strcmp(oidc_result_username(res), "alice") == 0 &&
	      strcmp(oidc_result_alg(res), "RS256") == 0 &&
	      strcmp(oidc_result_claim_string(res, "iss"), "https://idp.test") == 0,
	      "result of a hit carries username, alg and claims");
	oidc_result_free(&res);

	s0 = stats_of(ctx);
	CHECK_STATUS(validate(ctx, tok_short, "bob", &a2), OIDC_E_USER_MISMATCH,
		     "hit with another expected_user");
	CHECK(stats_of(ctx).hits == s0.hits + 1, "user mismatch was a hit");
	CHECK(strcmp(a2.user, "alice") == 0, "audit names the mapped user");
	CHECK_STATUS(validate(ctx, tok_short, NULL, NULL), OIDC_OK,
		     "no expected_user");

	/* exp T0+100, leeway 30: valid at T0+129, expired at T0+130. */
	now_value = T0 + 129;
	CHECK_STATUS(validate(ctx, tok_short, "alice", NULL), OIDC_OK,
		     "hit just before exp + leeway");
	now_value = T0 + 130;
	s0 = stats_of(ctx);
	CHECK_STATUS(validate(ctx, tok_short, "alice", &a2), OIDC_E_EXPIRED,
		     "hit after exp + leeway is token_expired");
	s1 = stats_of(ctx);
	CHECK(s1.hits == s0.hits + 1 && s1.drops == s0.drops + 1,
	      "expired hit dropped the entry");
	CHECK(a2.user[0] == '\0' && strcmp(a2.sub, "alice") == 0,
	      "expired audit as on a miss (no user)");
	CHECK_STATUS(validate(ctx, tok_short, "alice", NULL), OIDC_E_EXPIRED,
		     "expired token after the drop (full validation)");
	CHECK(stats_of(ctx).inserts == s1.inserts, "failures are not stored");
}

/*
 * oidc_result_check_expiry, for a host that acts on a login later (PAM's
 * account phase): exp judged as the validation judged it, with the
 * section's leeway (30 here), for the result of a miss and of a hit.
 */
static void test_expiry(struct oidc_ctx *ctx)
{
	struct oidc_result *miss = NULL, *hit = NULL;
	struct oidc_error err;

	now_value = T0 + 10;
	CHECK_STATUS(oidc_validate(ctx, tok_short, strlen(tok_short), "alice", &miss,
				   NULL, NULL), OIDC_OK, "expiry: a validation (miss)");
	CHECK_STATUS(oidc_validate(ctx, tok_short, strlen(tok_short), "alice", &hit,
				   NULL, NULL), OIDC_OK, "expiry: again (hit)");
	if (!miss || !hit)
		goto out;
	/* exp T0+100, leeway 30: still valid at T0+129, expired at T0+130 */
	now_value = T0 + 129;
	CHECK_STATUS(oidc_result_check_expiry(ctx, miss, &err), OIDC_OK,
		     "expiry: 29 s past exp, within the leeway (miss)");
	CHECK_STATUS(oidc_result_check_expiry(ctx, hit, &err), OIDC_OK,
		     "expiry: 29 s past exp, within the leeway (hit)");
	now_value = T0 + 130;
	CHECK_STATUS(oidc_result_check_expiry(ctx, miss, &err), OIDC_E_EXPIRED,
		     "expiry: exp + leeway reached (miss)");
	CHECK_STATUS(oidc_result_check_expiry(ctx, hit, &err), OIDC_E_EXPIRED,
		     "expiry: exp + leeway reached (hit)");
	CHECK(err.status == OIDC_E_EXPIRED && strstr(err.detail, "leeway=30"),
	      "expiry: the detail names the leeway");
out:
	oidc_result_free(&miss);
	oidc_result_free(&hit);
}

/* The same for the claim sets of a provider's answer: tokeninfo's exp is a
 * decimal string, an introspection answer may have none. */
static void test_expiry_kinds(struct oidc_ctx *ctx)
{
	char tokeninfo[] = "{\"exp\":\"1700000100\"}", none[] = "{\"active\":true}";
	struct oidc_result r;

	memset(&r, 0, sizeof(r));
	r.leeway = 30;
	r.kind = OIDC_CLAIMS_TOKENINFO;
	if (!CHECK(oidc_jdoc_parse(&r.claims, tokeninfo, strlen(tokeninfo), NULL) ==
		   OIDC_OK, "expiry: a tokeninfo answer"))
		return;
	now_value = T0 + 129;
	CHECK_STATUS(oidc_result_check_expiry(ctx, &r, NULL), OIDC_OK,
		     "expiry: tokeninfo's exp string, within the leeway");
	now_value = T0 + 130;
	CHECK_STATUS(oidc_result_check_expiry(ctx, &r, NULL), OIDC_E_EXPIRED,
		     "expiry: tokeninfo's exp string, expired");
	r.kind = OIDC_CLAIMS_JWT;
	CHECK_STATUS(oidc_result_check_expiry(ctx, &r, NULL), OIDC_E_BAD_CLAIM,
		     "expiry: a string exp is a date only in a tokeninfo answer");
	oidc_jdoc_clear(&r.claims);
	r.kind = OIDC_CLAIMS_INTROSPECTION;
	if (CHECK(oidc_jdoc_parse(&r.claims, none, strlen(none), NULL) == OIDC_OK,
		  "expiry: an introspection answer without exp"))
		CHECK_STATUS(oidc_result_check_expiry(ctx, &r, NULL), OIDC_OK,
			     "expiry: no exp (RFC 7662 2.2): nothing to judge");
	oidc_jdoc_clear(&r.claims);
	CHECK_STATUS(oidc_result_check_expiry(NULL, &r, NULL), OIDC_E_INTERNAL,
		     "expiry: no context");
}

/* Everything a caller can read from a result, as one string. */
static void describe(const struct oidc_result *res, char *out, size_t cap)
{
	char *json = oidc_result_claims_json(res);
	int64_t exp = 0;
	int rc = oidc_result_claim_int(res, "exp", &exp);

	snprintf(out, cap, "user=%s section=%s alg=%s sub=%s exp=%lld rc=%d %s",
		 oidc_result_username(res), oidc_result_issuer_name(res),
		 oidc_result_alg(res), oidc_result_claim_string(res, "sub"),
		 (long long)exp, rc, json ? json : "(no json)");
	free(json);
}

/*
 * A hit hands back the result a full validation gives (the claims the miss
 * decoded, shared), the result outlives the entry, and only the very same
 * token hits.
 */
static void test_same_result(struct oidc_ctx *ctx)
{
	struct oidc_tokencache *tc = oidc_ctx_tokencache(ctx);
	struct oidc_result *full = NULL, *miss = NULL, *hit = NULL;
	struct oidc_tokencache_stats s0, s1;
	char d_full[2048], d_miss[2048], d_hit[2048], forged[LINE_MAX_LEN];
	size_t len = strlen(tok_long);
	char *dot;

	now_value = T0 + 20;
	oidc_tokencache_set_enabled(tc, false);
	CHECK_STATUS(oidc_validate(ctx, tok_long, len, "alice", &full, NULL,
				   NULL), OIDC_OK, "cache off: full validation");
	oidc_tokencache_set_enabled(tc, true);
	s0 = stats_of(ctx);
	CHECK_STATUS(oidc_validate(ctx, tok_long, len, "alice", &miss, NULL,
				   NULL), OIDC_OK, "miss with a result");
	CHECK_STATUS(oidc_validate(ctx, tok_long, len, "alice", &hit, NULL,
				   NULL), OIDC_OK, "hit with a result");
	s1 = stats_of(ctx);
	CHECK(s1.inserts == s0.inserts + 1 && s1.hits == s0.hits + 1,
	      "one miss stored, one hit");
	if (!CHECK(full && miss && hit, "three results"))
		goto out;
	describe(full, d_full, sizeof(d_full));
	describe(miss, d_miss, sizeof(d_miss));
	describe(hit, d_hit, sizeof(d_hit));
	CHECK(strstr(d_full, "user=alice section=default alg=RS256 sub=alice") &&
	      strstr(d_full, "\"exp\":1700009000"),
	      "full result as expected: %.200s", d_full);
	CHECK(strcmp(d_full, d_miss) == 0 && strcmp(d_full, d_hit) == 0,
	      "hit result equals the full and the miss result");

	/* The hit's result keeps its claims when the entry goes. */
	oidc_tokencache_drop(tc, tok_long, len);
	CHECK(stats_of(ctx).entries == s1.entries - 1, "entry dropped");
	describe(hit, d_hit, sizeof(d_hit));
	CHECK(strcmp(d_full, d_hit) == 0, "hit result outlives its entry");

	/* One changed payload character: never a hit, and refused. */
	memcpy(forged, tok_long, len + 1);
	dot = strchr(forged, '.');
	if (CHECK(dot && dot[5], "token has a payload")) {
		dot[5] = dot[5] == 'A' ? 'B' : 'A';
		s0 = stats_of(ctx);
		CHECK(oidc_validate(ctx, forged, len, NULL, NULL, NULL, NULL) !=
		      OIDC_OK, "token with a changed byte refused");
		s1 = stats_of(ctx);
		CHECK(s1.hits == s0.hits && s1.inserts == s0.inserts,
		      "changed token: not a hit, not stored");
	}
	CHECK_STATUS(oidc_validate(ctx, tok_long, len, "alice", NULL, NULL, NULL),
		     OIDC_OK, "original token after the drop");
	CHECK(stats_of(ctx).inserts == s1.inserts + 1, "stored again");
out:
	oidc_result_free(&full);
	oidc_result_free(&miss);
	oidc_result_free(&hit);
}

static int write_jwks(const struct oidc_issuer_cfg *ic, const char *body,
		      int64_t fetched)
{
	return oidc_ks_entry_write(ic, OIDC_KS_KIND_JWKS, JWKS_URL, fetched,
				   fetched + 3600, body, strlen(body),
				   NULL) == OIDC_OK;
}

static void test_rotation(struct oidc_ctx *ctx, const struct oidc_issuer_cfg *ic)
{
	struct oidc_tokencache_stats s0, s1;

	now_value = T0 + 200;
	CHECK_STATUS(validate(ctx, tok_long, "alice", NULL), OIDC_OK,
		     "long token stored");
	CHECK(validate(ctx, tok_b, "alice", NULL) != OIDC_OK,
	      "key B not yet published");
	s0 = stats_of(ctx);
	CHECK_STATUS(validate(ctx, tok_long, "alice", NULL), OIDC_OK,
		     "long token hit");
	CHECK(stats_of(ctx).hits == s0.hits + 1, "long token was a hit");

	/* Another process fetched a set without key A; once our copy is
	 * stale the disk entry replaces it. */
	CHECK(write_jwks(ic, jwks_b, T0 + 3700), "write rotated disk entry");
	now_value = T0 + 3700;
	s0 = stats_of(ctx);
	CHECK(validate(ctx, tok_long, "alice", NULL) != OIDC_OK,
	      "token of a removed key fails");
	s1 = stats_of(ctx);
	CHECK(s1.drops == s0.drops + 1, "key set change dropped the entry");
	CHECK_STATUS(validate(ctx, tok_b, "alice", NULL), OIDC_OK,
		     "token of the new key validates");
	CHECK(validate(ctx, tok_long, "alice", NULL) != OIDC_OK,
	      "removed key stays refused");
}

/* Store tok in tc directly, with a one-claim payload, as a miss would. */
static void put(struct oidc_tokencache *tc, struct oidc_keyset *ks,
		const char *tok, int64_t exp, int64_t now)
{
	struct oidc_tokencache_entry e = { .keys = ks, .exp = exp,
					   .validated_at = now };
	char payload[] = "{\"sub\":\"u\",\"n\":1}";
	size_t payload_len = strlen(payload);   /* parsing puts NULs in */
	struct oidc_jdoc doc = { NULL, 0, 0 };

	if (oidc_jdoc_parse(&doc, payload, payload_len, NULL) == OIDC_OK)
		oidc_tokencache_insert(tc, tok, strlen(tok), &e, "u", &doc,
				       payload, payload_len);
	oidc_jdoc_clear(&doc);
}

/* A found token: its user and claims as stored, references released. */
static bool found(struct oidc_tokencache *tc, const char *tok)
{
	struct oidc_tokencache_data *d = NULL;
	struct oidc_keyset *ks = NULL;
	bool ok;

	if (!oidc_tokencache_lookup(tc, tok, strlen(tok), &ks, &d))
		return false;
	ok = strcmp(d->user, "u") == 0 && d->token_len == strlen(tok) &&
	     strcmp(oidc_jobj_str(&d->claims, oidc_jdoc_root(&d->claims),
				  "sub"), "u") == 0;
	oidc_tokencache_data_unref(&d);
	oidc_keyset_unref(&ks);
	return ok;
}

/* The 40-byte token number i: same first bytes, the tail differs. */
static void tok_name(char *out, size_t cap, int i)
{
	snprintf(out, cap, "eyJhbGciOiJSUzI1NiJ9.e30.sig-%011d", i * 7919);
}

static void test_bound(void)
{
	struct oidc_tokencache *tc = oidc_tokencache_new(8);
	struct oidc_keyset *ks = NULL;
	struct oidc_tokencache_stats s;
	char t[64];
	int present = 0;

	if (!CHECK(tc && oidc_keyset_new(&ks) == OIDC_OK, "small cache"))
		return;
	for (int i = 0; i < 20; i++) {
		tok_name(t, sizeof(t), i);
		put(tc, ks, t, T0 + 100, T0);
		if (i == 11)
			/* a hit marks entry 11: the clock passes it over once */
			CHECK(found(tc, t), "lookup 11");
	}
	oidc_tokencache_stats(tc, &s);
	CHECK(s.entries == 8 && s.evictions == 12 && s.capacity == 8,
	      "20 inserts into 8 slots: %zu entries, %llu evictions",
	      s.entries, (unsigned long long)s.evictions);
	CHECK(s.bytes > 8 * 40 && s.bytes < OIDC_TOKENCACHE_BYTES_MAX,
	      "bytes counted: %zu", s.bytes);
	for (int i = 0; i < 20; i++) {
		tok_name(t, sizeof(t), i);
		if (found(tc, t))
			present++;
	}
	CHECK(present == 8, "8 entries found, %d", present);
	tok_name(t, sizeof(t), 11);
	CHECK(found(tc, t), "the entry hit before eviction stayed");
	tok_name(t, sizeof(t), 19);
	CHECK(found(tc, t), "newest present");
	t[0] = 'f';
	CHECK(!found(tc, t), "whole token compared (first byte differs)");
	tok_name(t, sizeof(t), 19);
	t[strlen(t) - 1] = '\0';
	CHECK(!found(tc, t), "whole token compared (one byte shorter)");

	/* Inserts at T0+200 sweep entries whose exp (T0+100) passed. */
	for (int i = 100; i < 104; i++) {
		tok_name(t, sizeof(t), i);
		put(tc, ks, t, T0 + 9000, T0 + 200);
	}
	oidc_tokencache_stats(tc, &s);
	CHECK(s.expired >= 4 && s.entries == 8 - s.expired + 4 &&
	      s.evictions == 12,
	      "expired entries swept, not evicted: %llu swept",
	      (unsigned long long)s.expired);
	for (int i = 100; i < 103; i++) {
		tok_name(t, sizeof(t), i);
		oidc_tokencache_drop(tc, t, strlen(t));
		CHECK(!found(tc, t), "drop forgets token %d", i);
	}
	oidc_tokencache_stats(tc, &s);
	CHECK(s.drops == 3 && s.entries == 8 - s.expired + 1,
	      "drops counted");

	oidc_tokencache_set_enabled(tc, false);
	tok_name(t, sizeof(t), 500);
	put(tc, ks, t, T0 + 9000, T0 + 200);
	oidc_tokencache_stats(tc, &s);
	CHECK(s.inserts == 24 && !found(tc, t), "off: nothing stored");
	tok_name(t, sizeof(t), 103);
	CHECK(!found(tc, t), "off: every lookup misses");
	oidc_tokencache_stats(tc, &s);
	CHECK(s.hits + s.misses == 28, "off: lookups not even counted (%llu)",
	      (unsigned long long)(s.hits + s.misses));
	oidc_tokencache_set_enabled(tc, true);
	CHECK(found(tc, t), "on again: entries kept");
	oidc_tokencache_free(&tc);
	CHECK(tc == NULL, "free");
	oidc_keyset_unref(&ks);
}

struct worker {
	struct oidc_ctx *ctx;
	int id, bad;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char want[16];

	for (int r = 0; r < ROUNDS; r++) {
		int t = (w->id + r) % THREADS;
		struct oidc_result *res = NULL;
		struct oidc_audit audit;

		snprintf(want, sizeof(want), "user%d", t);
		if (oidc_validate(w->ctx, tok_t[t], strlen(tok_t[t]), want, &res,
				  &audit, NULL) != OIDC_OK ||
		    strcmp(oidc_result_username(res), want) != 0 ||
		    strcmp(audit.user, want) != 0)
			w->bad++;
		oidc_result_free(&res);
		if (r % 7 == 0 &&
		    oidc_validate(w->ctx, tok_t[t], strlen(tok_t[t]), "other",
				  NULL, NULL, NULL) != OIDC_E_USER_MISMATCH)
			w->bad++;
	}
	return NULL;
}

static void test_threads(struct oidc_ctx *ctx)
{
	pthread_t th[THREADS];
	struct worker w[THREADS];
	struct oidc_tokencache_stats s0, s1;
	int bad = 0, started = 0;

	s0 = stats_of(ctx);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ ctx, i, 0 };
		if (pthread_create(&th[i], NULL, hammer, &w[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		bad += w[i].bad;
	}
	s1 = stats_of(ctx);
	CHECK(started == THREADS && bad == 0, "%d threads agree (%d bad)",
	      started, bad);
	CHECK(s1.inserts - s0.inserts <= THREADS * 2 &&
	      s1.hits - s0.hits >= (uint64_t)(THREADS * ROUNDS),
	      "threads mostly hit: %llu hits, %llu inserts",
	      (unsigned long long)(s1.hits - s0.hits),
	      (unsigned long long)(s1.inserts - s0.inserts));
}

int main(void)
{
	const struct oidc_issuer_cfg *ic = NULL;
	struct oidc_ctx *ctx = NULL;
	char cache[300], cmd[400];

	CHECK(mkdtemp(dir) != NULL, "temp dir");
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	if (!CHECK(mkdir(cache, 0700) == 0 && make_material(), "keys and tokens"))
		goto out;
	CHECK(strcmp(oidc_status_name(OIDC_E_EXPIRED), "token_expired") == 0,
	      "status names");
	ctx = make_ctx(&ic);
	if (!CHECK(ctx != NULL, "context"))
		goto out;
	if (!CHECK(write_jwks(ic, jwks_a, T0), "write warm disk entry"))
		goto out;
	test_hits(ctx);
	test_expiry(ctx);
	test_expiry_kinds(ctx);
	test_same_result(ctx);
	test_threads(ctx);
	test_rotation(ctx, ic);
	test_bound();
out:
	oidc_ctx_free(&ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0, "cleanup");
	return test_done();
}
