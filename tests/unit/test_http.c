/* SPDX-License-Identifier: MIT */
/*
 * test_http.c - common/http.c against a loopback HTTPS server
 * (tests/http/server.py, Python standard library) with a throw-away CA made
 * at run time by the openssl CLI. Loopback only; no other network.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "net.h"
#include "testutil.h"
#include "http_server.h"

#define TEN_MB (10 * 1024 * 1024)

/* ---- helpers ------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct oidc_http_opts test_opts(void)
{
	struct oidc_http_opts o = { 0 };

	o.ca_file = ca_file;
	return o;
}

/* GET, returning the status and filling resp (cleared first). */
static enum oidc_status get(const struct oidc_http_opts *o, const char *url,
			    const char *bearer, struct oidc_http_response *resp)
{
	struct oidc_error err = { 0 };

	oidc_http_response_clear(resp);
	return oidc_http_get(o, url, bearer, resp, &err);
}

static json_t *body_json(const struct oidc_http_response *r)
{
	if (!r->body)
		return NULL;
	return json_loadb((const char *)r->body, r->body_len, 0, NULL);
}

/* The JSON string at obj.a.b (b may be NULL), or "". */
static const char *jstr(json_t *obj, const char *a, const char *b)
{
	json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	return json_is_string(v) ? json_string_value(v) : "";
}

static bool seen_contains(const char *needle)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	bool found = true; /* a failing /seen must not look like "absent" */

	if (get(&o, surl("/seen"), NULL, &r) == OIDC_OK && r.status == 200) {
		found = r.body && strstr((const char *)r.body, needle);
	}
	oidc_http_response_clear(&r);
	return found;
}

/* Number of requests the server has seen (this one included), or -1. */
static long seen_count(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	long n = -1;
	json_t *j;

	if (get(&o, surl("/seen"), NULL, &r) == OIDC_OK && r.status == 200) {
		j = body_json(&r);
		if (j)
			n = (long)json_array_size(json_object_get(j, "seen"));
		json_decref(j);
	}
	oidc_http_response_clear(&r);
	return n;
}

/* ---- tests -------------------------------------------------------------- */

static void test_form_escape(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "AZaz09-._~", "AZaz09-._~" },
		{ " ", "%20" },
		{ "+", "%2B" },
		{ "a b&c=d", "a%20b%26c%3Dd" },
		{ "/?#[]@", "%2F%3F%23%5B%5D%40" },
		{ "!$'()*,;:%", "%21%24%27%28%29%2A%2C%3B%3A%25" },
		{ "\xc3\xa9\x7f\x01", "%C3%A9%7F%01" },
		{ "\r\n", "%0D%0A" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = oidc_http_form_escape(cases[i].in);
		CHECK(got && strcmp(got, cases[i].want) == 0,
		      "form_escape case %zu", i);
		free(got);
	}
	CHECK(oidc_http_form_escape(NULL) == NULL, "form_escape NULL");
}

static void test_get_json(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	json_t *j;

	CHECK_STATUS(get(&o, surl("/json"), NULL, &r), OIDC_OK, "GET /json");
	CHECK(r.status == 200, "GET /json status 200");
	j = body_json(&r);
	CHECK(j && strcmp(jstr(j, "hello", NULL), "world") == 0,
	      "GET /json body");
	json_decref(j);
	CHECK(r.body && r.body[r.body_len] == '\0', "body NUL-terminated");
	CHECK(strcmp(r.content_type, "application/json") == 0,
	      "content type lower case without parameters");
	CHECK(r.max_age == 300, "max-age 300");

	CHECK_STATUS(get(&o, surl("/status/404"), NULL, &r), OIDC_OK,
		     "404 is a transport success");
	CHECK(r.status == 404, "404 status reported");

	CHECK_STATUS(get(NULL, surl("/json"), NULL, &r),
		     OIDC_E_TLS_UNTRUSTED, "NULL opts: system CA store refuses");
	oidc_http_response_clear(&r);
}

static void test_cache_control(void)
{
	static const struct {
		const char *query;
		int64_t want;
	} cases[] = {
		{ "/cc?v=no-store,%20max-age%3D100", 0 },
		{ "/cc?v=max-age%3D100&v=no-cache", 0 },
		{ "/cc?v=max-age%3Dabc", 0 },
		{ "/cc?v=max-age%3D", 0 },
		{ "/cc?v=s-maxage%3D50", -1 },
		{ "/cc?v=public,%20s-maxage%3D50,%20MAX-AGE%3D60", 60 },
		{ "/cc?v=max-age%3D%2270%22", 70 },
		{ "/cc?v=max-age%3D80&v=private", 80 },
		{ "/cc?v=max-age%3D90,%20max-age%3D5", 90 },
		{ "/cc?v=max-age%3D99999999999999999999", 2147483648LL },
		{ "/cc?v=private,%20no-transform", -1 },
		{ "/nocc", -1 },
	};
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum oidc_status st = get(&o, surl(cases[i].query), NULL, &r);
		CHECK(st == OIDC_OK && r.max_age == cases[i].want,
		      "cache-control case %zu (%s): max_age %lld", i,
		      cases[i].query, (long long)r.max_age);
	}
	/* Headers of the redirect response must not leak into the result. */
	char q[600];
	snprintf(q, sizeof(q), "/redirect?to=%s", surl("/nocc"));
	CHECK(get(&o, surl(q), NULL, &r) == OIDC_OK && r.max_age == -1 &&
		      r.status == 200 &&
		      strcmp(r.content_type, "application/json") == 0,
	      "cache-control and content type of the last response only");
	oidc_http_response_clear(&r);
}

static void test_body_caps(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char path[64];
	int64_t t0;

	snprintf(path, sizeof(path), "/size/%d", OIDC_HTTP_BODY_MAX);
	CHECK(get(&o, surl(path), NULL, &r) == OIDC_OK &&
		      r.body_len == OIDC_HTTP_BODY_MAX,
	      "body of exactly OIDC_HTTP_BODY_MAX accepted");
	snprintf(path, sizeof(path), "/size/%d", OIDC_HTTP_BODY_MAX + 1);
	CHECK_STATUS(get(&o, surl(path), NULL, &r), OIDC_E_IDP_BAD_DOCUMENT,
		     "body of OIDC_HTTP_BODY_MAX + 1 refused");
	CHECK(r.body == NULL, "no body after failure");

	static const char *const big[] = { "/size/", "/size-chunked/",
					   "/size-close/" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%d", big[i], TEN_MB);
		t0 = now_ms();
		CHECK_STATUS(get(&o, surl(path), NULL, &r),
			     OIDC_E_IDP_BAD_DOCUMENT, "10 MB body refused: %s",
			     path);
		int64_t ms = now_ms() - t0;
		CHECK(ms < 2000, "10 MB body refused quickly (%lld ms)",
		      (long long)ms);
		printf("# %s refused in %lld ms\n", path, (long long)ms);
	}
	/* Content-Length says 100, 10 MB follow: at most 100 bytes read. */
	snprintf(path, sizeof(path), "/lying/%d", TEN_MB);
	t0 = now_ms();
	enum oidc_status st = get(&o, surl(path), NULL, &r);
	CHECK((st == OIDC_OK && r.body_len <= 100) ||
		      st == OIDC_E_IDP_UNREACHABLE || st == OIDC_E_IDP_BAD_DOCUMENT,
	      "lying Content-Length: bounded (%s, %zu bytes)",
	      oidc_status_name(st), r.body_len);
	CHECK(now_ms() - t0 < 2000, "lying Content-Length: quick");

	/* The write callback alone (chunked: no length to check up front). */
	o.max_body = 1000;
	CHECK(get(&o, surl("/size-chunked/1000"), NULL, &r) == OIDC_OK &&
		      r.body_len == 1000,
	      "chunked body at max_body accepted");
	CHECK_STATUS(get(&o, surl("/size-chunked/1001"), NULL, &r),
		     OIDC_E_IDP_BAD_DOCUMENT, "chunked body max_body + 1 refused");
	CHECK_STATUS(get(&o, surl("/size-close/1001"), NULL, &r),
		     OIDC_E_IDP_BAD_DOCUMENT,
		     "close-delimited body max_body + 1 refused");
	CHECK(get(&o, surl("/size/0"), NULL, &r) == OIDC_OK && r.body &&
		      r.body_len == 0 && r.body[0] == '\0',
	      "empty body is an empty string");
	oidc_http_response_clear(&r);
}

/* A socket that listens but never accepts: the kernel completes the TCP
 * handshake, then nobody ever answers the TLS ClientHello. */
static int silent_listener(int *port_out, bool listening)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    (listening && listen(fd, 8) != 0) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port_out = ntohs(a.sin_port);
	return fd;
}

static void check_bounded(const struct oidc_http_opts *o, const char *url,
			  const char *what, int64_t min_ms, int64_t max_ms)
{
	struct oidc_http_response r = { 0 };
	int64_t t0 = now_ms(), ms;

	CHECK_STATUS(get(o, url, NULL, &r), OIDC_E_IDP_UNREACHABLE, "%s", what);
	ms = now_ms() - t0;
	CHECK(ms >= min_ms && ms <= max_ms, "%s: %lld ms in [%lld, %lld]", what,
	      (long long)ms, (long long)min_ms, (long long)max_ms);
	printf("# %s: %lld ms\n", what, (long long)ms);
	oidc_http_response_clear(&r);
}

static void test_timeouts(void)
{
	struct oidc_http_opts o = test_opts();
	char url[128];
	int port = 0, fd;

	o.total_timeout_ms = 500;
	check_bounded(&o, surl("/hang"), "server never answers", 400, 1500);
	check_bounded(&o, surl("/slow"), "body trickles", 400, 1500);
	fd = silent_listener(&port, true);
	CHECK(fd >= 0, "silent listener");
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
	check_bounded(&o, url, "TLS handshake never answered", 400, 1500);
	if (fd >= 0)
		close(fd);
	/* Bound but not listening: the kernel refuses at once. */
	fd = silent_listener(&port, false);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
	check_bounded(&o, url, "connection refused", 0, 400);
	if (fd >= 0)
		close(fd);
}

static void test_tls(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char url[128];

	o.ca_file = other_ca_file;
	CHECK_STATUS(get(&o, surl("/json"), NULL, &r), OIDC_E_TLS_UNTRUSTED,
		     "certificate from an unknown CA refused");
	o.ca_file = NULL;
	CHECK_STATUS(get(&o, surl("/json"), NULL, &r), OIDC_E_TLS_UNTRUSTED,
		     "system store does not know the test CA");
	/* Right CA, wrong name: the certificate only names IP:127.0.0.1. */
	o.ca_file = ca_file;
	snprintf(url, sizeof(url), "https://localhost:%d/json", https_port);
	CHECK_STATUS(get(&o, url, NULL, &r), OIDC_E_TLS_UNTRUSTED,
		     "host name not in certificate refused");
	/* TLS to a plain HTTP port fails cleanly. */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/json", http_port);
	CHECK_STATUS(get(&o, url, NULL, &r), OIDC_E_IDP_UNREACHABLE,
		     "https to a plain http port refused");
	o.ca_file = "/nonexistent/ca.pem";
	CHECK_STATUS(get(&o, surl("/json"), NULL, &r), OIDC_E_TLS_UNTRUSTED,
		     "missing ca_file refused");
	oidc_http_response_clear(&r);
}

/*
 * Debian's libcurl also trusts its built-in CA path (/etc/ssl/certs) when
 * only CURLOPT_CAINFO is set, so ca_file would add a CA instead of naming
 * the only one. In a child with a private mount namespace whose
 * /etc/ssl/certs trusts the test CA, ca_file = another CA must still refuse
 * the server; without ca_file the private system store must accept it
 * (which shows the set-up works). Exit bits: 1 setup failed, 2 ca_file
 * accepted a CA it does not name, 4 the system store was not used.
 */
static int ca_file_child(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char dir[] = "/tmp/oidc-test-certs.XXXXXX", cmd[1024];
	int rc = 0;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || !mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof(cmd),
		 "cp '%s' '%s/test-ca.pem' && cp '%s' '%s/ca-certificates.crt' && "
		 "openssl rehash '%s' >/dev/null 2>&1",
		 ca_file, dir, ca_file, dir, dir);
	if (system(cmd) != 0 || mount(dir, "/etc/ssl/certs", NULL, MS_BIND, NULL) != 0)
		return 1;
	o.ca_file = other_ca_file;
	if (get(&o, surl("/json"), NULL, &r) == OIDC_OK)
		rc |= 2;
	o.ca_file = NULL;
	if (get(&o, surl("/json"), NULL, &r) != OIDC_OK)
		rc |= 4;
	oidc_http_response_clear(&r);
	umount("/etc/ssl/certs");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc |= 1;
	return rc;
}

static void test_ca_file_only_trust(void)
{
	pid_t pid = fork();
	int ws = 0;

	if (pid == 0)
		_exit(ca_file_child());
	if (!CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws),
		   "ca_file child ran"))
		return;
	CHECK(!(WEXITSTATUS(ws) & 1), "private /etc/ssl/certs set up (needs root)");
	CHECK(!(WEXITSTATUS(ws) & 2),
	      "ca_file is the only trust: a server the system store trusts is refused");
	CHECK(!(WEXITSTATUS(ws) & 4), "without ca_file the system store is used");
}

static void test_redirects(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char q[600];

	snprintf(q, sizeof(q), "/redirect?to=%s", surl("/json"));
	CHECK(get(&o, surl(q), NULL, &r) == OIDC_OK && r.status == 200 &&
		      r.max_age == 300,
	      "redirect to https followed");
	snprintf(q, sizeof(q), "/redirect?to=%s", hurl("/json"));
	CHECK_STATUS(get(&o, surl(q), NULL, &r), OIDC_E_IDP_HTTP_ERROR,
		     "redirect to http:// refused");
	o.allow_loopback_http = true;
	CHECK_STATUS(get(&o, surl(q), NULL, &r), OIDC_E_IDP_HTTP_ERROR,
		     "redirect from https to http:// refused with loopback http");
	/* Loopback test mode allows a plain-http start, never a plain-http
	 * redirect target. */
	CHECK_STATUS(get(&o, hurl(q), NULL, &r), OIDC_E_IDP_HTTP_ERROR,
		     "redirect from http to http:// refused with loopback http");
	o.allow_loopback_http = false;
	snprintf(q, sizeof(q), "/redirect?to=ftp://127.0.0.1:%d/x", http_port);
	CHECK_STATUS(get(&o, surl(q), NULL, &r), OIDC_E_IDP_HTTP_ERROR,
		     "redirect to ftp:// refused");
	CHECK(get(&o, surl("/chain/3"), NULL, &r) == OIDC_OK && r.status == 200,
	      "3 redirects followed");
	CHECK_STATUS(get(&o, surl("/chain/4"), NULL, &r), OIDC_E_IDP_HTTP_ERROR,
		     "4 redirects refused");
	oidc_http_response_clear(&r);
}

/* What the server's /record... paths received (its /recorded), or NULL. */
static json_t *recorded(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	json_t *doc = NULL, *j = NULL;

	if (get(&o, surl("/recorded"), NULL, &r) == OIDC_OK && r.status == 200)
		doc = body_json(&r);
	j = json_incref(json_object_get(doc, "recorded"));
	json_decref(doc);
	oidc_http_response_clear(&r);
	return j;
}

/*
 * Credentials are never re-sent on a redirect: libcurl re-POSTs the form
 * (token, client_secret) on 307/308 to any host, and sends Authorization to
 * the same host and port again. Requests with credentials must not follow;
 * the /record targets (same origin, and another port) must see nothing.
 */
static void test_no_redirect_with_credentials(void)
{
	static const long codes[] = { 301, 302, 303, 307, 308 };
	static const char form[] = "token=tok-4f2a.b9&client_id=cid&client_secret=s3cr3t-9c1d";
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char q[700], target[600];
	json_t *rec;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		for (size_t t = 0; t < 3; t++) {
			struct oidc_error err = { 0 };
			char want[32];

			/* another port, the same origin, a relative Location */
			snprintf(target, sizeof(target), "%s", t == 0 ? s2url("/record/other") :
				 t == 1 ? surl("/record/same") : "/record/relative");
			snprintf(q, sizeof(q), "/redirect?code=%ld&to=%s", codes[i], target);

			snprintf(want, sizeof(want), "HTTP %ld redirect", codes[i]);
			oidc_http_response_clear(&r);
			CHECK_STATUS(oidc_http_post_form(&o, surl(q), form, NULL, NULL, &r,
							 &err),
				     OIDC_E_IDP_HTTP_ERROR, "%ld, target %zu: POST form "
				     "(client_secret_post) not redirected", codes[i], t);
			CHECK(strstr(err.detail, want) != NULL, "%ld, target %zu: detail "
			      "names the redirect: %s", codes[i], t, err.detail);
			oidc_http_response_clear(&r);
			CHECK_STATUS(oidc_http_post_form(&o, surl(q), "token=tok-4f2a.b9",
							 "cid", "s3cr3t-9c1d", &r, &err),
				     OIDC_E_IDP_HTTP_ERROR, "%ld, target %zu: POST with "
				     "Basic credentials not redirected", codes[i], t);
			CHECK_STATUS(get(&o, surl(q), "tok-4f2a.b9", &r),
				     OIDC_E_IDP_HTTP_ERROR, "%ld, target %zu: GET with a "
				     "bearer token not redirected", codes[i], t);
			CHECK(r.body == NULL, "%ld, target %zu: no body handed over",
			      codes[i], t);
		}
	}
	rec = recorded();
	CHECK(rec && json_array_size(rec) == 0,
	      "nothing reached a redirect target (%zu requests did)",
	      rec ? json_array_size(rec) : (size_t)-1);
	json_decref(rec);

	/* without credentials (discovery, JWKS) redirects are still followed,
	 * also 307/308 to another port, and nothing secret arrives there */
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(target, sizeof(target), "%s", s2url("/record/plain-get"));
		snprintf(q, sizeof(q), "/redirect?code=%ld&to=%s", codes[i], target);
		CHECK(get(&o, surl(q), NULL, &r) == OIDC_OK && r.status == 200,
		      "%ld: GET without credentials follows the redirect", codes[i]);
	}
	rec = recorded();
	CHECK(rec && json_array_size(rec) == sizeof(codes) / sizeof(codes[0]),
	      "each plain GET arrived once at the target");
	for (size_t i = 0; i < json_array_size(rec); i++) {
		json_t *e = json_array_get(rec, i);

		CHECK(!json_object_get(json_object_get(e, "headers"), "authorization") &&
			      strcmp(json_string_value(json_object_get(e, "method")),
				     "GET") == 0,
		      "followed GET %zu: a GET without Authorization", i);
	}
	json_decref(rec);
	oidc_http_response_clear(&r);
}

static void test_plain_http(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char url[256];
	json_t *j;

	CHECK_STATUS(get(&o, hurl("/json"), NULL, &r), OIDC_E_IDP_HTTP_ERROR,
		     "http:// refused by default");
	o.allow_loopback_http = true;
	CHECK(get(&o, hurl("/json"), NULL, &r) == OIDC_OK && r.status == 200,
	      "http://127.0.0.1 allowed with allow_loopback_http");
	snprintf(url, sizeof(url), "HTTP://LocalHost:%d/json", http_port);
	CHECK(get(&o, url, NULL, &r) == OIDC_OK && r.status == 200,
	      "http://localhost allowed with allow_loopback_http");

	/* Through a recording proxy: whatever curl would fetch shows up in
	 * /seen, so a refusal before curl is told apart from a failed fetch
	 * (and nothing ever resolves example.invalid). */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_port);
	o.proxy = url;
	CHECK(get(&o, "http://[::1]:9/via-proxy", NULL, &r) == OIDC_OK &&
		      r.status == 200,
	      "http://[::1] allowed (via proxy)");
	j = body_json(&r);
	CHECK(j && strstr(jstr(j, "proxied", NULL), "via-proxy"),
	      "proxy control: the proxy saw the request");
	json_decref(j);
	static const char *const refused[] = {
		"http://example.invalid/refused-1",
		"http://localhost.example.invalid/refused-2",
		"http://127.0.0.1.example.invalid/refused-3",
		"http://127.0.0.2/refused-4",
		"http://[::2]/refused-5",
		"ftp://127.0.0.1/refused-6",
		"file:///etc/passwd",
		"https://user:pw@127.0.0.1/refused-7",
		"not a url",
		"",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		CHECK_STATUS(get(&o, refused[i], NULL, &r),
			     OIDC_E_IDP_HTTP_ERROR, "refused: '%s'", refused[i]);
	o.allow_loopback_http = false;
	CHECK_STATUS(get(&o, "http://[::1]:9/refused-8", NULL, &r),
		     OIDC_E_IDP_HTTP_ERROR,
		     "http://[::1] refused without allow_loopback_http");
	CHECK(!seen_contains("refused-"), "no refused URL reached the proxy");
	oidc_http_response_clear(&r);
}

static void test_env_proxy_ignored(void)
{
	static const char *const vars[] = { "http_proxy", "https_proxy",
					    "HTTPS_PROXY", "all_proxy",
					    "ALL_PROXY" };
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char proxy[128];
	json_t *j;

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", http_port);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		setenv(vars[i], proxy, 1);
	/* The proxy answers CONNECT with 501: a proxied https GET fails. */
	CHECK(get(&o, surl("/json"), NULL, &r) == OIDC_OK && r.status == 200,
	      "https: environment proxy ignored");
	o.allow_loopback_http = true;
	CHECK(get(&o, hurl("/echo"), NULL, &r) == OIDC_OK && r.status == 200,
	      "http: request made");
	j = body_json(&r);
	CHECK(j && strcmp(jstr(j, "request_line", NULL), "GET /echo HTTP/1.1") == 0,
	      "http: environment proxy ignored (origin-form request line)");
	json_decref(j);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	oidc_http_response_clear(&r);
}

/* A random RFC 6750 b64token made here, not by the code under test. */
static void random_token(char *out, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789-._~+/";
	unsigned char rnd[256];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 7, sizeof(rnd));
	for (size_t i = 0; i + 1 < len && i < sizeof(rnd); i++)
		out[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	out[len - 1] = '\0';
}

static void test_bearer(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	char tok[120], want[140];
	json_t *j;

	random_token(tok, sizeof(tok) - 2);
	memcpy(tok + strlen(tok), "==", 3); /* b64token padding */
	snprintf(want, sizeof(want), "Bearer %s", tok);
	CHECK(get(&o, surl("/echo"), tok, &r) == OIDC_OK && r.status == 200,
	      "GET with bearer");
	j = body_json(&r);
	CHECK(j && strcmp(jstr(j, "headers", "authorization"), want) == 0,
	      "bearer arrives in the Authorization header");
	CHECK(j && strcmp(jstr(j, "request_line", NULL), "GET /echo HTTP/1.1") == 0,
	      "bearer not in the request line");
	CHECK(j && strcmp(jstr(j, "method", NULL), "GET") == 0, "method GET");
	CHECK(j && strcmp(jstr(j, "headers", "accept"), "application/json") == 0,
	      "Accept: application/json");
	CHECK(j && strcmp(jstr(j, "headers", "user-agent"),
			  "oidc-auth/0.1 (+libcurl)") == 0,
	      "User-Agent");
	json_decref(j);
	CHECK(!seen_contains(tok), "token never seen in any request line");

	long before = seen_count();
	CHECK_STATUS(get(&o, surl("/echo"), "abc\r\nX-Injected: 1", &r),
		     OIDC_E_MALFORMED, "bearer with CR LF refused");
	CHECK_STATUS(get(&o, surl("/echo"), "a b", &r), OIDC_E_MALFORMED,
		     "bearer with a space refused");
	CHECK_STATUS(get(&o, surl("/echo"), "", &r), OIDC_E_MALFORMED,
		     "empty bearer refused");
	CHECK(before >= 0 && seen_count() == before + 1,
	      "refused bearers sent nothing");
	oidc_http_response_clear(&r);
}

static void test_post_form(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	struct oidc_error err = { 0 };
	const char *user = "client id:\xc3\xa9/+%";
	const char *pass = "s3cr%t &=+ p:ss\"";
	const char *value = "tok en&x=y+z/\xc3\xa9~";
	char *ev = oidc_http_form_escape(value), form[256];
	json_t *j, *vals;

	snprintf(form, sizeof(form), "token=%s&token_type_hint=access_token",
		 ev ? ev : "");
	free(ev);
	CHECK_STATUS(oidc_http_post_form(&o, surl("/echo"), form, user, pass, &r,
					 &err),
		     OIDC_OK, "POST form");
	j = body_json(&r);
	CHECK(j && strcmp(jstr(j, "method", NULL), "POST") == 0, "method POST");
	CHECK(j && strcmp(jstr(j, "headers", "content-type"),
			  "application/x-www-form-urlencoded") == 0,
	      "form content type");
	CHECK(j && !json_object_get(json_object_get(j, "headers"), "expect"),
	      "no Expect: 100-continue");
	vals = json_object_get(json_object_get(j, "form"), "token");
	CHECK(json_array_size(vals) == 1 &&
		      strcmp(json_string_value(json_array_get(vals, 0)), value) == 0,
	      "form value decodes to the original at the server");
	CHECK(strcmp(jstr(j, "basic", "user"), user) == 0,
	      "Basic user form-decodes to the original");
	CHECK(strcmp(jstr(j, "basic", "pass"), pass) == 0,
	      "Basic password form-decodes to the original");
	const char *raw = jstr(j, "basic", "raw");
	size_t colons = 0, bad = 0;
	for (const char *p = raw; *p; p++) {
		colons += *p == ':';
		bad += !(strchr("-._~%:", *p) || (*p >= 'A' && *p <= 'Z') ||
			 (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
	}
	CHECK(*raw && colons == 1 && bad == 0,
	      "Basic credentials escaped before base64 (RFC 6749 2.3.1)");
	json_decref(j);
	oidc_http_response_clear(&r);

	CHECK_STATUS(oidc_http_post_form(&o, surl("/echo"), "a=1", NULL, NULL,
					 &r, &err),
		     OIDC_OK, "POST without client auth");
	j = body_json(&r);
	CHECK(j && !json_object_get(json_object_get(j, "headers"),
				    "authorization"),
	      "no Authorization without basic_user");
	json_decref(j);
	oidc_http_response_clear(&r);
	CHECK_STATUS(oidc_http_post_form(&o, hurl("/echo"), "a=1", "u", "p", &r,
					 &err),
		     OIDC_E_IDP_HTTP_ERROR, "POST to http:// refused");
}

static void *thread_get(void *arg)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	int *fails = arg;

	for (int i = 0; i < 10; i++) {
		if (get(&o, surl("/json"), NULL, &r) != OIDC_OK || r.status != 200)
			(*fails)++;
	}
	oidc_http_response_clear(&r);
	return NULL;
}

static void test_threads_and_latency(void)
{
	pthread_t t[4];
	int fails[4] = { 0 };
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	int64_t t0;
	int ok = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_get, &fails[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(fails[0] + fails[1] + fails[2] + fails[3] == 0,
	      "4 threads x 10 GETs");
	t0 = now_ms();
	for (int i = 0; i < 50; i++)
		ok += get(&o, surl("/json"), NULL, &r) == OIDC_OK;
	CHECK(ok == 50, "50 sequential GETs");
	printf("# GET /json (new handle + TLS handshake each): %.1f ms mean\n",
	       (double)(now_ms() - t0) / 50.0);
	oidc_http_response_clear(&r);
}

/*
 * Issue 12: an answer that shows a mistake is not an outage. 5xx, 429 and
 * 408 may pass (unreachable, try again); 4xx and an unfollowed 3xx say the
 * URL is wrong (idp_http_error, class internal). The detail names the URL.
 */
static void test_status_refused(void)
{
	static const struct {
		long status;
		enum oidc_status want;
	} cases[] = {
		{ 404, OIDC_E_IDP_HTTP_ERROR }, { 410, OIDC_E_IDP_HTTP_ERROR },
		{ 400, OIDC_E_IDP_HTTP_ERROR }, { 401, OIDC_E_IDP_HTTP_ERROR },
		{ 403, OIDC_E_IDP_HTTP_ERROR }, { 405, OIDC_E_IDP_HTTP_ERROR },
		{ 302, OIDC_E_IDP_HTTP_ERROR }, { 204, OIDC_E_IDP_HTTP_ERROR },
		{ 500, OIDC_E_IDP_UNREACHABLE }, { 502, OIDC_E_IDP_UNREACHABLE },
		{ 503, OIDC_E_IDP_UNREACHABLE }, { 504, OIDC_E_IDP_UNREACHABLE },
		{ 429, OIDC_E_IDP_UNREACHABLE }, { 408, OIDC_E_IDP_UNREACHABLE },
	};
	struct oidc_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_STATUS(oidc_http_status_refused("JWKS", cases[i].status,
						      "https://idp.example/keys", &err),
			     cases[i].want, "HTTP %ld", cases[i].status);
		CHECK(err.status == cases[i].want &&
			      strstr(err.detail, "https://idp.example/keys") &&
			      strstr(err.detail, "JWKS: HTTP"),
		      "HTTP %ld: the detail names the URL: %s", cases[i].status,
		      err.detail);
	}
	memset(&err, 0, sizeof(err));
	oidc_http_status_refused("discovery", 404, "https://idp.example/x", &err);
	CHECK(strstr(err.detail, "no such document") != NULL,
	      "404: the detail says the document is not there: %s", err.detail);
}

/* The TLS refusal names the URL and OpenSSL's reason. */
static void test_tls_detail(void)
{
	struct oidc_http_opts o = test_opts();
	struct oidc_http_response r = { 0 };
	struct oidc_error err = { 0 };
	char url[128];

	o.ca_file = other_ca_file;
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/json", https_port);
	CHECK_STATUS(oidc_http_get(&o, url, NULL, &r, &err), OIDC_E_TLS_UNTRUSTED,
		     "unknown CA: tls_untrusted");
	CHECK(strstr(err.detail, url) && strstr(err.detail, "certificate"),
	      "unknown CA: the detail names the URL and the certificate: %s", err.detail);
	oidc_http_response_clear(&r);
}

int main(void)
{
	bool up;

	test_form_escape();
	test_status_refused();
	up = start_server();
	CHECK(up, "test server started");
	if (up) {
		test_get_json();
		test_cache_control();
		test_body_caps();
		test_timeouts();
		test_tls();
		test_tls_detail();
		test_ca_file_only_trust();
		test_redirects();
		test_no_redirect_with_credentials();
		test_plain_http();
		test_env_proxy_ignored();
		test_bearer();
		test_post_form();
		test_threads_and_latency();
	}
	stop_server();
	return test_done();
}
