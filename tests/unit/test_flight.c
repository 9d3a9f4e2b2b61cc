/* SPDX-License-Identifier: MIT */
/*
 * test_flight.c - one refresh at a time (issue 11 item 5), through the
 * public API as a host uses it: one validation context shared by threads
 * (slapd), and processes sharing one cache_dir (Dovecot's auth workers, a
 * burst of sshd logins). The provider is tests/idp/faulty.py on loopback
 * (disc-drip: a JWKS endpoint that accepts and then trickles one byte a
 * second; slow-MS: every answer late, so processes overlap), its request
 * counters are the evidence. Keys and tokens are made by python3-jwt and
 * python3-cryptography, the CA by the openssl CLI.
 */
#include <errno.h>
#include <sys/file.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"
#include "testutil.h"
#include "faulty_fixture.h"

#define TIMEOUT_S 2           /* http_timeout of the trickling issuer */
#define THREADS 8
#define PROCS 8
#define SLOW_MS 400           /* faulty.py slow-400: each answer this late */

static int64_t t0;            /* wall clock at start: token iat */
static _Atomic int64_t fake_now;

static int64_t test_clock(void *arg)
{
	(void)arg;
	return atomic_load(&fake_now);
}

static int64_t mono_ms(void)
{
	return now_us() / 1000;
}

/* ---- fixtures ------------------------------------------------------------ */

/* One RS256 key (its public JWKS is what faulty.py serves) and, for each
 * mode, a token whose iss is https://127.0.0.1:PORT/<mode>. */
static bool make_tokens(const char *const *modes, size_t n)
{
	static const char script[] =
		"import json, sys, jwt\n"
		"from cryptography.hazmat.primitives.asymmetric import rsa\n"
		"d, base, now = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
		"key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
		"pub = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))\n"
		"pub.update(kid='fl1', alg='RS256', use='sig')\n"
		"open(d + '/served.json.tmp', 'w').write(json.dumps({'keys': [pub]}))\n"
		"import os; os.replace(d + '/served.json.tmp', d + '/served.json')\n"
		"for m in sys.argv[4:]:\n"
		"    c = {'iss': base + '/' + m, 'aud': 'api://flight', 'sub': 'alice',\n"
		"         'iat': now, 'exp': now + 7200}\n"
		"    open(d + '/tok-' + m, 'w').write(jwt.encode(c, key, algorithm='RS256',\n"
		"        headers={'kid': 'fl1', 'typ': 'at+jwt'}))\n";
	char base[64], now[32];
	const char *argv[16];
	size_t a = 0;
	pid_t pid;
	int status;

	snprintf(base, sizeof(base), "https://127.0.0.1:%d", srv[0].port);
	snprintf(now, sizeof(now), "%lld", (long long)t0);
	argv[a++] = "python3";
	argv[a++] = "-c";
	argv[a++] = script;
	argv[a++] = workdir;
	argv[a++] = base;
	argv[a++] = now;
	for (size_t i = 0; i < n && a < 15; i++)
		argv[a++] = modes[i];
	argv[a] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv("/usr/bin/python3", (char *const *)argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static char *token(const char *mode)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/tok-%s", workdir, mode);
	return test_read_file(path, NULL);
}

static bool setup(void)
{
	static const char *const modes[] = { "disc-drip", "good", "slow-400" };

	t0 = time(NULL);
	atomic_store(&fake_now, t0);
	return fixture_begin() && start_server(0) &&
	       make_tokens(modes, sizeof(modes) / sizeof(*modes));
}

/* A context from config text; the cache directories live in workdir. */
static struct oidc_ctx *make_ctx(const char *text, bool fake_clock)
{
	char name[64];
	struct oidc_ctx *ctx;

	snprintf(name, sizeof(name), "cfg-%d.conf", (int)getpid());
	ctx = ctx_from_text(name, text);
	if (ctx && fake_clock)
		oidc_ctx_set_clock(ctx, test_clock, NULL);
	return ctx;
}

static bool server_set(const char *path, const char *mode)
{
	struct oidc_http_opts o = { .ca_file = pki_ca };
	struct oidc_http_response r = { 0 };
	char u[300];
	bool ok;

	snprintf(u, sizeof(u), "/__set?path=%s&mode=%s", path, mode);
	ok = oidc_http_get(&o, url(0, u), NULL, &r, NULL) == OIDC_OK && r.status == 200;
	oidc_http_response_clear(&r);
	return ok;
}

/* ---- threads of one context ------------------------------------------------ */

struct caller {
	struct oidc_ctx *ctx;
	const char *tok;
	pthread_barrier_t *go;
	enum oidc_status st;
	int64_t ms;
};

static void *call_main(void *p)
{
	struct caller *c = p;
	int64_t t;

	pthread_barrier_wait(c->go);
	t = mono_ms();
	c->st = oidc_validate(c->ctx, c->tok, strlen(c->tok), NULL, NULL, NULL, NULL);
	c->ms = mono_ms() - t;
	return NULL;
}

/* Another issuer of the same context, validated while the first one's
 * provider trickles. */
struct bystander {
	struct oidc_ctx *ctx;
	const char *tok;
	pthread_barrier_t *go;
	int ok, calls;
	int64_t max_ms;
};

static void *bystander_main(void *p)
{
	struct bystander *b = p;
	struct timespec pause = { 0, 100 * 1000000L };

	pthread_barrier_wait(b->go);
	nanosleep(&pause, NULL);     /* the other issuer's refresh is under way */
	for (int i = 0; i < 20; i++) {
		int64_t t = mono_ms();

		if (oidc_validate(b->ctx, b->tok, strlen(b->tok), "alice", NULL, NULL,
				  NULL) == OIDC_OK)
			b->ok++;
		b->calls++;
		t = mono_ms() - t;
		if (t > b->max_ms)
			b->max_ms = t;
	}
	return NULL;
}

/* THREADS callers at once (plus, optionally, the bystander); returns the
 * longest wait; statuses in c[]. */
static int64_t burst(struct oidc_ctx *ctx, const char *tok, struct caller *c,
		     struct bystander *b)
{
	pthread_t th[THREADS + 1];
	pthread_barrier_t go;
	int64_t max = 0;

	pthread_barrier_init(&go, NULL, THREADS + (b ? 1 : 0));
	for (int i = 0; i < THREADS; i++) {
		c[i] = (struct caller){ .ctx = ctx, .tok = tok, .go = &go };
		pthread_create(&th[i], NULL, call_main, &c[i]);
	}
	if (b) {
		b->go = &go;
		pthread_create(&th[THREADS], NULL, bystander_main, b);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		if (c[i].ms > max)
			max = c[i].ms;
	}
	if (b)
		pthread_join(th[THREADS], NULL);
	pthread_barrier_destroy(&go);
	return max;
}

static int count_status(const struct caller *c, enum oidc_status st)
{
	int n = 0;

	for (int i = 0; i < THREADS; i++)
		n += c[i].st == st;
	return n;
}

static void test_threads(void)
{
	char cfg[2048];
	struct caller c[THREADS];
	struct bystander b = { 0 };
	struct oidc_ctx *ctx;
	char *slow = token("disc-drip"), *good = token("good");
	int64_t max, t;
	long n;

	snprintf(cfg, sizeof(cfg),
		 "audience = api://flight\nca_file = %s\nusername_claim = sub\n"
		 "http_timeout = %d\n"
		 "[issuer slow]\nissuer = https://127.0.0.1:%d/disc-drip\n"
		 "cache_dir = %s/cache-threads-slow\nusername_namespace = flight\n"
		 "[issuer good]\nissuer = https://127.0.0.1:%d/good\n"
		 "cache_dir = %s/cache-threads-good\nusername_namespace = flight\n",
		 pki_ca, TIMEOUT_S, srv[0].port, workdir, srv[0].port, workdir);
	ctx = make_ctx(cfg, true);
	CHECK(ctx && slow && good, "threads: context with a trickling and a good issuer");
	if (!ctx || !slow || !good)
		goto out;
	server_reset(0);
	b.ctx = ctx;
	b.tok = good;
	max = burst(ctx, slow, c, &b);
	n = count(0, "/drip/jwks");
	printf("# %d threads, no usable keys, a JWKS that trickles: longest wait %lld ms "
	       "(http_timeout %d s), %ld JWKS request(s)\n", THREADS, (long long)max,
	       TIMEOUT_S, n);
	CHECK(count_status(c, OIDC_E_IDP_UNREACHABLE) == THREADS,
	      "threads: all %d callers refused as idp_unreachable", THREADS);
	CHECK(n == 1, "threads: one JWKS request for %d waiting threads (%ld)", THREADS, n);
	CHECK(max <= TIMEOUT_S * 1500,
	      "threads: nobody waited much longer than one http_timeout (%lld ms)",
	      (long long)max);
	CHECK(b.ok == b.calls && b.calls == 20,
	      "threads: the other issuer validated meanwhile (%d of %d)", b.ok, b.calls);
	CHECK(b.max_ms < 1000, "threads: ... without waiting for the slow one (%lld ms)",
	      (long long)b.max_ms);

	/* The failure is the answer for a short while: no new request, no wait. */
	t = mono_ms();
	CHECK_STATUS(oidc_validate(ctx, slow, strlen(slow), NULL, NULL, NULL, NULL),
		     OIDC_E_IDP_UNREACHABLE, "threads: a call right after the failure");
	t = mono_ms() - t;
	CHECK(t < 500 && count(0, "/drip/jwks") == 1,
	      "threads: ... is refused at once (%lld ms) without a request", (long long)t);

	/* The provider recovers; a minute later one request serves everyone. */
	CHECK(server_set("/drip/jwks", "good"), "threads: provider fixed");
	atomic_store(&fake_now, t0 + 60);
	max = burst(ctx, slow, c, NULL);
	n = count(0, "/drip/jwks");
	CHECK(count_status(c, OIDC_OK) == THREADS && n == 2,
	      "threads: after recovery all %d validate with one more request (%ld)",
	      THREADS, n);
	printf("# after recovery: longest wait %lld ms\n", (long long)max);
	atomic_store(&fake_now, t0);
out:
	oidc_ctx_free(&ctx);
	free(slow);
	free(good);
}

/* ---- processes sharing cache_dir ------------------------------------------- */

/*
 * PROCS processes with their own context on one cache_dir, released at
 * once; each validates tok at clock "at" (0: the wall clock) and exits 0
 * when it is valid. Returns how many did.
 */
static int procs(const char *cfg, const char *tok, int64_t at, int64_t *ms_out)
{
	pid_t pids[PROCS];
	int go[2], valid = 0;
	int64_t t;

	if (pipe(go) != 0)
		return -1;
	fflush(stdout);
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] != 0)
			continue;
		struct oidc_ctx *ctx;
		char ch;
		enum oidc_status st;

		close(go[1]);
		atomic_store(&fake_now, at);
		ctx = make_ctx(cfg, at != 0);
		if (read(go[0], &ch, 1) != 0 || !ctx)
			_exit(100);
		st = oidc_validate(ctx, tok, strlen(tok), "alice", NULL, NULL, NULL);
		oidc_ctx_free(&ctx);
		_exit(st == OIDC_OK ? 0 : 1 + (int)st);
	}
	close(go[0]);
	{
		struct timespec settle = { 0, 200 * 1000000L };
		nanosleep(&settle, NULL);   /* every child has its context */
	}
	t = mono_ms();
	close(go[1]);
	for (int p = 0; p < PROCS; p++) {
		int status = 0;

		if (pids[p] > 0 && waitpid(pids[p], &status, 0) == pids[p] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			valid++;
		else
			printf("# process %d: exit %d\n", p,
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	*ms_out = mono_ms() - t;
	return valid;
}

/* One discovery and one JWKS request for PROCS processes on cache_dir dir
 * at clock "at" (0: the wall clock). */
static void check_procs(const char *what, const char *dir, const char *tok, int64_t at)
{
	char cfg[1024];
	int64_t ms = 0;
	long d, j;
	int ok;

	snprintf(cfg, sizeof(cfg),
		 "issuer = https://127.0.0.1:%d/slow-%d\naudience = api://flight\n"
		 "ca_file = %s\nusername_claim = sub\nhttp_timeout = 5\n"
		 "cache_ttl_min = 60\ncache_dir = %s/%s\n",
		 srv[0].port, SLOW_MS, pki_ca, workdir, dir);
	if (at) {
		/* written at t0, read at "at" */
		struct oidc_ctx *ctx = make_ctx(cfg, true);

		atomic_store(&fake_now, t0);
		CHECK(ctx && oidc_validate(ctx, tok, strlen(tok), NULL, NULL, NULL,
					   NULL) == OIDC_OK, "processes: cache filled");
		oidc_ctx_free(&ctx);
	}
	server_reset(0);
	ok = procs(cfg, tok, at, &ms);
	d = disc_count(0, "slow-400");
	j = jwks_count(0, "slow-400");
	printf("# %d processes, %s: %ld discovery + %ld JWKS requests, all done after "
	       "%lld ms\n", PROCS, what, d, j, (long long)ms);
	CHECK(ok == PROCS, "processes, %s: all %d validate (%d)", what, PROCS, ok);
	CHECK(d == 1 && j == 1,
	      "processes, %s: one discovery and one JWKS request in all (%ld + %ld)",
	      what, d, j);
}

static void test_processes(void)
{
	char *tok = token("slow-400");

	if (!tok) {
		CHECK(0, "processes: token");
		return;
	}
	check_procs("empty cache", "cache-procs", tok, 0);
	/* cache_ttl_min 60: two minutes later both entries expired */
	check_procs("expired cache", "cache-expired", tok, t0 + 120);
	free(tok);
}

/* ---- fork while a thread refreshes ----------------------------------------- */

static void *refresh_main(void *p)
{
	struct caller *c = p;

	c->st = oidc_validate(c->ctx, c->tok, strlen(c->tok), NULL, NULL, NULL, NULL);
	return NULL;
}

/*
 * A pre-forked host that forks while one of its threads is inside a
 * refresh: the child must not wait for that thread (it does not exist
 * there) nor deadlock on a lock it held; it refreshes itself.
 */
static void test_fork(void)
{
	char cfg[1024], *tok = token("slow-400");
	struct caller c = { 0 };
	struct timespec in_flight = { 0, 150 * 1000000L };
	struct oidc_ctx *ctx;
	pthread_t th;
	pid_t pid;
	int status = -1;
	int64_t t;

	snprintf(cfg, sizeof(cfg),
		 "issuer = https://127.0.0.1:%d/slow-%d\naudience = api://flight\n"
		 "ca_file = %s\nusername_claim = sub\nhttp_timeout = 4\n"
		 "cache_dir = %s/cache-fork\n",
		 srv[0].port, SLOW_MS, pki_ca, workdir);
	ctx = make_ctx(cfg, false);
	if (!ctx || !tok) {
		CHECK(0, "fork: context");
		goto out;
	}
	c.ctx = ctx;
	c.tok = tok;
	pthread_create(&th, NULL, refresh_main, &c);
	nanosleep(&in_flight, NULL);     /* the thread waits for discovery */
	fflush(stdout);
	t = mono_ms();
	pid = fork();
	if (pid == 0) {
		enum oidc_status st = oidc_validate(ctx, tok, strlen(tok), NULL, NULL,
						    NULL, NULL);
		_exit(st == OIDC_OK ? 0 : 1 + (int)st);
	}
	/* bounded: a child stuck on an inherited lock is killed, not waited for */
	for (int i = 0; pid > 0 && i < 200; i++) {
		struct timespec tick = { 0, 50 * 1000000L };

		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		nanosleep(&tick, NULL);
		if (i == 199) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("# fork: the child hung and was killed\n");
		}
	}
	t = mono_ms() - t;
	pthread_join(th, NULL);
	CHECK_STATUS(c.st, OIDC_OK, "fork: the parent's refreshing thread validated");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "fork: a child forked during a refresh validates by itself (exit %d)",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CHECK(t < 4000, "fork: ... within http_timeout (%lld ms)", (long long)t);
out:
	oidc_ctx_free(&ctx);
	free(tok);
}

/* ---- the cache_dir lock and its holders --------------------------------------- */

/* flock(1) holding the refresh lock of issuer in dir: an independent holder.
 * Returns its pid once the lock is taken, or -1. */
static pid_t hold_lock(const char *dir, const char *issuer)
{
	char name[64], path[400];
	pid_t pid;

	mkdir(dir, 0700);
	oidc_cache_name(issuer, "fetch", name);
	snprintf(path, sizeof(path), "%s/.lock-%s", dir, name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);   /* stop_holder ends flock(1) and its sleep */
		/* -o: only flock(1) itself holds it, not its sleep */
		execl("/usr/bin/flock", "flock", "-x", "-o", path, "/bin/sleep", "30",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		struct timespec tick = { 0, 10 * 1000000L };
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		bool held = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0;

		if (fd >= 0)
			close(fd);
		if (held)
			return pid;
		nanosleep(&tick, NULL);
	}
	return -1;
}

static void stop_holder(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * A holder that died never blocks (the kernel drops its flock); one that
 * lives on holding it (stopped, frozen, or flock(1) here) costs at most one
 * http_timeout of refusals: once it has held the lock longer than any
 * refresh may take, nobody waits for it.
 */
/* A new context (another process's view) on cache_dir workdir/dir, one
 * validation of tok; *ms_out its time. */
static enum oidc_status validate_once(const char *iss, const char *dir,
				      const char *tok, int64_t *ms_out)
{
	char cfg[1024];
	struct oidc_ctx *ctx;
	enum oidc_status st = OIDC_E_INTERNAL;
	int64_t t;

	snprintf(cfg, sizeof(cfg),
		 "issuer = %s\naudience = api://flight\nca_file = %s\n"
		 "username_claim = sub\nhttp_timeout = 1\ncache_dir = %s/%s\n",
		 iss, pki_ca, workdir, dir);
	ctx = make_ctx(cfg, false);
	t = mono_ms();
	if (ctx)
		st = oidc_validate(ctx, tok, strlen(tok), NULL, NULL, NULL, NULL);
	*ms_out = mono_ms() - t;
	oidc_ctx_free(&ctx);
	return st;
}

static void test_lock_holders(void)
{
	char dir[320], iss[128], *tok = token("good");
	struct timespec later = { 0, 700 * 1000000L };
	enum oidc_status st;
	pid_t holder;
	int64_t t;

	snprintf(iss, sizeof(iss), "https://127.0.0.1:%d/good", srv[0].port);
	snprintf(dir, sizeof(dir), "%s/cache-held", workdir);
	holder = hold_lock(dir, iss);
	CHECK(holder > 0 && tok, "lock: flock(1) holds the refresh lock");
	if (holder <= 0 || !tok)
		goto out;
	server_reset(0);
	st = validate_once(iss, "cache-held", tok, &t);
	CHECK(st == OIDC_E_IDP_UNREACHABLE && t < 1500 && disc_count(0, "good") == 0,
	      "lock: held by another process: waited %lld ms (http_timeout 1 s), no "
	      "request, %s", (long long)t, oidc_status_name(st));
	nanosleep(&later, NULL);   /* past the longest refresh: the holder is stuck */
	st = validate_once(iss, "cache-held", tok, &t);
	CHECK(st == OIDC_OK && disc_count(0, "good") == 1,
	      "lock: a holder stuck past a whole refresh is not waited for (%s)",
	      oidc_status_name(st));
	stop_holder(holder);

	snprintf(dir, sizeof(dir), "%s/cache-dead", workdir);
	holder = hold_lock(dir, iss);
	stop_holder(holder);
	st = validate_once(iss, "cache-dead", tok, &t);
	CHECK(holder > 0 && st == OIDC_OK && t < 500,
	      "lock: the lock of a killed holder never blocks (%lld ms, %s)",
	      (long long)t, oidc_status_name(st));
out:
	free(tok);
}

int main(void)
{
	bool up = setup();

	CHECK(up, "fixtures (CA, keys, tokens, faulty.py) ready");
	if (up) {
		test_threads();
		test_processes();
		test_fork();
		test_lock_holders();
	}
	cleanup();
	return test_done();
}
