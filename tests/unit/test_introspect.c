/* SPDX-License-Identifier: MIT */
/*
 * test_introspect.c - common/introspect.c (RFC 7662 introspection, Google's
 * tokeninfo, userinfo, the result cache), and the claims policy that judges
 * what the answers say (claims.c oidc_claims_check_answer, identity.c: the
 * same code as for a JWT's claims). Alone (make check runs every test
 * binary) it checks what needs no server. With the IT_* variables set by
 * tests/introspect/t_introspect.sh it talks to the real OpenID provider
 * (tests/idp/provider.mjs: opaque tokens, revocation, a device-flow user
 * token) and to a misbehaving endpoint (tests/introspect/stub.py), all on
 * loopback inside a private network namespace.
 */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"
#include "introspect.h"
#include "net.h"
#include "testutil.h"

static const char *issuer, *ca, *client_id, *secret, *stub;
static struct oidc_http_opts http;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *url(const char *base, const char *path)
{
	static char buf[8][512];
	static int i;
	char *b = buf[i++ % 8];

	snprintf(b, sizeof(buf[0]), "%s%s", base, path);
	return b;
}

static void strlist1(struct oidc_strlist *l, const char *s)
{
	CHECK(oidc_strlist_split(s, l) == OIDC_OK, "strlist %s", s);
}

/*
 * The issuer policy an answer is judged by (what validate_opaque.c does):
 * issuer, audience list, required scopes, accept_clients and username_claim
 * given as text (NULL: none), the default leeway.
 */
static void policy_init(struct oidc_issuer_cfg *ic, const char *aud, const char *scopes,
			const char *clients, const char *names)
{
	memset(ic, 0, sizeof(*ic));
	ic->issuer = (char *)issuer;
	ic->leeway = OIDC_LEEWAY_DEFAULT;
	strlist1(&ic->audience, aud ? aud : "");
	strlist1(&ic->required_scopes, scopes ? scopes : "");
	strlist1(&ic->accept_clients, clients ? clients : "");
	strlist1(&ic->username_claim, names ? names : "sub");
}

static void policy_clear(struct oidc_issuer_cfg *ic)
{
	oidc_strlist_clear(&ic->audience);
	oidc_strlist_clear(&ic->required_scopes);
	oidc_strlist_clear(&ic->accept_clients);
	oidc_strlist_clear(&ic->username_claim);
	memset(ic, 0, sizeof(*ic));
}

/* The claims policy over an answer of kind, then its user name. */
static enum oidc_status policy(const struct oidc_issuer_cfg *ic, enum oidc_claims_kind kind,
			       const struct oidc_jshared *answer, int64_t now, char **user_out)
{
	enum oidc_status st = oidc_claims_check_answer(ic, kind, &answer->own.doc, now, NULL);
	char *user = NULL;

	if (st == OIDC_OK)
		st = oidc_identity_map(ic, &answer->own.doc, &user, NULL);
	if (user_out)
		*user_out = user;
	else
		free(user);
	return st;
}

static bool member_is(const struct oidc_jshared *answer, const char *name, const char *want)
{
	const char *v = answer ? oidc_jdoc_str(&answer->own.doc, name) : NULL;

	return v && strcmp(v, want) == 0;
}

/* How many requests stub.py saw for path (its /__count). */
static long stub_count(const char *path)
{
	struct oidc_http_response resp = { 0 };
	char u[512], *esc = oidc_http_form_escape(path), *end = NULL;
	long n = -1;

	snprintf(u, sizeof(u), "%s/__count?path=%s", stub, esc ? esc : "");
	free(esc);
	if (oidc_http_get(&http, u, NULL, &resp, NULL) == OIDC_OK && resp.status == 200)
		n = strtol((const char *)resp.body, &end, 10);
	oidc_http_response_clear(&resp);
	return n;
}

/* ---- without a server ---------------------------------------------------- */

static void test_offline(void)
{
	struct oidc_introspect_req req = { 0 };
	struct oidc_userinfo_req ureq = { 0 };
	struct oidc_tokeninfo_req treq = { 0 };
	struct oidc_introspect_result res = { 0 };
	struct oidc_userinfo_result ures = { 0 };
	struct oidc_http_opts opts = { 0 };
	struct oidc_introspect_cache *c = oidc_introspect_cache_new(4, 60, 5);
	struct oidc_error err = { 0 };
	char big[OIDC_TOKEN_MAX_LIMIT + 2];

	CHECK(c != NULL, "cache_new");
	CHECK_STATUS(oidc_introspect(&req, "abc", 3, 0, &res, &err), OIDC_E_CONFIG,
		     "introspect without endpoint/client is a config error");
	req.endpoint = "https://127.0.0.1:1/introspect";
	req.client_id = "c";
	req.client_secret = "s";
	req.http = &opts;
	req.cache = c;
	CHECK_STATUS(oidc_introspect(&req, "", 0, 0, &res, &err), OIDC_E_MALFORMED,
		     "empty token");
	CHECK_STATUS(oidc_introspect(&req, "a b", 3, 0, &res, &err), OIDC_E_MALFORMED,
		     "token with a space (would split a form/header)");
	CHECK_STATUS(oidc_introspect(&req, "a\r\nX: y", 8, 0, &res, &err),
		     OIDC_E_MALFORMED, "token with CRLF");
	memset(big, 'a', sizeof(big));
	CHECK_STATUS(oidc_introspect(&req, big, sizeof(big), 0, &res, &err),
		     OIDC_E_TOO_LARGE, "token over OIDC_TOKEN_MAX_LIMIT");
	CHECK(oidc_introspect_cache_misses(c) == 0, "no request for refused input");
	CHECK_STATUS(oidc_tokeninfo(&treq, "abc", 3, 0, &res, &err), OIDC_E_CONFIG,
		     "tokeninfo without endpoint");
	treq.endpoint = "https://127.0.0.1:1/tokeninfo";
	treq.http = &opts;
	CHECK_STATUS(oidc_tokeninfo(&treq, "a\nb", 3, 0, &res, &err), OIDC_E_MALFORMED,
		     "tokeninfo: token with a newline never sent");
	CHECK_STATUS(oidc_userinfo(&ureq, "abc", 3, 0, &ures, &err), OIDC_E_CONFIG,
		     "userinfo without endpoint");
	ureq.endpoint = "https://127.0.0.1:1/me";
	ureq.http = &opts;
	ureq.token_exp = 100;
	CHECK_STATUS(oidc_userinfo(&ureq, "abc", 3, 100, &ures, &err), OIDC_E_EXPIRED,
		     "userinfo refuses a token past its known exp without asking");
	CHECK(res.claims == NULL && ures.claims == NULL, "no result on failure");
	oidc_introspect_cache_free(&c);
	CHECK(c == NULL, "cache_free sets NULL");
	oidc_introspect_cache_free(&c);
}

/* ---- the real provider --------------------------------------------------- */

static void base_req(struct oidc_introspect_req *req, const char *endpoint,
		     struct oidc_introspect_cache *c)
{
	memset(req, 0, sizeof(*req));
	req->endpoint = endpoint;
	req->client_id = client_id;
	req->client_secret = secret;
	req->auth = OIDC_CLIENT_AUTH_BASIC;
	req->http = &http;
	req->cache = c;
}

static enum oidc_status revoke(const char *tok)
{
	struct oidc_http_response resp = { 0 };
	char *esc = oidc_http_form_escape(tok), body[4096];
	enum oidc_status st;

	snprintf(body, sizeof(body), "token=%s", esc ? esc : "");
	free(esc);
	st = oidc_http_post_form(&http, url(issuer, "/token/revocation"), body, client_id,
				 secret, &resp, NULL);
	if (st == OIDC_OK && resp.status != 200)
		st = OIDC_E_INTERNAL;
	oidc_http_response_clear(&resp);
	return st;
}

static void test_provider(void)
{
	const char *opaque = getenv("IT_OPAQUE"), *opaque2 = getenv("IT_OPAQUE_REVOKE");
	const char *endpoint = url(issuer, "/token/introspection");
	struct oidc_introspect_cache *c = oidc_introspect_cache_new(64, 30, 5);
	struct oidc_introspect_req req;
	struct oidc_introspect_result res = { 0 };
	struct oidc_issuer_cfg ic;
	struct oidc_error err = { 0 };
	int64_t now = time(NULL);
	unsigned long m;
	char *dump, *user = NULL;

	policy_init(&ic, "api://opaque", "mail.read", NULL, "sub preferred_username");
	base_req(&req, endpoint, c);

	CHECK_STATUS(oidc_introspect(&req, opaque, strlen(opaque), now, &res, &err), OIDC_OK,
		     "provider: opaque token active (basic auth)");
	dump = NULL;
	if (res.claims) {
		struct oidc_jwriter w;

		oidc_jw_init(&w, 0, false);
		oidc_jw_node(&w, &res.claims->own.doc, oidc_jdoc_root(&res.claims->own.doc),
			     true);
		dump = oidc_jw_finish(&w, NULL);
	}
	printf("# answer %s (%s)\n", dump ? dump : "-", err.detail);
	free(dump);
	/* client_credentials: no sub, preferred_username = IDP_CC_USERNAME */
	CHECK_STATUS(res.claims ? policy(&ic, OIDC_CLAIMS_INTROSPECTION, res.claims, now, &user)
		     : OIDC_E_INTERNAL, OIDC_OK,
		     "provider: the answer passes the claims policy (iss, aud, scope)");
	CHECK(user && strcmp(user, "svc-mail") == 0,
	      "provider: username from the first present claim (svc-mail)");
	free(user);
	CHECK(member_is(res.claims, "client_id", client_id), "provider: client_id in the answer");
	CHECK(res.exp > now && !res.from_cache, "provider: exp in the future, fresh answer");
	oidc_introspect_result_clear(&res);
	m = oidc_introspect_cache_misses(c);
	CHECK_STATUS(oidc_introspect(&req, opaque, strlen(opaque), now + 1, &res, &err),
		     OIDC_OK, "provider: second call OK");
	CHECK(res.from_cache && oidc_introspect_cache_misses(c) == m,
	      "provider: second call served by the cache, no request");
	oidc_introspect_result_clear(&res);

	/* client_secret_post, no cache */
	base_req(&req, endpoint, NULL);
	req.auth = OIDC_CLIENT_AUTH_POST;
	CHECK_STATUS(oidc_introspect(&req, opaque, strlen(opaque), now, &res, &err), OIDC_OK,
		     "provider: client_secret_post works too");
	oidc_introspect_result_clear(&res);
	req.client_secret = "wrong-secret";
	CHECK_STATUS(oidc_introspect(&req, opaque, strlen(opaque), now, &res, &err),
		     OIDC_E_CONFIG, "provider: wrong secret (post) is a config error");
	req.auth = OIDC_CLIENT_AUTH_BASIC;
	CHECK_STATUS(oidc_introspect(&req, opaque, strlen(opaque), now, &res, &err),
		     OIDC_E_CONFIG, "provider: wrong secret (basic) is a config error");
	base_req(&req, endpoint, NULL);
	CHECK_STATUS(oidc_introspect(&req, "not-a-token-we-issued", 21, now, &res, &err),
		     OIDC_E_TOKEN_INACTIVE, "provider: unknown token is inactive");
	CHECK(res.reason && strcmp(res.reason, "token_inactive") == 0,
	      "provider: reason token_inactive");

	/* revocation: the positive answer lives until its TTL (30 s), then the
	 * provider is asked again and says inactive; that is cached 5 s. */
	base_req(&req, endpoint, c);
	CHECK_STATUS(oidc_introspect(&req, opaque2, strlen(opaque2), now, &res, &err),
		     OIDC_OK, "revoke: active before revocation");
	oidc_introspect_result_clear(&res);
	CHECK_STATUS(revoke(opaque2), OIDC_OK, "revoke: provider revoked the token");
	m = oidc_introspect_cache_misses(c);
	CHECK_STATUS(oidc_introspect(&req, opaque2, strlen(opaque2), now + 29, &res, &err),
		     OIDC_OK, "revoke: cached positive answer served within its TTL");
	CHECK(res.from_cache && oidc_introspect_cache_misses(c) == m,
	      "revoke: ... without a request");
	oidc_introspect_result_clear(&res);
	CHECK_STATUS(oidc_introspect(&req, opaque2, strlen(opaque2), now + 30, &res, &err),
		     OIDC_E_TOKEN_INACTIVE, "revoke: after the TTL the revoked state is seen");
	CHECK(oidc_introspect_cache_misses(c) == m + 1 && res.reason &&
	      strcmp(res.reason, "token_inactive") == 0, "revoke: one new request, inactive");
	CHECK_STATUS(oidc_introspect(&req, opaque2, strlen(opaque2), now + 34, &res, &err),
		     OIDC_E_TOKEN_INACTIVE, "revoke: inactive answer cached (negative TTL)");
	CHECK(oidc_introspect_cache_misses(c) == m + 1, "revoke: ... without a request");
	CHECK_STATUS(oidc_introspect(&req, opaque2, strlen(opaque2), now + 35, &res, &err),
		     OIDC_E_TOKEN_INACTIVE, "revoke: negative entry expires, asks again");
	CHECK(oidc_introspect_cache_misses(c) == m + 2, "revoke: ... with one request");

	policy_clear(&ic);
	oidc_introspect_cache_free(&c);
}

static void test_userinfo_provider(void)
{
	const char *tok = getenv("IT_USER_TOKEN");
	struct oidc_introspect_cache *c = oidc_introspect_cache_new(16, 60, 5);
	struct oidc_userinfo_req req = { 0 };
	struct oidc_userinfo_result res = { 0 };
	struct oidc_error err = { 0 };
	int64_t now = time(NULL);

	req.endpoint = url(issuer, "/me");
	req.http = &http;
	req.cache = c;
	CHECK_STATUS(oidc_userinfo(&req, tok, strlen(tok), now, &res, &err), OIDC_OK,
		     "userinfo: device-flow token of alice");
	CHECK(res.sub && strcmp(res.sub, "alice") == 0, "userinfo: sub alice");
	CHECK(member_is(res.claims, "preferred_username", "alice"),
	      "userinfo: preferred_username alice");
	CHECK(!res.from_cache && oidc_introspect_cache_misses(c) == 1, "userinfo: fresh");
	oidc_userinfo_result_clear(&res);
	CHECK_STATUS(oidc_userinfo(&req, tok, strlen(tok), now + 59, &res, &err), OIDC_OK,
		     "userinfo: second call OK");
	CHECK(res.from_cache && oidc_introspect_cache_misses(c) == 1,
	      "userinfo: second call from the cache");
	oidc_userinfo_result_clear(&res);
	req.token_exp = now + 10;
	req.cache = NULL;
	req.expected_sub = "bob";
	CHECK_STATUS(oidc_userinfo(&req, tok, strlen(tok), now, &res, &err),
		     OIDC_E_USER_MISMATCH, "userinfo: sub differs from the JWT's sub");
	req.expected_sub = NULL;
	CHECK_STATUS(oidc_userinfo(&req, "bogus-token", 11, now, &res, &err), OIDC_E_TOKEN_INACTIVE,
		     "userinfo: provider refuses a bogus token (401 -> inactive)");
	oidc_introspect_cache_free(&c);
}

/* ---- the misbehaving endpoint ------------------------------------------- */

struct hammer {
	struct oidc_introspect_req *req;
	int64_t now;
	int ok;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	struct oidc_introspect_result res = { 0 };
	int i;

	for (i = 0; i < 2000; i++) {
		if (oidc_introspect(h->req, "tok-threads", 11, h->now, &res, NULL) == OIDC_OK)
			h->ok++;
		oidc_introspect_result_clear(&res);
	}
	return NULL;
}

static void test_stub(void)
{
	static const struct {
		const char *path;
		enum oidc_status want;
	} cases[] = {
		{ "/good", OIDC_OK },
		{ "/active-string", OIDC_E_TOKEN_INACTIVE },
		{ "/active-one", OIDC_E_TOKEN_INACTIVE },
		{ "/inactive", OIDC_E_TOKEN_INACTIVE },
		{ "/expired", OIDC_E_EXPIRED },
		{ "/wrong-iss", OIDC_E_WRONG_ISSUER },
		{ "/wrong-aud", OIDC_E_WRONG_AUDIENCE },
		{ "/no-scope", OIDC_E_INSUFFICIENT_SCOPE },
		{ "/bearer-ctl", OIDC_E_BAD_USERNAME },
		{ "/no-aud", OIDC_E_NO_AUDIENCE },
		{ "/dpop", OIDC_E_WRONG_TYP },
		{ "/bound", OIDC_E_TOKEN_BOUND },
		{ "/500", OIDC_E_IDP_UNREACHABLE },
		{ "/401", OIDC_E_CONFIG },
		{ "/nowhere", OIDC_E_CONFIG },
		{ "/big", OIDC_E_IDP_BAD_DOCUMENT },
		{ "/html", OIDC_E_IDP_BAD_DOCUMENT },
	};
	struct oidc_introspect_cache *c = oidc_introspect_cache_new(8, 10000, 5);
	struct oidc_introspect_req req;
	struct oidc_introspect_result res = { 0 };
	struct oidc_userinfo_req ureq = { 0 };
	struct oidc_userinfo_result ures = { 0 };
	struct oidc_issuer_cfg ic;
	struct oidc_error err = { 0 };
	struct hammer h[4];
	pthread_t th[4];
	int64_t now = time(NULL), t0;
	long n;
	size_t i;

	/* introspect.c judges that it is an answer ("active": true); what the
	 * answer says is the claims policy's, as for a JWT */
	policy_init(&ic, "api://opaque api://other-allowed", "mail.read", NULL, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum oidc_status st;

		base_req(&req, url(stub, cases[i].path), NULL);
		st = oidc_introspect(&req, "tok", 3, now, &res, &err);
		CHECK((res.claims != NULL) == (st == OIDC_OK) && res.reason,
		      "stub %s: an answer only on success, reason %s", cases[i].path,
		      res.reason ? res.reason : "(null)");
		if (st == OIDC_OK)
			st = policy(&ic, OIDC_CLAIMS_INTROSPECTION, res.claims, now, NULL);
		CHECK_STATUS(st, cases[i].want, "stub %s", cases[i].path);
		oidc_introspect_result_clear(&res);
	}

	/* no aud: only accept_clients binds, by the answer's client_id */
	base_req(&req, url(stub, "/no-aud"), NULL);
	CHECK_STATUS(oidc_introspect(&req, "tok", 3, now, &res, &err), OIDC_OK,
		     "stub /no-aud: an answer");
	if (res.claims) {
		struct oidc_issuer_cfg bound;

		policy_init(&bound, "api://opaque", NULL, "oidc-auth-test", NULL);
		CHECK_STATUS(policy(&bound, OIDC_CLAIMS_INTROSPECTION, res.claims, now, NULL),
			     OIDC_OK, "no aud, client_id in accept_clients: accepted");
		policy_clear(&bound);
		policy_init(&bound, "api://opaque", NULL, "webapp other", NULL);
		CHECK_STATUS(policy(&bound, OIDC_CLAIMS_INTROSPECTION, res.claims, now, NULL),
			     OIDC_E_CLIENT_NOT_ACCEPTED,
			     "no aud, client_id not in accept_clients: client_not_accepted");
		policy_clear(&bound);
	}
	oidc_introspect_result_clear(&res);
	/* aud naming another service: accept_clients never overrides it */
	base_req(&req, url(stub, "/wrong-aud"), NULL);
	if (oidc_introspect(&req, "tok", 3, now, &res, &err) == OIDC_OK) {
		struct oidc_issuer_cfg bound;

		policy_init(&bound, "api://opaque", NULL, "oidc-auth-test", NULL);
		CHECK_STATUS(policy(&bound, OIDC_CLAIMS_INTROSPECTION, res.claims, now, NULL),
			     OIDC_E_WRONG_AUDIENCE, "aud of another service, client listed: "
			     "still wrong_audience (RFC 7519 4.1.3)");
		policy_clear(&bound);
	} else {
		CHECK(0, "stub /wrong-aud: an answer");
	}
	oidc_introspect_result_clear(&res);
	/* exp is optional in an answer (RFC 7662 2.2), required in tokeninfo's */
	base_req(&req, url(stub, "/no-exp"), NULL);
	CHECK_STATUS(oidc_introspect(&req, "tok", 3, now, &res, &err), OIDC_OK,
		     "stub /no-exp: an answer");
	CHECK(res.claims && res.exp == 0 &&
	      policy(&ic, OIDC_CLAIMS_INTROSPECTION, res.claims, now, NULL) == OIDC_OK,
	      "introspection answer without exp: accepted, as before (RFC 7662 2.2)");
	oidc_introspect_result_clear(&res);

	/* the token and the client travel form-escaped (RFC 6749 2.3.1, B.) */
	{
		static const char tricky[] = "a+b&token=x%20y=";
		static const char client[] = "cli ent&x=+";
		int basic;

		for (basic = 0; basic < 2; basic++) {
			base_req(&req, url(stub, "/echo"), NULL);
			req.client_id = client;
			req.auth = basic ? OIDC_CLIENT_AUTH_BASIC : OIDC_CLIENT_AUTH_POST;
			CHECK_STATUS(oidc_introspect(&req, tricky, strlen(tricky), now, &res,
						     &err), OIDC_OK, "echo (%s)",
				     basic ? "basic" : "post");
			CHECK(member_is(res.claims, "sub", tricky),
			      "echo (%s): the endpoint saw the token exactly",
			      basic ? "basic" : "post");
			CHECK(member_is(res.claims, "client_id", client),
			      "echo (%s): the endpoint saw the client id exactly",
			      basic ? "basic" : "post");
			CHECK(res.claims && oidc_jdoc_str(&res.claims->own.doc, "hint") &&
			      strcmp(oidc_jdoc_str(&res.claims->own.doc, "hint"),
				     "access_token") == 0,
			      "echo: token_type_hint=access_token");
			oidc_introspect_result_clear(&res);
		}
	}

	/* slow body: bounded by the total timeout */
	{
		struct oidc_http_opts slow = http;

		slow.total_timeout_ms = 1500;
		base_req(&req, url(stub, "/slow"), NULL);
		req.http = &slow;
		t0 = mono_ms();
		CHECK_STATUS(oidc_introspect(&req, "tok", 3, now, &res, &err),
			     OIDC_E_IDP_UNREACHABLE, "stub /slow: refused");
		t0 = mono_ms() - t0;
		printf("# slow body gave up after %lld ms\n", (long long)t0);
		CHECK(t0 < 4000, "stub /slow: within bounded time");
	}

	/* caching rules */
	base_req(&req, url(stub, "/500"), c);
	n = stub_count("/500");
	oidc_introspect(&req, "tok-500", 7, now, &res, &err);
	CHECK_STATUS(oidc_introspect(&req, "tok-500", 7, now, &res, &err),
		     OIDC_E_IDP_UNREACHABLE, "cache: 500 again");
	CHECK(stub_count("/500") == n + 2, "cache: a 500 is never cached (asked twice)");
	base_req(&req, url(stub, "/active-string"), c);
	n = stub_count("/active-string");
	oidc_introspect(&req, "tok-s", 5, now, &res, &err);
	oidc_introspect(&req, "tok-s", 5, now, &res, &err);
	CHECK(stub_count("/active-string") == n + 2, "cache: non-literal active not cached");
	base_req(&req, url(stub, "/inactive"), c);
	n = stub_count("/inactive");
	oidc_introspect(&req, "tok-i", 5, now, &res, &err);
	CHECK_STATUS(oidc_introspect(&req, "tok-i", 5, now + 4, &res, &err), OIDC_E_TOKEN_INACTIVE,
		     "cache: inactive served from the negative cache");
	CHECK(stub_count("/inactive") == n + 1, "cache: inactive asked once within 5 s");
	oidc_introspect(&req, "tok-i", 5, now + 5, &res, &err);
	CHECK(stub_count("/inactive") == n + 2, "cache: negative entry gone after 5 s");

	/* positive entry (TTL 10000 s) never outlives exp (now + 600) */
	base_req(&req, url(stub, "/good"), c);
	n = stub_count("/good");
	CHECK_STATUS(oidc_introspect(&req, "tok-g", 5, now, &res, &err), OIDC_OK,
		     "cache: good answer");
	oidc_introspect_result_clear(&res);
	CHECK_STATUS(oidc_introspect(&req, "tok-g", 5, now + 500, &res, &err), OIDC_OK,
		     "cache: good answer at now+500");
	CHECK(res.from_cache && stub_count("/good") == n + 1, "cache: ... from the cache");
	oidc_introspect_result_clear(&res);
	CHECK(oidc_introspect(&req, "tok-g", 5, now + 700, &res, &err) == OIDC_OK &&
	      policy(&ic, OIDC_CLAIMS_INTROSPECTION, res.claims, now + 700, NULL) ==
	      OIDC_E_EXPIRED, "cache: past exp the token is expired");
	CHECK(stub_count("/good") == n + 2, "cache: entry did not outlive exp (asked again)");
	oidc_introspect_result_clear(&res);
	/* another token never hits this token's entry */
	CHECK_STATUS(oidc_introspect(&req, "tok-h", 5, now, &res, &err), OIDC_OK,
		     "cache: other token");
	CHECK(!res.from_cache, "cache: other token not served from tok-g's entry");
	oidc_introspect_result_clear(&res);

	/* threads: one request, then hits only */
	n = stub_count("/good");
	for (i = 0; i < 4; i++) {
		h[i].req = &req;
		h[i].now = now;
		h[i].ok = 0;
		pthread_create(&th[i], NULL, hammer_run, &h[i]);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(h[0].ok + h[1].ok + h[2].ok + h[3].ok == 8000, "threads: 8000 calls OK");
	printf("# threads: %ld request(s) for 8000 calls\n", stub_count("/good") - n);
	CHECK(stub_count("/good") - n <= 4, "threads: at most one request per thread");
	t0 = mono_ms();
	for (i = 0; i < 100000; i++) {
		oidc_introspect(&req, "tok-threads", 11, now, &res, NULL);
		oidc_introspect_result_clear(&res);
	}
	t0 = mono_ms() - t0;
	printf("# cached introspection: %lld ns per call\n", (long long)t0 * 10);

	/* userinfo against the stub */
	ureq.http = &http;
	ureq.endpoint = url(stub, "/no-sub");
	CHECK_STATUS(oidc_userinfo(&ureq, "tok", 3, now, &ures, &err), OIDC_E_MISSING_CLAIM,
		     "userinfo stub: no sub");
	ureq.endpoint = url(stub, "/500");
	CHECK_STATUS(oidc_userinfo(&ureq, "tok", 3, now, &ures, &err),
		     OIDC_E_IDP_UNREACHABLE, "userinfo stub: 500");
	ureq.endpoint = url(stub, "/401");
	CHECK_STATUS(oidc_userinfo(&ureq, "tok", 3, now, &ures, &err), OIDC_E_TOKEN_INACTIVE,
		     "userinfo stub: 401 is an inactive token");
	ureq.endpoint = url(stub, "/nowhere");
	CHECK_STATUS(oidc_userinfo(&ureq, "tok", 3, now, &ures, &err), OIDC_E_CONFIG,
		     "userinfo stub: 404 is a configuration error");
	ureq.endpoint = url(stub, "/big");
	CHECK_STATUS(oidc_userinfo(&ureq, "tok", 3, now, &ures, &err),
		     OIDC_E_IDP_BAD_DOCUMENT, "userinfo stub: 10 MB body");

	policy_clear(&ic);
	oidc_introspect_cache_free(&c);
}

/* Google's tokeninfo, as the stub plays it (tests/introspect/stub.py). */
static void test_tokeninfo_stub(void)
{
	struct oidc_introspect_cache *c = oidc_introspect_cache_new(8, 10000, 5);
	struct oidc_tokeninfo_req req = { 0 };
	struct oidc_introspect_result res = { 0 };
	struct oidc_issuer_cfg ic;
	struct oidc_error err = { 0 };
	int64_t now = time(NULL);
	long n;

	policy_init(&ic, "oidc-auth-test", "mail.read", NULL, "email");
	req.http = &http;
	req.cache = c;
	req.endpoint = url(stub, "/tokeninfo-good");
	n = stub_count("/tokeninfo-good");
	CHECK_STATUS(oidc_tokeninfo(&req, "ya29.tok", 8, now, &res, &err), OIDC_OK,
		     "tokeninfo: answer");
	CHECK(res.exp > now + 500 && res.exp <= now + 700,
	      "tokeninfo: exp read from Google's decimal string");
	CHECK_STATUS(res.claims ? policy(&ic, OIDC_CLAIMS_TOKENINFO, res.claims, now, NULL)
		     : OIDC_E_INTERNAL, OIDC_E_EMAIL_UNVERIFIED,
		     "tokeninfo: its email_verified \"true\" (a string) never names a user");
	CHECK_STATUS(res.claims ? oidc_claims_check_answer(&ic, OIDC_CLAIMS_TOKENINFO,
							   &res.claims->own.doc, now, &err)
		     : OIDC_E_INTERNAL, OIDC_OK, "tokeninfo: aud = our client, scope: bound");
	CHECK_STATUS(res.claims ? oidc_claims_check_answer(&ic, OIDC_CLAIMS_TOKENINFO,
							   &res.claims->own.doc, now + 700,
							   &err)
		     : OIDC_E_INTERNAL, OIDC_E_EXPIRED, "tokeninfo: after its exp, expired");
	CHECK_STATUS(res.claims ? oidc_claims_check_answer(&ic, OIDC_CLAIMS_INTROSPECTION,
							   &res.claims->own.doc, now, &err)
		     : OIDC_E_INTERNAL, OIDC_E_BAD_CLAIM,
		     "a string exp is only a date in a tokeninfo answer");
	oidc_introspect_result_clear(&res);
	CHECK(oidc_tokeninfo(&req, "ya29.tok", 8, now + 1, &res, &err) == OIDC_OK &&
	      res.from_cache && stub_count("/tokeninfo-good") == n + 1,
	      "tokeninfo: second use from the cache");
	oidc_introspect_result_clear(&res);

	req.endpoint = url(stub, "/tokeninfo-other");
	CHECK(oidc_tokeninfo(&req, "ya29.tok", 8, now, &res, &err) == OIDC_OK &&
	      policy(&ic, OIDC_CLAIMS_TOKENINFO, res.claims, now, NULL) == OIDC_E_WRONG_AUDIENCE,
	      "tokeninfo: a token issued to another client (aud webapp): wrong_audience");
	oidc_introspect_result_clear(&res);
	req.endpoint = url(stub, "/tokeninfo-400");
	CHECK_STATUS(oidc_tokeninfo(&req, "ya29.tok", 8, now, &res, &err),
		     OIDC_E_TOKEN_INACTIVE, "tokeninfo: HTTP 400 invalid_token: inactive");
	req.endpoint = url(stub, "/500");
	CHECK_STATUS(oidc_tokeninfo(&req, "ya29.tok", 8, now, &res, &err),
		     OIDC_E_IDP_UNREACHABLE, "tokeninfo: HTTP 500: unreachable");
	/* the token goes in the POST body, never in the URL or a header */
	req.endpoint = url(stub, "/tokeninfo-echo");
	req.cache = NULL;
	CHECK_STATUS(oidc_tokeninfo(&req, "ya29.a+b&c", 10, now, &res, &err), OIDC_OK,
		     "tokeninfo echo");
	CHECK(member_is(res.claims, "sub", "ya29.a+b&c"),
	      "tokeninfo: the endpoint saw the token exactly, as access_token in the body");
	CHECK(member_is(res.claims, "query", "") && member_is(res.claims, "auth", ""),
	      "tokeninfo: nothing in the URL's query, no Authorization header");
	oidc_introspect_result_clear(&res);
	policy_clear(&ic);
	oidc_introspect_cache_free(&c);
}

int main(void)
{
	test_offline();
	issuer = getenv("IT_ISSUER");
	ca = getenv("IT_CA");
	client_id = getenv("IT_CLIENT_ID");
	secret = getenv("IT_SECRET");
	stub = getenv("IT_STUB");
	if (!issuer || !ca || !client_id || !secret || !stub || !getenv("IT_OPAQUE") ||
	    !getenv("IT_OPAQUE_REVOKE") || !getenv("IT_USER_TOKEN")) {
		printf("# provider checks run from tests/introspect/t_introspect.sh\n");
		return test_done();
	}
	http.ca_file = ca;
	test_provider();
	test_userinfo_provider();
	test_stub();
	test_tokeninfo_stub();
	return test_done();
}
