/* SPDX-License-Identifier: MIT */
/*
 * test_http_redirect.c - credentials are never re-sent on a redirect, seen
 * from the two users of POST with secrets: RFC 7662 introspection and the
 * RFC 6749 token endpoint (client_credentials and refresh_token grants),
 * with client_auth = post and basic. The configured endpoints answer 307 or
 * 308 (tests/http/server.py /redirect) to /record on another port or on the
 * same origin; /record remembers every request, and must see none. Before
 * the fix libcurl re-POSTed the form (token, refresh token, client_secret)
 * on 307/308. Loopback only.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "internal.h"
#include "net.h"
#include "testutil.h"
#include "http_server.h"

#define CLIENT_SECRET "cs-7d41e0a2b65f"
#define OPAQUE_TOKEN "opaque-93b1f0c4d2a8e7"
#define REFRESH_TOKEN "rt-5e2c9a7b1d3f"

static char dir[] = "/tmp/oidc-test-redir-XXXXXX";

static bool write_file(const char *name, const char *text, mode_t mode, char *path,
		       size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0 && chmod(path, mode) == 0;
}

/* Every request the /record paths received (server.py /recorded). */
static size_t recorded_count(bool *secret_seen)
{
	struct oidc_http_opts o = { .ca_file = ca_file };
	struct oidc_http_response r = { 0 };
	size_t n = (size_t)-1;

	*secret_seen = true;
	if (oidc_http_get(&o, surl("/recorded"), NULL, &r, NULL) == OIDC_OK &&
	    r.status == 200) {
		json_t *j = json_loadb((const char *)r.body, r.body_len, 0, NULL);

		n = json_array_size(json_object_get(j, "recorded"));
		*secret_seen = strstr((const char *)r.body, CLIENT_SECRET) ||
			       strstr((const char *)r.body, OPAQUE_TOKEN) ||
			       strstr((const char *)r.body, REFRESH_TOKEN);
		json_decref(j);
	}
	oidc_http_response_clear(&r);
	return n;
}

/* A context whose endpoints answer code with a redirect to target. */
static struct oidc_ctx *ctx_for(long code, const char *target, const char *auth)
{
	char hmac[256], secret[256], cache[256], endpoint[1024];
	struct oidc_config *cfg = NULL;
	struct oidc_ctx *ctx = NULL;
	struct oidc_error err = { 0 };
	enum oidc_status st;

	snprintf(endpoint, sizeof(endpoint), "%s", surl("/redirect?code="));
	snprintf(endpoint + strlen(endpoint), sizeof(endpoint) - strlen(endpoint),
		 "%ld&to=%s", code, target);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	mkdir(cache, 0700);
	if (!write_file("hmac", "0123456789abcdef0123456789abcdef\n", 0600, hmac,
			sizeof(hmac)) ||
	    !write_file("secret", CLIENT_SECRET "\n", 0600, secret, sizeof(secret)))
		return NULL;
	st = oidc_config_new(&cfg, &err);
	static const char *const keys[] = {
		"issuer", "audience", "algorithms", "hmac_secret_file", "token_types",
		"introspection_endpoint", "token_endpoint", "client_id",
		"client_secret_file", "client_auth", "ca_file", "cache_dir",
	};
	const char *values[] = {
		"https://issuer.example", "api://redirect-test", "HS256", hmac, "opaque",
		endpoint, endpoint, "cid", secret, auth, ca_file, cache,
	};
	for (size_t i = 0; st == OIDC_OK && i < sizeof(keys) / sizeof(keys[0]); i++)
		st = oidc_config_set(cfg, NULL, keys[i], values[i], &err);
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	if (st == OIDC_OK) {
		st = oidc_ctx_new(&ctx, cfg, &err);
		cfg = NULL;
	}
	if (st != OIDC_OK)
		printf("# config: %s: %s\n", oidc_status_name(st), err.detail);
	oidc_config_free(&cfg);
	return ctx;
}

static void check_refused(const char *what, enum oidc_status st,
			  const struct oidc_error *err, long code)
{
	char want[32];

	snprintf(want, sizeof(want), "HTTP %ld redirect", code);
	CHECK(st == OIDC_E_IDP_HTTP_ERROR && strstr(err->detail, want),
	      "%s: refused as %s (%s)", what, oidc_status_name(st), err->detail);
}

static void test_endpoints(void)
{
	static const long codes[] = { 307, 308 };
	static const char *const auths[] = { "post", "basic" };
	char target[600], what[160];
	bool secret_seen = true;

	for (size_t t = 0; t < 2; t++) {
		for (size_t c = 0; c < 2; c++) {
			for (size_t a = 0; a < 2; a++) {
				struct oidc_result *res = NULL;
				struct oidc_tokens *tok = NULL;
				struct oidc_error err = { 0 };
				struct oidc_audit audit;
				struct oidc_ctx *ctx;
				enum oidc_status st;

				snprintf(target, sizeof(target), "%s", t == 0 ?
					 s2url("/record/other-port") :
					 surl("/record/same-origin"));
				ctx = ctx_for(codes[c], target, auths[a]);
				CHECK(ctx != NULL, "context for %ld, client_auth %s",
				      codes[c], auths[a]);
				if (!ctx)
					continue;
				snprintf(what, sizeof(what), "%s %ld, client_auth %s",
					 t == 0 ? "other port" : "same origin", codes[c],
					 auths[a]);
				st = oidc_validate(ctx, OPAQUE_TOKEN, strlen(OPAQUE_TOKEN), NULL,
						   &res, &audit, &err);
				oidc_result_free(&res);
				check_refused("introspection", st, &err, codes[c]);
				st = oidc_token_client_credentials(ctx, NULL, &tok, &err);
				oidc_tokens_free(&tok);
				check_refused("token endpoint, client_credentials", st, &err,
					      codes[c]);
				st = oidc_token_refresh(ctx, NULL, REFRESH_TOKEN, &tok, &err);
				oidc_tokens_free(&tok);
				check_refused("token endpoint, refresh_token", st, &err,
					      codes[c]);
				printf("# %s done\n", what);
				oidc_ctx_free(&ctx);
			}
		}
	}
	CHECK(recorded_count(&secret_seen) == 0 && !secret_seen,
	      "no request, token or client secret reached a redirect target");
}

int main(void)
{
	bool made = mkdtemp(dir) != NULL, up;

	CHECK(made, "temporary directory");
	up = made && start_server();
	CHECK(up, "test server started");
	if (up)
		test_endpoints();
	stop_server();
	if (made)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return test_done();
}
