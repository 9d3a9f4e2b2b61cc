/* SPDX-License-Identifier: MIT */
/*
 * test_guard.c - the symbol guard (common/guard.c) with tables made by
 * hand: functions bound where they belong pass; one bound to this program
 * (exported with -rdynamic or not, dladdr finds it) is refused with
 * symbol_interposed, naming it; a library that is not loaded is refused;
 * the verdict is computed once per process and reported to exactly one
 * caller, also with threads racing for it. The verdict is per process, so
 * each case runs in a child. The plugins' generated tables and real hosts
 * are tested by tests/interpose/t_interpose.sh.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard_table.h"
#include "internal.h"
#include "testutil.h"

#define RACERS 8

/* Not libcrypto's: stands for the host's function of the same name. */
static int fake_digest_verify(void)
{
	return 0;
}

static const char *const libs[] = { "libcrypto.so.3", "libnot-loaded-oidc.so.9" };

static const struct oidc_guard_sym good_syms[] = {
	{ "EVP_DigestVerify", "OPENSSL_3.0.0", (const void *)EVP_DigestVerify, 0 },
	{ "OPENSSL_cleanse", "OPENSSL_3.0.0", (const void *)OPENSSL_cleanse, 0 },
};
static const struct oidc_guard_table good = { libs, 1, good_syms, 2 };

static const struct oidc_guard_sym bad_syms[] = {
	{ "OPENSSL_cleanse", "OPENSSL_3.0.0", (const void *)OPENSSL_cleanse, 0 },
	{ "EVP_DigestVerify", "OPENSSL_3.0.0", (const void *)fake_digest_verify, 0 },
};
static const struct oidc_guard_table bad = { libs, 1, bad_syms, 2 };

static const struct oidc_guard_table missing = { libs, 2, good_syms, 2 };

struct racer {
	const struct oidc_guard_table *t;
	int report;
	enum oidc_status st;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	r->st = oidc_guard_check(r->t, &r->report, NULL);
	return NULL;
}

/* In a child: n racing threads, then two more calls. Exit code bits: 1 a
 * wrong status, 2 not exactly one report, 4 the detail lacks want. */
static int child(const struct oidc_guard_table *t, enum oidc_status want_st, const char *want)
{
	struct racer r[RACERS];
	pthread_t th[RACERS];
	struct oidc_error err = { OIDC_OK, "" };
	int reports = 0, code = 0, again = 0, started = 0;

	for (int i = 0; i < RACERS; i++) {
		r[i].t = t;
		r[i].report = 0;
		if (pthread_create(&th[i], NULL, race, &r[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		reports += r[i].report;
		if (r[i].st != want_st)
			code |= 1;
	}
	if (oidc_guard_check(t, &again, &err) != want_st)
		code |= 1;
	reports += again;
	printf("#   %s: %s\n", oidc_status_name(err.status), err.detail);
	if (reports != (want_st == OIDC_OK ? 0 : 1) || started != RACERS)
		code |= 2;
	if (want && !strstr(err.detail, want))
		code |= 4;
	fflush(stdout);
	return code;
}

static int run_child(const struct oidc_guard_table *t, enum oidc_status st, const char *want)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child(t, st, want));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int library_ok_child(void)
{
	int code = 0;

	/* the bad table: libcrypto is not trusted, an unlisted one is */
	if (oidc_guard_library_ok(&bad, "libcrypto.so.3") != 0)
		code |= 1;
	if (oidc_guard_library_ok(&bad, "libpam.so.0") != 1)
		code |= 2;
	/* another table than the first one the process used */
	if (oidc_guard_check(&good, NULL, NULL) != OIDC_E_INTERNAL)
		code |= 4;
	return code;
}

int main(void)
{
	int rc, status = 0;
	pid_t pid;

	rc = run_child(&good, OIDC_OK, NULL);
	CHECK(rc == 0, "functions bound to their library pass, nothing reported (%d)", rc);
	rc = run_child(&bad, OIDC_E_SYMBOL_INTERPOSED, "EVP_DigestVerify (from libcrypto.so.3) is bound to ");
	CHECK(rc == 0, "a function bound elsewhere: symbol_interposed, named, reported once "
		       "among %d racing threads (%d)", RACERS, rc);
	rc = run_child(&missing, OIDC_E_SYMBOL_INTERPOSED, "libnot-loaded-oidc.so.9 is not loaded");
	CHECK(rc == 0, "a library that is not loaded: symbol_interposed (%d)", rc);
	rc = run_child(NULL, OIDC_E_INTERNAL, "no usable table");
	CHECK(rc == 0, "no table: internal_error (%d)", rc);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(library_ok_child());
	rc = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
		     WEXITSTATUS(status) : -1;
	CHECK(rc == 0, "oidc_guard_library_ok per library; one table per process (%d)", rc);
	return test_done();
}
