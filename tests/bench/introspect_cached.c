/* SPDX-License-Identifier: MIT */
/*
 * introspect_cached.c - issue 3: an opaque token validated through RFC 7662
 * introspection when the provider's answer is cached (common/introspect.c
 * keeps it by SHA-256 of the token). Prints one contract line:
 *
 *   BENCH name=introspection_cached lookups_per_s=N requests=0
 *         warmup_requests=1 seconds=S
 *
 * The provider is an in-process stub on 127.0.0.1 (a thread serving plain
 * HTTP, which the core allows for a loopback issuer only): the first
 * validation really goes over HTTP and fills the cache; the stub counts
 * every request it answers, and requests= is how many arrived during the
 * timed loop, which must be 0 (exit status 1 otherwise, or when a timed
 * validation fails). The stub answers "active": true only for the token
 * the bench made (random bytes from OpenSSL), so a cache answering for
 * another token would fail the run. The context clock is fixed, so the
 * cached answer cannot age out while timing. tests/bench/run.sh runs this
 * in a private network namespace.
 *
 *   introspect_cached [SECONDS]     default 1.5
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "oidc.h"
#include "benchutil.h"

#define STUB_BUF 8192
#define TOKEN_BYTES 32

static struct {
	char dir[64];
	char conf_path[128];
	char secret_path[128];
	char token[2 * TOKEN_BYTES + 1];
	int listen_fd;
	int port;
	int64_t now;
	unsigned long requests;     /* answered by the stub (atomic) */
	unsigned long bad_requests; /* not an introspection of our token */
} S = { .listen_fd = -1 };

static void cleanup_files(void)
{
	if (S.conf_path[0])
		unlink(S.conf_path);
	if (S.secret_path[0])
		unlink(S.secret_path);
	if (S.dir[0])
		rmdir(S.dir);
}

/* ---- the stub provider --------------------------------------------------- */

/* Content-Length of the request head in buf (NUL-terminated), or -1. */
static long content_length(const char *buf)
{
	const char *p = strcasestr(buf, "\r\ncontent-length:");
	char *end = NULL;
	long v;

	if (!p)
		return -1;
	errno = 0;
	v = strtol(p + 17, &end, 10);
	if (errno || end == p + 17 || v < 0 || v >= STUB_BUF)
		return -1;
	return v;
}

/* Read one request (head and body) into buf; its length, or -1. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	char *body;
	long clen;

	for (;;) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		body = strstr(buf, "\r\n\r\n");
		if (body) {
			clen = content_length(buf);
			if (clen >= 0 && got >= (size_t)(body + 4 - buf) + (size_t)clen)
				return (ssize_t)got;
		}
		if (got == cap - 1)
			return -1;
	}
}

static void answer(int fd, const char *json)
{
	char out[STUB_BUF];
	int len = snprintf(out, sizeof(out),
			   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			   strlen(json), json);

	if (len > 0 && (size_t)len < sizeof(out) &&
	    write(fd, out, (size_t)len) != len)
		fputs("introspect_cached: stub: short write\n", stderr);
}

/* RFC 7662 2.2: active for our token (in the POST body), inactive else. */
static void serve_one(int fd)
{
	char buf[STUB_BUF], json[1024], want[sizeof(S.token) + 8];
	bool ours;

	if (read_request(fd, buf, sizeof(buf)) < 0)
		return;
	__atomic_add_fetch(&S.requests, 1, __ATOMIC_SEQ_CST);
	snprintf(want, sizeof(want), "token=%s", S.token);
	ours = strncmp(buf, "POST /introspect ", 17) == 0 && strstr(buf, want);
	if (!ours) {
		__atomic_add_fetch(&S.bad_requests, 1, __ATOMIC_SEQ_CST);
		answer(fd, "{\"active\":false}");
		return;
	}
	snprintf(json, sizeof(json),
		 "{\"active\":true,\"iss\":\"http://127.0.0.1:%d\","
		 "\"aud\":[\"api://mail\",\"account\"],\"client_id\":\"mail-client\","
		 "\"token_type\":\"Bearer\",\"scope\":\"openid email mail.read\","
		 "\"sub\":\"8f14e45f-ceea-467f-a8d4-0a3bb5c1e7d2\","
		 "\"username\":\"alice\",\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,"
		 "\"jti\":\"0b6f3a6e-2c1d-4a8e-9f57-3d0c2e9b7a41\"}",
		 S.port, (long long)(S.now + 3600), (long long)(S.now - 30),
		 (long long)(S.now - 30));
	answer(fd, json);
}

static void *stub_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(S.listen_fd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;    /* shut down */
		}
		serve_one(fd);
		close(fd);
	}
}

static void stub_start(pthread_t *th)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	S.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (S.listen_fd < 0 || bind(S.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(S.listen_fd, 16) ||
	    getsockname(S.listen_fd, (struct sockaddr *)&sa, &sl))
		die("stub socket on 127.0.0.1: %s", strerror(errno));
	S.port = ntohs(sa.sin_port);
	if (pthread_create(th, NULL, stub_main, NULL) != 0)
		die("stub thread");
}

static void stub_stop(pthread_t th)
{
	/* Wakes the blocked accept() with an error. */
	shutdown(S.listen_fd, SHUT_RDWR);
	pthread_join(th, NULL);
	close(S.listen_fd);
}

/* ---- the context ---------------------------------------------------------- */

static int64_t fixed_clock(void *arg)
{
	return *(const int64_t *)arg;
}

static struct oidc_ctx *make_context(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_ctx *ctx = NULL;
	struct oidc_error err = { 0 };
	unsigned char secret[16];
	char conf[1024], hex[2 * sizeof(secret) + 2];

	snprintf(S.dir, sizeof(S.dir), "/tmp/oidc-bench-is.XXXXXX");
	if (!mkdtemp(S.dir)) {
		S.dir[0] = '\0';
		die("mkdtemp: %s", strerror(errno));
	}
	snprintf(S.conf_path, sizeof(S.conf_path), "%s/oidc-auth.conf", S.dir);
	snprintf(S.secret_path, sizeof(S.secret_path), "%s/client.secret", S.dir);
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		die("RAND_bytes");
	for (size_t i = 0; i < sizeof(secret); i++)
		snprintf(hex + 2 * i, 3, "%02x", secret[i]);
	write_file(S.secret_path, hex, strlen(hex), 0600);
	snprintf(conf, sizeof(conf),
		 "# written by tests/bench/introspect_cached.c\n"
		 "issuer = http://127.0.0.1:%d\n"
		 "audience = api://mail\n"
		 "token_types = opaque\n"
		 "introspection_endpoint = http://127.0.0.1:%d/introspect\n"
		 "client_id = mail-client\n"
		 "client_secret_file = %s\n"
		 "azp = mail-client\n"
		 "username_claim = username\n"
		 "required_scopes = mail.read\n"
		 "http_timeout = 2\n",
		 S.port, S.port, S.secret_path);
	write_file(S.conf_path, conf, strlen(conf), 0600);
	if (oidc_config_new(&cfg, &err) != OIDC_OK ||
	    oidc_config_load_file(cfg, S.conf_path, &err) != OIDC_OK ||
	    oidc_config_finish(cfg, &err) != OIDC_OK) {
		oidc_config_free(&cfg);
		die("config: %s: %s", oidc_status_name(err.status), err.detail);
	}
	if (oidc_ctx_new(&ctx, cfg, &err) != OIDC_OK)
		die("context: %s: %s", oidc_status_name(err.status), err.detail);
	oidc_ctx_set_clock(ctx, fixed_clock, &S.now);
	return ctx;
}

/* As the adapters call it: expected user, result and audit wanted. */
static enum oidc_status validate(struct oidc_ctx *ctx, struct oidc_error *err)
{
	struct oidc_result *res = NULL;
	struct oidc_audit audit;
	enum oidc_status st;

	st = oidc_validate(ctx, S.token, strlen(S.token), "alice", &res, &audit, err);
	if (st == OIDC_OK && (strcmp(oidc_result_username(res), "alice") != 0 ||
			      strcmp(audit.user, "alice") != 0))
		st = OIDC_E_INTERNAL;
	oidc_result_free(&res);
	return st;
}

int main(int argc, char **argv)
{
	unsigned char raw[TOKEN_BYTES];
	struct oidc_error err = { 0 };
	struct oidc_ctx *ctx;
	unsigned long r0, r1, warm;
	double seconds = 1.5, t0, t;
	uint64_t n = 0;
	enum oidc_status st;
	pthread_t th;
	char *end = NULL;

	bench_name = "introspect_cached";
	bench_cleanup = cleanup_files;
	if (argc > 1) {
		errno = 0;
		seconds = strtod(argv[1], &end);
		if (errno || end == argv[1] || *end || seconds <= 0 || seconds > 60)
			die("usage: introspect_cached [SECONDS]");
	}
	/* An opaque token: random, not JWS-shaped (no dots). */
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		die("RAND_bytes");
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(S.token + 2 * i, 3, "%02x", raw[i]);
	S.now = (int64_t)time(NULL);
	stub_start(&th);
	ctx = make_context();

	st = validate(ctx, &err);
	warm = __atomic_load_n(&S.requests, __ATOMIC_SEQ_CST);
	if (st != OIDC_OK || warm != 1)
		die("first validation: %s (%s), %lu requests", oidc_status_name(st),
		    err.detail, warm);
	r0 = warm;
	t0 = mono_s();
	do {
		for (int i = 0; i < 1000; i++) {
			st = validate(ctx, &err);
			if (st != OIDC_OK)
				die("cached validation: %s (%s)",
				    oidc_status_name(st), err.detail);
		}
		n += 1000;
		t = mono_s() - t0;
	} while (t < seconds);
	r1 = __atomic_load_n(&S.requests, __ATOMIC_SEQ_CST);

	oidc_ctx_free(&ctx);
	stub_stop(th);
	cleanup_files();
	printf("BENCH name=introspection_cached lookups_per_s=%.0f requests=%lu "
	       "warmup_requests=%lu seconds=%.2f\n",
	       (double)n / t, r1 - r0, warm, t);
	printf("# introspection_cached: %llu validations of one opaque token, "
	       "answer cached after one request to the loopback stub\n",
	       (unsigned long long)n);
	if (r1 != r0 || S.bad_requests)
		die("%lu requests while timing (%lu not ours)", r1 - r0,
		    S.bad_requests);
	return 0;
}
