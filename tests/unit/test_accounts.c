/* SPDX-License-Identifier: MIT */
/*
 * test_accounts.c - tokens never become system accounts (issue 11 item 3):
 * oidc_identity_check_account() and oidc_validate() refuse root, uid 0, a
 * uid below min_user_uid and systemd's 61184-65535 (nobody, DynamicUser) unless
 * allow_system_users lists the name, fail closed when the account
 * database fails, and check again on a verified-token cache hit after
 * the database changed.
 *
 * The account database is this file's getpwnam_r: the test binary's
 * definition wins over libc's when the static core is linked, so uids,
 * ERANGE and failures are chosen here and the host's /etc/passwd is never
 * read. Keys and tokens are made at run time by /usr/bin/python3 (PyJWT,
 * python3-cryptography).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cfgtext.h"
#include "testutil.h"

#define T0 1700000000LL
#define LINE_MAX_LEN 4096

/* ---- the account database ---- */

struct fake_account {
	const char *name;
	uid_t uid;
};

static struct fake_account fake_db[] = {
	{ "daemon", 1 },     { "toor", 0 },        { "old", 999 },
	{ "alice", 2001 },   { "homed", 60001 },   { "e61183", 61183 },
	{ "dyn", 61184 },    { "e65519", 65519 },  { "e65520", 65520 },
	{ "nobody", 65534 }, { "e65535", 65535 },
	{ "e65536", 65536 }, { "big", 200000 },    { "svc-backup", 34 },
	{ "bob@partner.example", 3001 },
};
static int fake_rc;         /* non-zero: every lookup fails with it */
static size_t fake_need;    /* a buffer smaller than this: ERANGE */
static unsigned fake_calls;

int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen,
	       struct passwd **result)
{
	fake_calls++;
	*result = NULL;
	if (fake_rc)
		return fake_rc;
	for (size_t i = 0; i < sizeof(fake_db) / sizeof(fake_db[0]); i++) {
		size_t n = strlen(name) + 1;

		if (strcmp(fake_db[i].name, name) != 0)
			continue;
		if (buflen < fake_need || buflen < n)
			return ERANGE;
		memcpy(buf, name, n);
		memset(pwd, 0, sizeof(*pwd));
		pwd->pw_name = buf;
		pwd->pw_passwd = buf + n - 1;
		pwd->pw_gecos = buf + n - 1;
		pwd->pw_dir = buf + n - 1;
		pwd->pw_shell = buf + n - 1;
		pwd->pw_uid = fake_db[i].uid;
		pwd->pw_gid = fake_db[i].uid;
		*result = pwd;
		return 0;
	}
	return 0;
}

static void fake_set_uid(const char *name, uid_t uid)
{
	for (size_t i = 0; i < sizeof(fake_db) / sizeof(fake_db[0]); i++)
		if (strcmp(fake_db[i].name, name) == 0)
			fake_db[i].uid = uid;
}

/* ---- files and configurations ---- */

static char dir[] = "/tmp/oidc-test-acc-XXXXXX";
static char jwks_path[300];
static char tok_alice[LINE_MAX_LEN], tok_root[LINE_MAX_LEN], tok_daemon[LINE_MAX_LEN];
static char tok_old[LINE_MAX_LEN], tok_upper[LINE_MAX_LEN];

static const char gen_py[] =
	"import json, sys, jwt\n"
	"from cryptography.hazmat.primitives.asymmetric import rsa\n"
	"from jwt.algorithms import RSAAlgorithm\n"
	"key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
	"k = json.loads(RSAAlgorithm.to_jwk(key.public_key()))\n"
	"k.update(kid='k1', use='sig', alg='RS256')\n"
	"with open(sys.argv[1], 'w') as f:\n"
	"    json.dump({'keys': [k]}, f)\n"
	"for sub in ('alice', 'root', 'daemon', 'old', 'DAEMON'):\n"
	"    c = {'iss': 'https://idp.test', 'aud': 'api', 'sub': sub,\n"
	"         'iat': 1700000000, 'exp': 1700009000}\n"
	"    print(jwt.encode(c, key, algorithm='RS256', headers={'kid': 'k1'}))\n";

static int make_material(void)
{
	char *lines[] = { tok_alice, tok_root, tok_daemon, tok_old, tok_upper };

	snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", dir);
	return test_python_lines(dir, gen_py, jwks_path, lines,
				 sizeof(lines) / sizeof(lines[0]), LINE_MAX_LEN);
}

static enum oidc_status finish_text(const char *text, struct oidc_config **cfg_out,
				    struct oidc_error *err)
{
	return test_finish_text(text, jwks_path, dir, cfg_out, err);
}

#define TOP "audience = api\njwks_file = @JWKS@\n"

/* ---- system accounts ---- */

static void account_case(const char *allow, int64_t min_uid, const char *user,
			 enum oidc_status want, const char *name)
{
	struct oidc_issuer_cfg ic;
	struct oidc_error err = { OIDC_OK, "" };

	memset(&ic, 0, sizeof(ic));
	ic.min_user_uid = min_uid;
	if (allow && oidc_strlist_split(allow, &ic.allow_system_users) != OIDC_OK)
		exit(2);
	CHECK_STATUS(oidc_identity_check_account(&ic, NULL, 0, user, &err), want, "%s", name);
	if (want != OIDC_OK)
		CHECK(err.status == want && err.detail[0], "%s: detail (%s)", name, err.detail);
	oidc_strlist_clear(&ic.allow_system_users);
}

static void test_accounts(void)
{
	unsigned calls;

	account_case(NULL, 1000, "alice", OIDC_OK, "uid 2001: a user");
	account_case(NULL, 1000, "root", OIDC_E_SYSTEM_USER, "root without asking");
	account_case(NULL, 1000, "ROOT", OIDC_E_SYSTEM_USER, "root in upper case");
	account_case(NULL, 1000, "rooty", OIDC_OK, "rooty is not root");
	account_case(NULL, 1000, "daemon", OIDC_E_SYSTEM_USER, "daemon (uid 1)");
	account_case(NULL, 1, "toor", OIDC_E_SYSTEM_USER, "uid 0 under another name");
	account_case(NULL, 1000, "old", OIDC_E_SYSTEM_USER, "uid 999 below min_user_uid");
	account_case(NULL, 500, "old", OIDC_OK, "uid 999 with min_user_uid 500");
	account_case(NULL, 1000, "homed", OIDC_OK, "uid 60001 (systemd-homed: a person)");
	account_case(NULL, 1000, "e61183", OIDC_OK, "uid 61183");
	account_case(NULL, 1000, "dyn", OIDC_E_SYSTEM_USER, "uid 61184 (DynamicUser)");
	account_case(NULL, 1000, "e65519", OIDC_E_SYSTEM_USER, "uid 65519 (DynamicUser)");
	account_case(NULL, 1000, "e65520", OIDC_E_SYSTEM_USER, "uid 65520");
	account_case(NULL, 1000, "nobody", OIDC_E_SYSTEM_USER, "nobody (65534)");
	account_case(NULL, 1000, "e65535", OIDC_E_SYSTEM_USER, "uid 65535");
	account_case(NULL, 1000, "e65536", OIDC_OK, "uid 65536");
	account_case(NULL, 1000, "big", OIDC_OK, "uid 200000 (directory users)");
	account_case(NULL, 1000, "virtual-user", OIDC_OK, "a name the database lacks");
	account_case("svc-backup", 1000, "svc-backup", OIDC_OK, "allowed system account");
	account_case("svc-backup", 1000, "daemon", OIDC_E_SYSTEM_USER,
		     "the list allows only what it names");
	account_case("root", 1000, "root", OIDC_OK, "root when listed");
	account_case("root", 1000, "Root", OIDC_E_SYSTEM_USER, "the list is exact");
	calls = fake_calls;
	account_case("svc-backup", 1000, "svc-backup", OIDC_OK, "allowed: no lookup");
	CHECK(fake_calls == calls, "an allowed name is not looked up");
	calls = fake_calls;
	account_case(NULL, 1000, "root", OIDC_E_SYSTEM_USER, "root: no lookup");
	CHECK(fake_calls == calls, "root is refused without a lookup");

	/* ERANGE: the buffer grows (bounded) */
	fake_need = 100000;
	account_case(NULL, 1000, "daemon", OIDC_E_SYSTEM_USER, "ERANGE: buffer grows");
	fake_need = 4 * 1024 * 1024;
	account_case(NULL, 1000, "daemon", OIDC_E_ACCOUNT_LOOKUP,
		     "ERANGE past the bound: lookup failed");
	fake_need = 0;
	/* "not found" in its several spellings, and real failures */
	fake_rc = ENOENT;
	account_case(NULL, 1000, "daemon", OIDC_OK, "ENOENT is not found");
	fake_rc = ESRCH;
	account_case(NULL, 1000, "daemon", OIDC_OK, "ESRCH is not found");
	fake_rc = EIO;
	account_case(NULL, 1000, "alice", OIDC_E_ACCOUNT_LOOKUP, "EIO fails closed");
	fake_rc = EMFILE;
	account_case(NULL, 1000, "alice", OIDC_E_ACCOUNT_LOOKUP, "EMFILE fails closed");
	fake_rc = 0;
	CHECK(oidc_status_class(OIDC_E_ACCOUNT_LOOKUP) == OIDC_CLASS_UNAVAILABLE,
	      "account_lookup_failed is temporary");
	CHECK(oidc_status_class(OIDC_E_SYSTEM_USER) == OIDC_CLASS_DENY,
	      "system_user denies");
	CHECK(strcmp(oidc_status_name(OIDC_E_SYSTEM_USER), "system_user") == 0 &&
		      strcmp(oidc_status_name(OIDC_E_ACCOUNT_LOOKUP),
			     "account_lookup_failed") == 0,
	      "audit names");
}

/* ---- through oidc_validate ---- */

static int64_t clock_now = T0 + 60;

static int64_t test_clock(void *arg)
{
	(void)arg;
	return clock_now;
}

static struct oidc_ctx *make_ctx(const char *extra)
{
	char text[1024];
	struct oidc_config *cfg = NULL;
	struct oidc_ctx *ctx = NULL;

	snprintf(text, sizeof(text), "issuer = https://idp.test\n" TOP
		 "cache_dir = @DIR@/cache\n%s", extra);
	if (finish_text(text, &cfg, NULL) != OIDC_OK ||
	    oidc_ctx_new(&ctx, cfg, NULL) != OIDC_OK)
		return NULL;
	oidc_ctx_set_clock(ctx, test_clock, NULL);
	return ctx;
}

static enum oidc_status validate(struct oidc_ctx *ctx, const char *tok,
				 struct oidc_audit *audit, struct oidc_result **res)
{
	return oidc_validate(ctx, tok, strlen(tok), NULL, res, audit, NULL);
}

static void test_validate(void)
{
	struct oidc_ctx *ctx = make_ctx("");
	struct oidc_result *res = NULL;
	struct oidc_audit audit;
	unsigned calls;

	if (!CHECK(ctx != NULL, "validate: context"))
		return;
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_OK, "alice's token");
	CHECK_STATUS(validate(ctx, tok_root, &audit, NULL), OIDC_E_SYSTEM_USER,
		     "a token for root");
	CHECK(strcmp(audit.user, "root") == 0, "the audit names the mapped root");
	CHECK_STATUS(validate(ctx, tok_daemon, &audit, NULL), OIDC_E_SYSTEM_USER,
		     "a token for daemon (uid 1)");
	CHECK_STATUS(validate(ctx, tok_old, &audit, NULL), OIDC_E_SYSTEM_USER,
		     "a token for uid 999");
	/* The account database's answer is kept OIDC_ACCOUNT_MEMO_TTL seconds
	 * of the context's clock: a long-lived host asks NSS once per name
	 * per TTL, not on every login (tests/bench repeat_token). */
	calls = fake_calls;
	for (int i = 0; i < 100; i++)
		if (validate(ctx, tok_alice, &audit, NULL) != OIDC_OK)
			break;
	CHECK(fake_calls == calls, "100 more validations of alice: no lookup (%u)",
	      fake_calls - calls);
	/* the next alice is a cache hit; the database changed meanwhile: seen
	 * once the answer is older than the TTL */
	fake_set_uid("alice", 5);
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_OK,
		     "alice became uid 5: the kept answer still holds within the TTL");
	clock_now += OIDC_ACCOUNT_MEMO_TTL;
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_E_SYSTEM_USER,
		     "cache hit after alice became uid 5, the TTL later");
	fake_set_uid("alice", 2001);
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_E_SYSTEM_USER,
		     "uid 2001 again: the kept uid 5 holds within the TTL");
	clock_now += OIDC_ACCOUNT_MEMO_TTL;
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_OK,
		     "cache hit after alice is uid 2001 again, the TTL later");
	clock_now += OIDC_ACCOUNT_MEMO_TTL;
	fake_rc = EIO;
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_E_ACCOUNT_LOOKUP,
		     "cache hit while the database fails");
	fake_rc = 0;
	calls = fake_calls;
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_OK,
		     "a failed lookup is not kept: the next one asks again");
	CHECK(fake_calls == calls + 1, "that validation looked alice up");
	clock_now -= 10;
	calls = fake_calls;
	CHECK_STATUS(validate(ctx, tok_alice, &audit, NULL), OIDC_OK,
		     "clock went back");
	CHECK(fake_calls == calls + 1, "a clock that went back asks again");
	/* DAEMON is no account, daemon is: PAM's user_case=lower asks */
	CHECK_STATUS(validate(ctx, tok_upper, &audit, &res), OIDC_OK, "DAEMON's token");
	if (res) {
		CHECK_STATUS(oidc_result_check_account(ctx, res, "daemon", NULL),
			     OIDC_E_SYSTEM_USER, "result: daemon is a system account");
		CHECK_STATUS(oidc_result_check_account(ctx, res, "alice", NULL), OIDC_OK,
			     "result: alice is not");
		CHECK_STATUS(oidc_result_check_account(ctx, res, NULL, NULL),
			     OIDC_E_INTERNAL, "result: no name");
	}
	oidc_result_free(&res);
	oidc_ctx_free(&ctx);

	ctx = make_ctx("allow_system_users = daemon\nmin_user_uid = 900\n");
	if (!CHECK(ctx != NULL, "validate: context with allow_system_users"))
		return;
	CHECK_STATUS(validate(ctx, tok_daemon, &audit, NULL), OIDC_OK,
		     "allow_system_users = daemon: accepted");
	CHECK_STATUS(validate(ctx, tok_old, &audit, NULL), OIDC_OK,
		     "min_user_uid = 900: uid 999 accepted");
	CHECK_STATUS(validate(ctx, tok_root, &audit, NULL), OIDC_E_SYSTEM_USER,
		     "root is still refused");
	oidc_ctx_free(&ctx);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir) || !make_material()) {
		CHECK(0, "set up keys and tokens in a temporary directory");
		return test_done();
	}
	test_accounts();
	test_validate();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(0, "remove %s", dir);
	return test_done();
}
