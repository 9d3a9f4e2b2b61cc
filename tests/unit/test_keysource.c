/* SPDX-License-Identifier: MIT */
/*
 * test_keysource.c - common/keysource.c and discovery.c against the
 * misbehaving loopback server tests/idp/faulty.py (HTTPS on 127.0.0.1,
 * request counters per path). CAs, certificates and keys are made at run
 * time by the openssl CLI and python3-cryptography (tests/idp/lib.sh).
 * Time is moved with the "now" argument, never by sleeping.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "discovery.h"
#include "keysource.h"
#include "jansson_util.h"
#include "testutil.h"
#include "faulty_fixture.h"

#define T0 1700000000LL
#define TTL_MIN 60
#define TTL_MAX 3600
#define STALE 600
#define INTERVAL 60

static char other_ca[300];
/* Key set A and B: kids of the RSA and EC key made by python. */
static char kid_a[2][64], kid_b[2][64];
static int cache_seq;

/* ---- fixtures ----------------------------------------------------------- */

static void serve_keys(const char *set, const char *file)
{
	char from[300];

	snprintf(from, sizeof(from), "%s/%s/%s", workdir, set, file);
	if (!copy_file(from, served))
		CHECK(0, "swap served JWKS to %s/%s", set, file);
}

static bool read_kids(const char *set, char kids[2][64])
{
	char path[300];
	json_t *doc, *keys;

	snprintf(path, sizeof(path), "%s/%s/jwks.pub.json", workdir, set);
	doc = json_load_file(path, 0, NULL);
	keys = json_object_get(doc, "keys");
	for (size_t i = 0; i < 2; i++) {
		const char *k = json_string_value(
			json_object_get(json_array_get(keys, i), "kid"));
		snprintf(kids[i], 64, "%s", k ? k : "");
	}
	json_decref(doc);
	return kids[0][0] && kids[1][0];
}

static bool setup(void)
{
	char dir[300];

	if (!fixture_begin())
		return false;
	snprintf(other_ca, sizeof(other_ca), "%s/other/ca.pem", workdir);
	static const char *const steps[][2] = {
		{ "idp_make_ca", "other" },
		{ "idp_make_keys", "a" }, { "idp_make_keys", "b" },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", workdir, steps[i][1]);
		if (!run_lib(steps[i][0], dir))
			return false;
	}
	if (!read_kids("a", kid_a) || !read_kids("b", kid_b))
		return false;
	serve_keys("a", "jwks.pub.json");
	return start_server(0) && start_server(1);
}

/* ---- helpers ------------------------------------------------------------ */

/* A network issuer on server s, path /mode, with a new cache dir. */
static void issuer_init(struct oidc_issuer_cfg *ic, int s, const char *mode)
{
	static char iss[8][128], dir[8][300];
	static int i;

	i = (i + 1) % 8;
	memset(ic, 0, sizeof(*ic));
	snprintf(iss[i], sizeof(iss[i]), "https://127.0.0.1:%d/%s", srv[s].port,
		 mode);
	snprintf(dir[i], sizeof(dir[i]), "%s/cache-%d", workdir, ++cache_seq);
	ic->name = (char *)"test";
	ic->issuer = iss[i];
	ic->ca_file = pki_ca;
	ic->http_timeout = 5;
	ic->cache_dir = dir[i];
	ic->cache_ttl_min = TTL_MIN;
	ic->cache_ttl_max = TTL_MAX;
	ic->cache_stale_max = STALE;
	ic->jwks_refetch_interval = INTERVAL;
}

/* get, keeping only the status and whether the set has kid. */
static enum oidc_status get_has(struct oidc_keysource *src, int64_t now,
				const char *refetch_kid, const char *kid,
				bool *has_out)
{
	struct oidc_keyset *ks = NULL;
	struct oidc_error err = { 0 };
	enum oidc_status st;

	st = oidc_keysource_get(src, now, refetch_kid, NULL, &ks, &err);
	if (st == OIDC_OK && (!ks || ks->count == 0))
		st = OIDC_E_INTERNAL;
	if (has_out) {
		*has_out = false;
		for (size_t i = 0; ks && kid && i < ks->count; i++)
			if (ks->keys[i]->kid && strcmp(ks->keys[i]->kid, kid) == 0)
				*has_out = true;
	}
	oidc_keyset_unref(&ks);
	return st;
}

static enum oidc_status get_st(struct oidc_keysource *src, int64_t now,
			       const char *refetch_kid)
{
	return get_has(src, now, refetch_kid, NULL, NULL);
}

static bool entry_exists(const struct oidc_issuer_cfg *ic, const char *kind)
{
	char name[64], path[400];
	struct stat st;

	oidc_cache_name(ic->issuer, kind, name);
	snprintf(path, sizeof(path), "%s/%s", ic->cache_dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 0777) == 0600;
}

/* ---- tests: pure helpers ------------------------------------------------ */

static void test_url_policy(void)
{
	struct oidc_issuer_cfg ic = { .name = (char *)"t",
				      .issuer = (char *)"https://idp.example" };
	struct oidc_issuer_cfg lo = { .issuer = (char *)"http://127.0.0.1:8080/x" };
	char *u = NULL;

	CHECK(oidc_ks_url_allowed(&ic, "https://idp.example/jwks"), "https jwks_uri");
	CHECK(oidc_ks_url_allowed(&ic, "HTTPS://idp.example/jwks"), "HTTPS scheme");
	CHECK(!oidc_ks_url_allowed(&ic, "http://idp.example/jwks"), "http refused");
	CHECK(!oidc_ks_url_allowed(&ic, "http://127.0.0.1/jwks"),
	      "loopback http refused for an https issuer");
	CHECK(!oidc_ks_url_allowed(&ic, NULL) && !oidc_ks_url_allowed(&ic, ""),
	      "missing jwks_uri refused");
	CHECK(oidc_ks_url_allowed(&lo, "http://127.0.0.1:9/jwks") &&
		      oidc_ks_url_allowed(&lo, "http://[::1]:9/jwks") &&
		      oidc_ks_url_allowed(&lo, "http://localhost/jwks"),
	      "loopback http for a loopback http issuer");
	CHECK(!oidc_ks_url_allowed(&lo, "http://127.0.0.1.evil.test/jwks") &&
		      !oidc_ks_url_allowed(&lo, "http://localhost.evil.test/"),
	      "loopback look-alike hosts refused");
	CHECK(!oidc_ks_is_loopback_http("https://127.0.0.1/"),
	      "https is not loopback http");

	struct oidc_http_opts o;
	ic.ca_file = (char *)"/ca.pem";
	ic.proxy = (char *)"http://proxy:3128";
	ic.http_timeout = 7;
	oidc_keysource_http_opts(&ic, &o);
	CHECK(o.ca_file == ic.ca_file && o.proxy == ic.proxy &&
		      o.total_timeout_ms == 7000 && !o.allow_loopback_http &&
		      o.max_body == 0,
	      "http options from the issuer config");
	lo.http_timeout = 1000000000000LL;
	oidc_keysource_http_opts(&lo, &o);
	CHECK(o.allow_loopback_http && o.total_timeout_ms == 600000,
	      "loopback http issuer: plain http allowed; timeout clamped");
	ic.ca_file = NULL;
	ic.proxy = NULL;

	CHECK_STATUS(oidc_discovery_url(&ic, &u, NULL), OIDC_OK, "discovery url");
	CHECK(u && strcmp(u, "https://idp.example/.well-known/openid-configuration") == 0,
	      "discovery url = issuer + well-known");
	free(u);
	u = NULL;
	ic.issuer = (char *)"https://idp.example/t/";
	oidc_discovery_url(&ic, &u, NULL);
	CHECK(u && strcmp(u, "https://idp.example/t/.well-known/openid-configuration") == 0,
	      "one trailing slash stripped (OIDC Discovery 4)");
	free(u);
	u = NULL;
	ic.issuer = (char *)"https://login.example/{tenantid}/v2.0";
	CHECK_STATUS(oidc_discovery_url(&ic, &u, NULL), OIDC_E_CONFIG,
		     "template issuer needs discovery_url");
	ic.discovery_url = (char *)"https://login.example/common/v2.0/x";
	CHECK_STATUS(oidc_discovery_url(&ic, &u, NULL), OIDC_OK,
		     "template issuer with discovery_url");
	CHECK(u && strcmp(u, ic.discovery_url) == 0, "discovery_url used as is");
	free(u);

	ic.cache_ttl_min = 60;
	ic.cache_ttl_max = 3600;
	CHECK(oidc_ks_expiry(&ic, 1000, -1) == 1060, "no max-age: ttl_min");
	CHECK(oidc_ks_expiry(&ic, 1000, 0) == 1060, "no-store: ttl_min");
	CHECK(oidc_ks_expiry(&ic, 1000, 600) == 1600, "max-age within bounds");
	CHECK(oidc_ks_expiry(&ic, 1000, 99999999) == 4600, "max-age capped");
	CHECK(oidc_ks_expiry(&ic, INT64_MAX - 5, 600) == INT64_MAX,
	      "expiry saturates");
}

static void test_envelope(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_ks_entry e = { 0 };
	char name[64], path[400];
	bool use = false;

	issuer_init(&ic, 0, "good");
	CHECK_STATUS(oidc_ks_disk_ready(&ic, &use, NULL), OIDC_OK, "cache dir made");
	CHECK(use, "cache dir in use");
	CHECK_STATUS(oidc_ks_entry_write(&ic, "jwks", "https://a/j", T0, T0 + 99999,
					 "{\"keys\":[]}", 11, NULL),
		     OIDC_OK, "entry written");
	CHECK_STATUS(oidc_ks_entry_read(&ic, "jwks", "https://a/j", T0, &e, NULL),
		     OIDC_OK, "entry read");
	CHECK(e.present && e.body_len == 11 && memcmp(e.body, "{\"keys\":[]}", 11) == 0 &&
		      e.fetched_at == T0,
	      "entry body and time round-trip");
	CHECK(e.expires_at == T0 + TTL_MAX, "stored lifetime re-clamped to ttl_max");
	oidc_ks_entry_clear(&e);
	oidc_ks_entry_read(&ic, "jwks", "https://other/j", T0, &e, NULL);
	CHECK(!e.present, "entry for another url ignored");
	oidc_ks_entry_clear(&e);
	oidc_ks_entry_read(&ic, "jwks", "https://a/j", T0 - 1000, &e, NULL);
	CHECK(!e.present, "entry from the future ignored");
	oidc_ks_entry_clear(&e);
	/* Same file name, other issuer inside: a planted or colliding entry. */
	struct oidc_issuer_cfg other = ic;
	other.issuer = (char *)"https://127.0.0.1:1/elsewhere";
	oidc_ks_entry_write(&other, "jwks", "https://a/j", T0, T0 + 60, "{}", 2, NULL);
	oidc_cache_name(other.issuer, "jwks", name);
	char from[400];
	snprintf(from, sizeof(from), "%s/%s", ic.cache_dir, name);
	oidc_cache_name(ic.issuer, "jwks", name);
	snprintf(path, sizeof(path), "%s/%s", ic.cache_dir, name);
	CHECK(rename(from, path) == 0, "entry of another issuer moved in place");
	oidc_ks_entry_read(&ic, "jwks", "https://a/j", T0, &e, NULL);
	CHECK(!e.present, "entry naming another issuer ignored");
	oidc_ks_entry_clear(&e);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs("{\"v\":1,\"issuer\":", f);
		fclose(f);
	}
	oidc_ks_entry_read(&ic, "jwks", "https://a/j", T0, &e, NULL);
	CHECK(!e.present, "truncated entry ignored");
	oidc_ks_entry_clear(&e);

	/* Entries written before the core dropped jansson (json_dumps of the
	 * same envelope) are read, and the writer's are the same bytes. */
	const char body[] = "{\"keys\":[{\"kid\":\"\u00e9/\\\"\"}]}\n\t";
	json_t *old = json_pack("{s:i,s:s,s:s,s:I,s:I,s:s#}", "v", 1, "issuer", ic.issuer,
				"url", "https://a/j", "fetched_at", (json_int_t)T0,
				"expires_at", (json_int_t)(T0 + 60), "body", body,
				(int)(sizeof(body) - 1));
	char *old_text = old ? json_dumps(old, JSON_COMPACT) : NULL;
	size_t len = 0;
	unsigned char *mine = NULL;

	CHECK(old_text && oidc_cache_write(ic.cache_dir, name, old_text, strlen(old_text),
					   NULL) == OIDC_OK,
	      "entry written the old way (jansson)");
	oidc_ks_entry_read(&ic, "jwks", "https://a/j", T0, &e, NULL);
	CHECK(e.present && e.body_len == sizeof(body) - 1 &&
		      memcmp(e.body, body, e.body_len) == 0,
	      "entry written by jansson read back");
	oidc_ks_entry_clear(&e);
	oidc_ks_entry_write(&ic, "jwks", "https://a/j", T0, T0 + 60, body, sizeof(body) - 1,
			    NULL);
	CHECK(oidc_cache_read(ic.cache_dir, name, 1 << 20, &mine, &len, NULL) == OIDC_OK &&
		      old_text && mine && len == strlen(old_text) &&
		      memcmp(mine, old_text, len) == 0,
	      "the writer's entry is byte for byte jansson's");
	free(mine);
	free(old_text);
	json_decref(old);
}

/* ---- tests: against the server ------------------------------------------ */

static double cold_ms, warm_disk_us, flood_us;

static void test_cold_warm(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a, b;
	struct oidc_keyset *k1 = NULL, *k2 = NULL;
	bool has = false;
	int64_t t;

	server_reset(0);
	issuer_init(&ic, 0, "good");
	oidc_keysource_init(&a, &ic);
	t = now_us();
	CHECK_STATUS(get_has(&a, T0, NULL, kid_a[0], &has), OIDC_OK, "cold fetch");
	cold_ms = (double)(now_us() - t) / 1000.0;
	CHECK(has, "cold fetch: RSA key present");
	CHECK(disc_count(0, "good") == 1 && jwks_count(0, "good") == 1,
	      "cold fetch: one discovery and one JWKS request");
	CHECK(a.fetches == 2, "cold fetch: fetches = 2");
	CHECK(entry_exists(&ic, "discovery") && entry_exists(&ic, "jwks"),
	      "cold fetch: both entries on disk, 0600");
	CHECK(a.keys_fetched_at == T0 && a.keys_expires_at == T0 + TTL_MIN,
	      "no Cache-Control: ttl_min");

	oidc_keysource_get(&a, T0 + 30, NULL, NULL, &k1, NULL);
	oidc_keysource_get(&a, T0 + 59, NULL, NULL, &k2, NULL);
	CHECK(k1 && k1 == k2 && k1 == a.keys, "warm memory: same set");
	CHECK(a.fetches == 2 && jwks_count(0, "good") == 1, "warm memory: 0 requests");
	CHECK(k1 && k1->refs == 3, "references counted (source + 2 callers)");
	oidc_keyset_unref(&k1);
	oidc_keyset_unref(&k2);
	CHECK(a.keys && a.keys->refs == 1 && !k1, "unref drops references");

	/* The PAM case: a new process finds the keys on disk. */
	t = now_us();
	for (int i = 0; i < 100; i++) {
		oidc_keysource_init(&b, &ic);
		if (get_has(&b, T0 + 40, NULL, kid_a[1], &has) != OIDC_OK || !has ||
		    b.fetches != 0)
			CHECK(0, "warm disk get %d", i);
		oidc_keysource_clear(&b);
	}
	warm_disk_us = (double)(now_us() - t) / 100.0;
	CHECK(disc_count(0, "good") == 1 && jwks_count(0, "good") == 1,
	      "warm disk: 100 fresh sources made 0 requests");

	/* Expiry: exactly one refetch of each document, then fresh again. */
	uint64_t gen = a.generation;
	CHECK_STATUS(get_st(&a, T0 + TTL_MIN, NULL), OIDC_OK, "expired: refetch");
	CHECK(disc_count(0, "good") == 2 && jwks_count(0, "good") == 2 &&
		      a.generation == gen + 1,
	      "expiry: one discovery + one JWKS request, new generation");
	get_st(&a, T0 + TTL_MIN + 1, NULL);
	oidc_keysource_init(&b, &ic);
	get_st(&b, T0 + TTL_MIN + 2, NULL);
	CHECK(jwks_count(0, "good") == 2 && b.fetches == 0,
	      "after refetch: memory and disk fresh again");
	oidc_keysource_clear(&b);
	oidc_keysource_clear(&a);
	CHECK(a.keys == NULL && a.ic == NULL, "clear resets the source");
}

static void test_max_age(void)
{
	static const struct {
		const char *mode;
		int64_t ttl;
	} cases[] = {
		{ "cache-600", 600 },
		{ "cache-5", TTL_MIN },
		{ "cache-100000", TTL_MAX },
		{ "nostore", TTL_MIN },
	};
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a, b;

	server_reset(0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		issuer_init(&ic, 0, cases[i].mode);
		oidc_keysource_init(&a, &ic);
		CHECK_STATUS(get_st(&a, T0, NULL), OIDC_OK, "%s: fetch", cases[i].mode);
		CHECK(a.keys_expires_at == T0 + cases[i].ttl, "%s: expires after %lld s",
		      cases[i].mode, (long long)cases[i].ttl);
		oidc_keysource_clear(&a);
	}
	/* cache-600 through the disk in fresh sources: no request before
	 * T0+600, one JWKS request at T0+600. */
	issuer_init(&ic, 0, "cache-600");
	server_reset(0);
	oidc_keysource_init(&a, &ic);
	get_st(&a, T0, NULL);
	oidc_keysource_clear(&a);
	oidc_keysource_init(&b, &ic);
	CHECK_STATUS(get_st(&b, T0 + 599, NULL), OIDC_OK, "max-age: fresh at 599 s");
	CHECK(b.fetches == 0 && jwks_count(0, "cache-600") == 1,
	      "max-age: no request before expiry");
	CHECK_STATUS(get_st(&b, T0 + 600, NULL), OIDC_OK, "max-age: expired at 600 s");
	CHECK(jwks_count(0, "cache-600") == 2 && disc_count(0, "cache-600") == 2,
	      "max-age: one refetch (discovery expired at ttl_min too)");
	oidc_keysource_clear(&b);
}

static void test_rotation(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a;
	bool has_new = false, has_old = true;

	server_reset(0);
	serve_keys("a", "jwks.pub.json");
	issuer_init(&ic, 0, "good");
	ic.cache_ttl_min = 3600;
	oidc_keysource_init(&a, &ic);
	get_st(&a, T0, NULL);
	serve_keys("b", "jwks.pub.json");
	CHECK_STATUS(get_has(&a, T0 + 10, kid_b[0], kid_b[0], &has_new), OIDC_OK,
		     "rotation: unknown kid inside the interval");
	CHECK(!has_new && jwks_count(0, "good") == 1,
	      "rotation: no refetch inside the interval, set unchanged");
	CHECK_STATUS(get_has(&a, T0 + INTERVAL, kid_b[0], kid_b[0], &has_new),
		     OIDC_OK, "rotation: unknown kid after the interval");
	CHECK(has_new && jwks_count(0, "good") == 2 && disc_count(0, "good") == 1,
	      "rotation: exactly one JWKS refetch, new key present");
	get_has(&a, T0 + INTERVAL + 1, kid_a[0], kid_a[0], &has_old);
	CHECK(!has_old && jwks_count(0, "good") == 2,
	      "rotation: old key gone, no refetch for it");
	get_has(&a, T0 + INTERVAL + 2, NULL, kid_b[1], &has_new);
	CHECK(has_new, "rotation: new EC key present");
	oidc_keysource_clear(&a);

	/* Across processes: a long-lived source takes what another process
	 * fetched from the disk, for a new kid and after expiry. */
	struct oidc_keysource b;
	server_reset(0);
	serve_keys("a", "jwks.pub.json");
	issuer_init(&ic, 0, "good");
	oidc_keysource_init(&a, &ic);
	oidc_keysource_init(&b, &ic);
	get_st(&a, T0, NULL);
	get_st(&b, T0, NULL);
	serve_keys("b", "jwks.pub.json");
	get_has(&b, T0 + INTERVAL, kid_b[0], kid_b[0], &has_new);
	CHECK(has_new && jwks_count(0, "good") == 2, "other process refetched");
	has_new = false;
	CHECK_STATUS(get_has(&a, T0 + INTERVAL + 1, kid_b[0], kid_b[0], &has_new),
		     OIDC_OK, "rotation seen through the disk");
	CHECK(has_new && a.fetches == 2 && jwks_count(0, "good") == 2,
	      "rotation through the disk: new kid without a request");
	serve_keys("a", "jwks.pub.json");
	get_st(&b, T0 + 2 * INTERVAL + TTL_MIN, NULL);
	CHECK(jwks_count(0, "good") == 3, "other process refreshed after expiry");
	get_has(&a, T0 + 2 * INTERVAL + TTL_MIN + 1, NULL, kid_a[0], &has_old);
	CHECK(has_old && a.fetches == 2 && jwks_count(0, "good") == 3,
	      "expired memory copy replaced from the disk, no request");
	oidc_keysource_clear(&a);
	oidc_keysource_clear(&b);

	/* Memory only: an unknown-kid refetch reuses the metadata. */
	server_reset(0);
	issuer_init(&ic, 0, "good");
	ic.cache_dir = NULL;
	ic.cache_ttl_min = 3600;
	oidc_keysource_init(&a, &ic);
	get_st(&a, T0, NULL);
	serve_keys("b", "jwks.pub.json");
	get_has(&a, T0 + INTERVAL, kid_b[1], kid_b[1], &has_new);
	CHECK(has_new && jwks_count(0, "good") == 2 && disc_count(0, "good") == 1,
	      "memory only, unknown kid: one JWKS request, no discovery");
	get_st(&a, T0 + INTERVAL + 3600, NULL);
	CHECK(jwks_count(0, "good") == 3 && disc_count(0, "good") == 2,
	      "memory only, expiry: discovery and JWKS again");
	oidc_keysource_clear(&a);
	serve_keys("a", "jwks.pub.json");
}

static void test_kid_flood(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a, b;
	char kid[64];
	int bad = 0;

	server_reset(0);
	issuer_init(&ic, 0, "good");
	ic.cache_ttl_min = 3600;
	oidc_keysource_init(&a, &ic);
	oidc_keysource_init(&b, &ic);
	get_st(&a, T0, NULL);
	for (int i = 0; i < 1000; i++) {
		snprintf(kid, sizeof(kid), "random-%d-%ld", i, random());
		/* 1,000 calls spread over 50 s, starting one interval on. */
		if (get_st(&a, T0 + INTERVAL + i / 20, kid) != OIDC_OK)
			bad++;
	}
	int64_t t = now_us();
	for (int i = 0; i < 1000; i++) {
		snprintf(kid, sizeof(kid), "random-%d-%ld", i, random());
		if (get_st(&a, T0 + INTERVAL + 50, kid) != OIDC_OK)
			bad++;
	}
	flood_us = (double)(now_us() - t) / 1000.0;
	CHECK(bad == 0, "flood: every call served the current set");
	CHECK(jwks_count(0, "good") == 2, "flood: exactly one refetch for 1,000 kids");
	/* Two sources (two processes' worth) sharing the disk cache. */
	for (int i = 0; i < 1000; i++) {
		snprintf(kid, sizeof(kid), "random-%d-%ld", i, random());
		if (get_st(i % 2 ? &b : &a, T0 + 200 + i / 20, kid) != OIDC_OK)
			bad++;
	}
	CHECK(bad == 0, "flood, two sources: every call served");
	CHECK(jwks_count(0, "good") == 3 && b.fetches == 0,
	      "flood, two sources: one refetch in the interval in all");
	oidc_keysource_clear(&a);
	oidc_keysource_clear(&b);
}

static void test_provider_down(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a, b;
	bool has = false;

	issuer_init(&ic, 1, "good");
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_OK, "down: warmed before");
	stop_server(1);
	CHECK_STATUS(get_has(&a, T0 + 100, NULL, kid_a[0], &has), OIDC_OK,
		     "down, warm memory: stale keys served");
	CHECK(has && a.fetches > 2, "down: a refresh was tried, last good set kept");
	unsigned f = a.fetches;
	get_st(&a, T0 + 101, NULL);
	CHECK(a.fetches == f, "down: no retry within the interval");
	oidc_keysource_init(&b, &ic);
	CHECK_STATUS(get_has(&b, T0 + 102, NULL, kid_a[1], &has), OIDC_OK,
		     "down, warm disk (new process): stale keys served");
	CHECK(has && b.fetches == 0,
	      "down: another process backs off too (disk marker)");
	oidc_keysource_clear(&b);
	oidc_keysource_init(&b, &ic);
	CHECK_STATUS(get_st(&b, T0 + TTL_MIN + STALE - 1, NULL), OIDC_OK,
		     "down: served until the end of the stale window");
	oidc_keysource_clear(&b);
	oidc_keysource_init(&b, &ic);
	CHECK_STATUS(get_st(&b, T0 + TTL_MIN + STALE, NULL), OIDC_E_IDP_UNREACHABLE,
		     "down, disk: fail closed after the stale window");
	oidc_keysource_clear(&b);
	CHECK_STATUS(get_st(&a, T0 + TTL_MIN + STALE + 100, NULL),
		     OIDC_E_IDP_UNREACHABLE, "down, memory: fail closed after it");

	/* Cold and down: nothing to serve. */
	issuer_init(&ic, 1, "good");
	oidc_keysource_init(&b, &ic);
	CHECK_STATUS(get_st(&b, T0, NULL), OIDC_E_IDP_UNREACHABLE, "down, cold");
	CHECK(b.fetches == 1 && !entry_exists(&ic, "discovery"),
	      "down, cold: one attempt, nothing cached");
	oidc_keysource_clear(&b);
	oidc_keysource_clear(&a);
	CHECK(start_server(1), "second server restarted");
}

static void test_refused(void)
{
	static const struct {
		const char *mode;
		enum oidc_status want;
		bool disc_ok;   /* discovery fine, the JWKS fetch fails */
	} cases[] = {
		/* no usable answer yet: a retry may work */
		{ "500", OIDC_E_IDP_UNREACHABLE, false },
		{ "reset", OIDC_E_IDP_UNREACHABLE, false },
		{ "disc-500", OIDC_E_IDP_UNREACHABLE, true },
		/* the provider answered: a mistake to fix (class internal) */
		{ "404", OIDC_E_IDP_HTTP_ERROR, false },
		{ "garbage", OIDC_E_IDP_BAD_DOCUMENT, false },
		{ "html", OIDC_E_IDP_BAD_DOCUMENT, false },
		{ "big", OIDC_E_IDP_BAD_DOCUMENT, false },
		{ "wrong-issuer", OIDC_E_ISSUER_MISMATCH, false },
		{ "http-jwks", OIDC_E_IDP_BAD_DOCUMENT, false },
		{ "disc-404", OIDC_E_IDP_HTTP_ERROR, true },
		{ "disc-garbage", OIDC_E_IDP_BAD_DOCUMENT, true },
		{ "disc-html", OIDC_E_IDP_BAD_DOCUMENT, true },
		{ "disc-big", OIDC_E_IDP_BAD_DOCUMENT, true },
		{ "disc-big-chunked", OIDC_E_IDP_BAD_DOCUMENT, true },
		{ "disc-redirect-http", OIDC_E_IDP_HTTP_ERROR, true },
	};
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *m = cases[i].mode;

		server_reset(0);
		issuer_init(&ic, 0, m);
		oidc_keysource_init(&a, &ic);
		CHECK_STATUS(get_st(&a, T0, NULL), cases[i].want, "%s: refused", m);
		if (strcmp(m, "wrong-issuer") == 0)
			CHECK(jwks_count(0, "good") == 0,
			      "wrong-issuer: its jwks_uri never fetched");
		if (strcmp(m, "http-jwks") == 0 || strcmp(m, "disc-redirect-http") == 0)
			CHECK(count(0, "http:/good/jwks") == 0,
			      "%s: nothing fetched over http", m);
		CHECK(!entry_exists(&ic, "jwks") &&
			      entry_exists(&ic, "discovery") == cases[i].disc_ok,
		      "%s: nothing refused was cached", m);
		unsigned f = a.fetches;
		CHECK_STATUS(get_st(&a, T0 + 1, NULL), cases[i].want,
			     "%s: refused again", m);
		CHECK(a.fetches == f,
		      "%s: the failure is remembered briefly (not asked again at once)", m);
		CHECK_STATUS(get_st(&a, T0 + OIDC_FLIGHT_FAIL_HOLD, NULL), cases[i].want,
			     "%s: refused after the hold", m);
		CHECK(a.fetches == (cases[i].disc_ok ? 3u : 2u),
		      "%s: ... only briefly (asked again after the hold)", m);
		oidc_keysource_clear(&a);
	}

	/* A certificate from a CA we do not trust. */
	server_reset(0);
	issuer_init(&ic, 0, "good");
	ic.ca_file = other_ca;
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_E_TLS_UNTRUSTED, "unknown CA refused");
	CHECK(!entry_exists(&ic, "discovery") && disc_count(0, "good") == 0,
	      "unknown CA: no request completed, nothing cached");
	oidc_keysource_clear(&a);

	/* D1: no trailing-slash tolerance. */
	issuer_init(&ic, 0, "good/");
	oidc_keysource_init(&a, &ic);
	{
		struct oidc_error err = { 0 };
		struct oidc_keyset *ks = NULL;

		CHECK_STATUS(oidc_keysource_get(&a, T0, NULL, NULL, &ks, &err),
			     OIDC_E_ISSUER_MISMATCH,
			     "issuer with a trailing slash != document issuer");
		CHECK(strstr(err.detail, "only a trailing slash differs") != NULL,
		      "trailing slash: the detail says so (%s)", err.detail);
		oidc_keyset_unref(&ks);
	}
	CHECK(disc_count(0, "good") == 1, "trailing slash stripped before the well-known path");
	oidc_keysource_clear(&a);

	/* Bounded time: a JWKS endpoint that never answers. */
	issuer_init(&ic, 0, "disc-hang");
	ic.http_timeout = 1;
	oidc_keysource_init(&a, &ic);
	int64_t t = now_us();
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_E_IDP_UNREACHABLE, "hang: refused");
	t = now_us() - t;
	CHECK(t >= 900000 && t < 3000000, "hang: bounded by http_timeout (%lld ms)",
	      (long long)(t / 1000));
	oidc_keysource_clear(&a);
}

/* A refused set (private key material) keeps the last good one. */
static void test_refused_refresh(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a, b;
	struct oidc_ks_entry e = { 0 };
	bool has = false;

	server_reset(0);
	issuer_init(&ic, 0, "good");
	oidc_keysource_init(&a, &ic);
	get_st(&a, T0, NULL);
	uint64_t gen = a.generation;
	serve_keys("b", "jwks.json"); /* private JWKS: refused (F1) */
	CHECK_STATUS(get_has(&a, T0 + TTL_MIN, NULL, kid_a[0], &has), OIDC_OK,
		     "refused refresh: served");
	CHECK(has && a.generation == gen && jwks_count(0, "good") == 2,
	      "refused refresh: last good set kept");
	oidc_ks_entry_read(&ic, "jwks", url(0, "/good/jwks"), T0 + TTL_MIN, &e, NULL);
	CHECK(e.present && e.fetched_at == T0, "refused refresh: disk entry untouched");
	oidc_ks_entry_clear(&e);
	serve_keys("a", "jwks.pub.json");
	oidc_keysource_init(&b, &ic);
	CHECK_STATUS(get_has(&b, T0 + TTL_MIN + INTERVAL, NULL, kid_a[0], &has),
		     OIDC_OK, "after the provider recovers");
	CHECK(has && b.fetches == 2 && b.keys_fetched_at == T0 + TTL_MIN + INTERVAL,
	      "recovery: next try after the interval fetches again");
	oidc_keysource_clear(&a);
	oidc_keysource_clear(&b);
}

static void test_cache_dir_refused(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a;
	char link[320];

	server_reset(0);
	issuer_init(&ic, 0, "good");
	mkdir(ic.cache_dir, 0700);
	chmod(ic.cache_dir, 0770);
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_E_CACHE_DIR,
		     "group-writable cache dir refused");
	chmod(ic.cache_dir, 0702);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_E_CACHE_DIR,
		     "world-writable cache dir refused");
	CHECK(a.fetches == 0 && disc_count(0, "good") == 0,
	      "bad cache dir: no request made");
	oidc_keysource_clear(&a);
	chmod(ic.cache_dir, 0700);
	snprintf(link, sizeof(link), "%s/link-%d", workdir, cache_seq);
	if (symlink(ic.cache_dir, link) != 0)
		CHECK(0, "symlink made");
	ic.cache_dir = link;
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_E_CACHE_DIR, "symlinked cache dir refused");
	oidc_keysource_clear(&a);
	/* Memory only: no cache_dir configured. */
	ic.cache_dir = NULL;
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_OK, "no cache_dir: memory only");
	get_st(&a, T0 + 10, NULL);
	CHECK(a.fetches == 2, "memory only: warm memory");
	oidc_keysource_clear(&a);
}

static void test_meta_and_config(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource a;
	const struct oidc_provider_meta *m = NULL, *m2 = NULL;
	char want[256];

	server_reset(0);
	issuer_init(&ic, 0, "good");
	ic.userinfo_endpoint = (char *)"https://127.0.0.1:1/configured-userinfo";
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(oidc_keysource_meta(&a, T0, NULL, &m, NULL), OIDC_OK, "meta");
	snprintf(want, sizeof(want), "%s", url(0, "/good/token/introspection"));
	CHECK(m && m->introspection_endpoint &&
		      strcmp(m->introspection_endpoint, want) == 0,
	      "meta: introspection endpoint from the document");
	CHECK(m && m->userinfo_endpoint &&
		      strcmp(m->userinfo_endpoint, ic.userinfo_endpoint) == 0,
	      "meta: a configured endpoint wins");
	CHECK_STATUS(get_st(&a, T0 + 1, NULL), OIDC_OK, "keys after meta");
	oidc_keysource_meta(&a, T0 + 30, NULL, &m2, NULL);
	CHECK(m2 == m && a.fetches == 2 && disc_count(0, "good") == 1,
	      "meta: known metadata serves within cache_ttl_min, no request");
	oidc_keysource_meta(&a, T0 + 5000, NULL, &m2, NULL);
	CHECK(m2 == m && disc_count(0, "good") == 2,
	      "meta: looked at again after its expiry; unchanged: same pointer");
	stop_server(0);
	CHECK_STATUS(oidc_keysource_meta(&a, T0 + 10000, NULL, &m2, NULL), OIDC_OK,
		     "meta: provider down: the last good metadata still serves");
	CHECK(m2 == m, "meta: ... the same one");
	start_server(0);
	oidc_keysource_clear(&a);

	/* Explicit jwks_uri: no discovery for keys nor metadata. */
	server_reset(0);
	issuer_init(&ic, 0, "somewhere");
	ic.jwks_uri = (char *)url(0, "/good/jwks");
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(get_st(&a, T0, NULL), OIDC_OK, "configured jwks_uri");
	CHECK_STATUS(oidc_keysource_meta(&a, T0, NULL, &m, NULL), OIDC_OK,
		     "meta from configuration");
	CHECK(a.fetches == 1 && jwks_count(0, "good") == 1 &&
		      disc_count(0, "somewhere") == 0,
	      "configured jwks_uri: one request, no discovery");
	CHECK(m && m->jwks_uri && strcmp(m->jwks_uri, ic.jwks_uri) == 0,
	      "meta: configured jwks_uri");
	oidc_keysource_clear(&a);

	/* Static sources: the configured set, no network. */
	char path[300];
	struct oidc_keyset *ks = NULL, *got = NULL;
	snprintf(path, sizeof(path), "%s/a/jwks.pub.json", workdir);
	CHECK_STATUS(oidc_keyset_load_file(path, &ks, NULL), OIDC_OK, "jwks_file loads");
	issuer_init(&ic, 0, "good");
	ic.jwks_file = path;
	ic.keys = ks;
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(oidc_keysource_get(&a, T0, "x", NULL, &got, NULL), OIDC_OK,
		     "static jwks_file");
	CHECK(got == ks && ks->refs == 2 && a.fetches == 0, "static: a reference to ic->keys");
	oidc_keyset_unref(&got);
	oidc_keysource_clear(&a);
	ic.jwks_file = NULL;
	ic.hmac_secret_file = (char *)"/dev/null";
	oidc_keysource_init(&a, &ic);
	CHECK_STATUS(oidc_keysource_get(&a, T0, NULL, NULL, &got, NULL), OIDC_OK,
		     "static hmac-only");
	CHECK(got == ks, "hmac-only: configured keys");
	oidc_keyset_unref(&got);
	ic.keys = NULL;
	CHECK_STATUS(oidc_keysource_get(&a, T0, NULL, NULL, &got, NULL), OIDC_E_CONFIG,
		     "static without loaded keys");
	oidc_keysource_clear(&a);
	oidc_keyset_unref(&ks);
	CHECK(ks == NULL, "last unref frees");
}

/* Forked cold starts (sshd-like) sharing one cache dir; no torn reads. */
static void test_processes(void)
{
	struct oidc_issuer_cfg ic;
	pid_t pids[5];
	int go[2], ok = 0;
	char name[64];

	server_reset(0);
	issuer_init(&ic, 0, "good");
	if (pipe(go) != 0)
		return;
	oidc_cache_name(ic.issuer, "jwks", name);
	fflush(stdout);
	for (int p = 0; p < 5; p++) {
		pids[p] = fork();
		if (pids[p] != 0)
			continue;
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 0)
			_exit(3);
		if (p == 4) { /* a raw reader: every version it sees is whole */
			for (int i = 0; i < 3000; i++) {
				unsigned char *d = NULL;
				size_t len = 0;
				json_t *j = NULL;
				if (oidc_cache_read(ic.cache_dir, name, 1 << 22, &d,
						    &len, NULL) != OIDC_OK)
					_exit(4);
				if (d && tj_parse_object(d, len, &j, NULL) != OIDC_OK)
					_exit(5);
				json_decref(j);
				free(d);
			}
			_exit(0);
		}
		for (int i = 0; i < 20; i++) {
			struct oidc_keysource s;
			bool has = false;
			oidc_keysource_init(&s, &ic);
			/* Past expiry each round: processes keep rewriting. */
			if (get_has(&s, T0 + i * (TTL_MIN + 1), NULL, kid_a[0], &has) !=
				    OIDC_OK || !has)
				_exit(2);
			oidc_keysource_clear(&s);
		}
		_exit(0);
	}
	close(go[0]);
	close(go[1]); /* all start at once */
	for (int p = 0; p < 5; p++) {
		int status = 0;
		if (pids[p] > 0 && waitpid(pids[p], &status, 0) == pids[p] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
		else
			printf("# child %d: status %d\n", p, status);
	}
	CHECK(ok == 5, "4 processes cold-start at once: all valid, no torn read");
	CHECK(jwks_count(0, "good") >= 20 && jwks_count(0, "good") <= 80,
	      "processes: one fetch per process and round at most (%ld)",
	      jwks_count(0, "good"));
}

struct thread_arg {
	struct oidc_keysource *src;
	int bad;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;

	for (int i = 0; i < 300; i++) {
		struct oidc_keyset *ks = NULL;
		const struct oidc_key *k = NULL;
		const char *refetch = i % 7 == 0 ? "no-such-kid" : NULL;
		if (oidc_keysource_get(a->src, T0 + i, refetch, NULL, &ks, NULL) !=
			    OIDC_OK ||
		    oidc_keyset_find(ks, OIDC_ALG_RS256, kid_a[0], &k, NULL) != OIDC_OK ||
		    !k->pkey)
			a->bad++;
		oidc_keyset_unref(&ks);
	}
	return NULL;
}

static void test_threads(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_keysource src;
	pthread_t th[4];
	struct thread_arg args[4];

	server_reset(0);
	issuer_init(&ic, 0, "good");
	oidc_keysource_init(&src, &ic);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ .src = &src };
		pthread_create(&th[i], NULL, thread_main, &args[i]);
	}
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += args[i].bad;
	}
	CHECK(bad == 0, "4 threads x 300 gets on one source: all served");
	/* 300 s of pinned time, ttl 60 s, unknown kids every 7th call: a few
	 * refreshes in all, never one per thread or per call. */
	long n = jwks_count(0, "good");
	CHECK(n >= 1 && n <= 12, "threads: refreshes serialised (%ld JWKS requests)", n);
	CHECK(src.keys && src.keys->refs == 1, "threads: every reference returned");
	oidc_keysource_clear(&src);
}

struct meta_arg {
	struct oidc_keysource *src;
	const struct oidc_provider_meta *m;
	enum oidc_status st;
	int64_t us;
};

static void *meta_main(void *p)
{
	struct meta_arg *a = p;
	int64_t t = now_us();

	a->st = oidc_keysource_meta(a->src, T0, NULL, &a->m, NULL);
	a->us = now_us() - t;
	return NULL;
}

/* 8 threads want the metadata at once (introspection, userinfo, device
 * flow): one discovery request, whether it trickles or answers late. */
static void test_meta_threads(void)
{
	static const struct {
		const char *mode;
		enum oidc_status want;
	} cases[] = {
		{ "drip", OIDC_E_IDP_UNREACHABLE },
		{ "slow-300", OIDC_OK },
	};
	struct oidc_issuer_cfg ic;
	struct oidc_keysource src;
	struct meta_arg a[8];
	pthread_t th[8];

	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		const char *m = cases[c].mode;
		int64_t max = 0;
		int same = 0;

		server_reset(0);
		issuer_init(&ic, 0, m);
		ic.http_timeout = 1;
		oidc_keysource_init(&src, &ic);
		for (int i = 0; i < 8; i++) {
			a[i] = (struct meta_arg){ .src = &src };
			pthread_create(&th[i], NULL, meta_main, &a[i]);
		}
		for (int i = 0; i < 8; i++) {
			pthread_join(th[i], NULL);
			max = a[i].us > max ? a[i].us : max;
			same += a[i].st == cases[c].want && (a[i].st != OIDC_OK || a[i].m == a[0].m);
		}
		CHECK(same == 8, "meta, 8 threads, %s: all %s", m,
		      oidc_status_name(cases[c].want));
		CHECK(disc_count(0, m) == 1, "meta, 8 threads, %s: one discovery request (%ld)",
		      m, disc_count(0, m));
		CHECK(max < 1500000, "meta, 8 threads, %s: longest wait %lld ms (http_timeout 1 s)",
		      m, (long long)(max / 1000));
		oidc_keysource_clear(&src);
	}
}

int main(void)
{
	bool up;

	test_url_policy();
	up = setup();
	CHECK(up, "fixtures (CA, keys, faulty.py) ready");
	if (up) {
		test_envelope();
		test_cold_warm();
		test_max_age();
		test_rotation();
		test_kid_flood();
		test_refused();
		test_refused_refresh();
		test_provider_down();
		test_cache_dir_refused();
		test_meta_and_config();
		test_processes();
		test_threads();
		test_meta_threads();
		printf("# timing: cold fetch (discovery + JWKS) %.2f ms, "
		       "warm disk get in a fresh source %.1f us, "
		       "rate-limited unknown kid %.1f us\n",
		       cold_ms, warm_disk_us, flood_us);
	}
	cleanup();
	return test_done();
}
