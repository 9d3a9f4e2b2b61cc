/* SPDX-License-Identifier: MIT */
/*
 * test_ctx_threads.c - one validation context shared by 8 threads (slapd
 * calls the SASL plugin from its workers) on the paths that ask the
 * provider about opaque tokens: RFC 7662 introspection and userinfo, with
 * their shared answer cache. Run by make check for the results, and by make
 * check-tsan under ThreadSanitizer, where an answer handed to several
 * threads and freed by one of them without ordering is a reported race
 * (the run then fails). The provider is tests/introspect/stub.py over
 * HTTPS on loopback (CA by the openssl CLI); the clock moves past the
 * cache's lifetime a few times so that answers are replaced and dropped
 * while other threads use them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"
#include "testutil.h"
#include "faulty_fixture.h"

#define THREADS 8
#define ROUNDS 90
#define TOKENS 16
#define EPOCH_ROUNDS 30    /* thread 0 moves the clock every ... rounds */
#define EPOCH_SECONDS 61   /* ... past the answer cache's 60 s lifetime */

static _Atomic int64_t fake_now;
static pid_t stub_pid = -1;
static int stub_port;

static int64_t test_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_now);
}

static void stop_stub(void)
{
	if (stub_pid > 0) {
		kill(stub_pid, SIGTERM);
		waitpid(stub_pid, NULL, 0);
		stub_pid = -1;
	}
}

static bool start_stub(void)
{
	char script[512], cert[320], key[320], port[16], iss[64];
	char *argv[] = { (char *)"/usr/bin/python3", script, port, cert, key, iss, NULL };

	stub_port = free_port();
	snprintf(script, sizeof(script), "%s/tests/introspect/stub.py", root_dir());
	snprintf(cert, sizeof(cert), "%s/pki/server.pem", workdir);
	snprintf(key, sizeof(key), "%s/pki/server.key", workdir);
	snprintf(port, sizeof(port), "%d", stub_port);
	snprintf(iss, sizeof(iss), "https://127.0.0.1:%d/iss", stub_port);
	stub_pid = spawn_ready(argv);
	return stub_pid > 0;
}

static struct oidc_ctx *make_ctx(const char *extra)
{
	struct oidc_ctx *ctx;
	char text[2048];

	snprintf(text, sizeof(text),
		 "issuer = https://127.0.0.1:%d/iss\n"
		 "audience = api://opaque, oidc-auth-test\n"
		 "token_types = opaque\nusername_claim = sub\nca_file = %s\n"
		 "cache_dir = %s/cache\n%s",
		 stub_port, pki_ca, workdir, extra);
	ctx = ctx_from_text("ctx.conf", text);
	if (ctx)
		oidc_ctx_set_clock(ctx, test_clock, NULL);
	return ctx;
}

struct worker {
	struct oidc_ctx *ctx;
	const char *user;
	pthread_barrier_t *go;
	int id, ok, bad;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	char tok[32];

	pthread_barrier_wait(w->go);
	for (int i = 0; i < ROUNDS; i++) {
		struct oidc_result *res = NULL;
		struct oidc_error err = { 0 };

		/* the same few tokens in every thread: concurrent misses for
		 * one token, hits on an answer another thread stored */
		snprintf(tok, sizeof(tok), "opaque-%d", (i * 7 + w->id) % TOKENS);
		if (oidc_validate(w->ctx, tok, strlen(tok), w->user, &res, NULL, &err) ==
			    OIDC_OK &&
		    strcmp(oidc_result_username(res), w->user) == 0 &&
		    oidc_result_claim_string(res, "sub"))
			w->ok++;
		else if (w->bad++ == 0)
			printf("# thread %d: %s %s\n", w->id, oidc_status_name(err.status),
			       err.detail);
		oidc_result_free(&res);
		if (w->id == 0 && i % EPOCH_ROUNDS == EPOCH_ROUNDS - 1)
			atomic_fetch_add(&fake_now, EPOCH_SECONDS);
	}
	return NULL;
}

static void hammer(const char *what, const char *extra, const char *user)
{
	struct oidc_ctx *ctx = make_ctx(extra);
	struct worker w[THREADS];
	pthread_t th[THREADS];
	pthread_barrier_t go;
	int ok = 0, bad = 0;

	CHECK(ctx != NULL, "%s: context", what);
	if (!ctx)
		return;
	atomic_store(&fake_now, time(NULL));
	pthread_barrier_init(&go, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .ctx = ctx, .user = user, .go = &go, .id = i };
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ok += w[i].ok;
		bad += w[i].bad;
	}
	pthread_barrier_destroy(&go);
	CHECK(ok == THREADS * ROUNDS && bad == 0,
	      "%s: %d threads x %d validations on one context all valid (%d refused)",
	      what, THREADS, ROUNDS, bad);
	oidc_ctx_free(&ctx);
}

int main(void)
{
	char extra[512], secret[320];
	bool up;
	FILE *f;

	up = fixture_begin() && start_stub();
	snprintf(secret, sizeof(secret), "%s/client.secret", workdir);
	f = up ? fopen(secret, "w") : NULL;
	if (f) {
		fputs("oidc-auth-test-secret\n", f);
		fclose(f);
		chmod(secret, 0600);
	}
	CHECK(up && f, "fixtures (CA, stub.py) ready");
	if (up && f) {
		snprintf(extra, sizeof(extra),
			 "introspection_endpoint = https://127.0.0.1:%d/good\n"
			 "client_id = oidc-auth-test\nclient_secret_file = %s\n",
			 stub_port, secret);
		hammer("introspection", extra, "stub-user");
		snprintf(extra, sizeof(extra),
			 "userinfo = validate\n"
			 "tokeninfo_endpoint = https://127.0.0.1:%d/tokeninfo-for-alice\n"
			 "userinfo_endpoint = https://127.0.0.1:%d/userinfo-alice\n",
			 stub_port, stub_port);
		hammer("userinfo", extra, "alice");
	}
	stop_stub();
	cleanup();
	return test_done();
}
