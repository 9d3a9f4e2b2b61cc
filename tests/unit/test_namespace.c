/* SPDX-License-Identifier: MIT */
/*
 * test_namespace.c - who owns a local user name (issue 11 item 3):
 * oidc_config_finish() refuses several issuers (sections, or the tenants
 * of a {tenantid} section) whose username_map rules can produce the same
 * local name, unless both sections share a username_namespace; the keys
 * that say so are section keys with checked values; oidc_config_notes()
 * explains the rest for check-config.
 *
 * Each case is a configuration text; map files are written at run time
 * into a mkdtemp directory, the JWKS by /usr/bin/python3
 * (python3-cryptography).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cfgtext.h"
#include "testutil.h"

/* ---- files and configurations ---- */

static char dir[] = "/tmp/oidc-test-ns-XXXXXX";
static char jwks_path[300];

static const char gen_py[] =
	"import json, sys\n"
	"from cryptography.hazmat.primitives.asymmetric import rsa\n"
	"from jwt.algorithms import RSAAlgorithm\n"
	"key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
	"k = json.loads(RSAAlgorithm.to_jwk(key.public_key()))\n"
	"k.update(kid='k1', use='sig', alg='RS256')\n"
	"with open(sys.argv[1], 'w') as f:\n"
	"    json.dump({'keys': [k]}, f)\n";

static int make_jwks(void)
{
	char *none[1];

	snprintf(jwks_path, sizeof(jwks_path), "%s/jwks.json", dir);
	return test_python_lines(dir, gen_py, jwks_path, none, 0, 0);
}

/* A map file DIR/NAME with these "from to" lines; its path in out. */
static void map_file(const char *name, const char *lines, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
	if (test_write_text(out, lines, 0644) != 0)
		CHECK(0, "write map file %s", name);
}

static enum oidc_status finish_text(const char *text, struct oidc_config **cfg_out,
				    struct oidc_error *err)
{
	return test_finish_text(text, jwks_path, dir, cfg_out, err);
}

#define TOP "audience = api\njwks_file = @JWKS@\n"
#define CORP "[issuer corp]\nissuer = https://corp.example\n"
#define PARTNER "[issuer partner]\nissuer = https://partner.example\n"
#define ENTRA "issuer = https://login.example.com/{tenantid}/v2.0\n"

struct ns_case {
	const char *name;
	const char *text;
	enum oidc_status want;
	const char *detail;   /* a word the refusal must name, or NULL */
};

static const struct ns_case ns_cases[] = {
	/* the example oidc-auth.conf(5) used to give */
	{ "documented partner example refused",
	  TOP CORP PARTNER "username_claim = email\nusername_map = strip_domain:partner.example\n",
	  OIDC_E_CONFIG, "[issuer partner] username_map" },
	{ "refusal says what both can produce",
	  TOP CORP PARTNER "username_claim = email\nusername_map = strip_domain:partner.example\n",
	  OIDC_E_CONFIG, "any name without '@'" },
	{ "two sections with the default sub refused", TOP CORP PARTNER, OIDC_E_CONFIG,
	  "[issuer corp]" },
	{ "strip_domain on both sides refused",
	  TOP CORP "username_map = strip_domain:corp.example\n"
	  PARTNER "username_map = strip_domain:partner.example\n", OIDC_E_CONFIG, NULL },
	{ "keep_domain beside a free-for-all section refused",
	  TOP CORP PARTNER "username_map = keep_domain:partner.example\n", OIDC_E_CONFIG,
	  "names ending in @partner.example" },
	/* provably apart */
	{ "strip_domain and keep_domain are apart",
	  TOP CORP "username_map = lowercase, strip_domain:corp.example\n"
	  PARTNER "username_claim = email\nusername_map = lowercase, keep_domain:partner.example\n",
	  OIDC_OK, NULL },
	{ "two keep_domain domains are apart",
	  TOP CORP "username_map = keep_domain:corp.example\n"
	  PARTNER "username_map = keep_domain:partner.example\n", OIDC_OK, NULL },
	{ "the same keep_domain domain refused",
	  TOP CORP "username_map = keep_domain:corp.example\n"
	  PARTNER "username_map = keep_domain:corp.example\n", OIDC_E_CONFIG, NULL },
	{ "keep_domain domains equal without case refused",
	  TOP CORP "username_map = keep_domain:corp.example\n"
	  PARTNER "username_map = keep_domain:CORP.Example\n", OIDC_E_CONFIG, NULL },
	{ "rules that refuse every name collide with nothing",
	  TOP CORP PARTNER "username_map = keep_domain:a.example, strip_domain:b.example\n",
	  OIDC_OK, NULL },
	{ "strip_domain after keep_domain of the same domain is any name without @",
	  TOP CORP "username_map = keep_domain:x.example\n"
	  PARTNER "username_map = keep_domain:p.example, strip_domain:p.example\n",
	  OIDC_OK, NULL },
	/* map files: the names they can produce */
	{ "map files without a common name are apart",
	  TOP CORP "username_map = map_file:@DIR@/corp.map\n"
	  PARTNER "username_map = map_file:@DIR@/partner.map\n", OIDC_OK, NULL },
	{ "map files with a common name refused, the name is shown",
	  TOP CORP "username_map = map_file:@DIR@/corp.map\n"
	  PARTNER "username_map = map_file:@DIR@/overlap.map\n", OIDC_E_CONFIG, "'carol'" },
	{ "map file names equal without case refused",
	  TOP CORP "username_map = map_file:@DIR@/corp.map\n"
	  PARTNER "username_map = map_file:@DIR@/upper.map\n", OIDC_E_CONFIG, "'alice'" },
	{ "map file of names with @ beside strip_domain is apart",
	  TOP CORP "username_map = strip_domain:corp.example\n"
	  PARTNER "username_map = map_file:@DIR@/at.map\n", OIDC_OK, NULL },
	{ "map file of a plain name beside strip_domain refused",
	  TOP CORP "username_map = strip_domain:corp.example\n"
	  PARTNER "username_map = map_file:@DIR@/partner.map\n", OIDC_E_CONFIG, "'p-bob'" },
	{ "map file into keep_domain: only the names that pass count",
	  TOP CORP "username_map = strip_domain:corp.example\n"
	  PARTNER "username_map = map_file:@DIR@/mixed.map, keep_domain:partner.example\n",
	  OIDC_OK, NULL },
	{ "map file entries the rules before it cannot reach do not count",
	  TOP CORP "username_map = map_file:@DIR@/corp.map\n"
	  PARTNER "username_map = keep_domain:partner.example, map_file:@DIR@/reach.map\n",
	  OIDC_OK, NULL },
	{ "keep_domain names against a map file that lists one of them",
	  TOP CORP "username_map = keep_domain:partner.example\n"
	  PARTNER "username_map = map_file:@DIR@/at.map\n", OIDC_E_CONFIG,
	  "'bob@partner.example'" },
	/* declared sharing */
	{ "the same username_namespace in both shares names",
	  TOP CORP "username_namespace = staff\n" PARTNER "username_namespace = staff\n",
	  OIDC_OK, NULL },
	{ "username_namespace in one section only refused",
	  TOP CORP "username_namespace = staff\n" PARTNER, OIDC_E_CONFIG, NULL },
	{ "different username_namespace labels refused",
	  TOP CORP "username_namespace = staff\n" PARTNER "username_namespace = partners\n",
	  OIDC_E_CONFIG, NULL },
	{ "a third section outside the shared label still has to be apart",
	  TOP CORP "username_namespace = staff\n" PARTNER "username_namespace = staff\n"
	  "[issuer third]\nissuer = https://third.example\n", OIDC_E_CONFIG,
	  "[issuer third]" },
	{ "a third section apart from the sharing two",
	  TOP CORP "username_namespace = staff\nusername_map = strip_domain:c.example\n"
	  PARTNER "username_namespace = staff\nusername_map = strip_domain:p.example\n"
	  "[issuer third]\nissuer = https://third.example\n"
	  "username_map = keep_domain:third.example\n", OIDC_OK, NULL },
	{ "username_namespace at the top level with sections refused",
	  TOP "username_namespace = staff\n" CORP PARTNER, OIDC_E_CONFIG,
	  "username_namespace" },
	{ "allow_system_users at the top level with sections refused",
	  TOP "allow_system_users = svc-backup\n" CORP
	  "username_map = keep_domain:c.example\n" PARTNER
	  "username_map = keep_domain:p.example\n", OIDC_E_CONFIG, "allow_system_users" },
	{ "username_namespace of two labels refused",
	  TOP CORP "username_namespace = a b\n" PARTNER "username_namespace = a b\n",
	  OIDC_E_CONFIG, "username_namespace" },
	{ "username_namespace with a bad character refused",
	  TOP CORP "username_namespace = st/aff\n" PARTNER "username_namespace = st/aff\n",
	  OIDC_E_CONFIG, "username_namespace" },
	{ "allow_system_users with a pattern refused",
	  "issuer = https://idp.test\n" TOP "allow_system_users = svc-*\n", OIDC_E_CONFIG,
	  "no patterns" },
	{ "allow_system_users in one issuer",
	  "issuer = https://idp.test\n" TOP "allow_system_users = svc-backup, root\n",
	  OIDC_OK, NULL },
	/* {tenantid}: each tenant owns its names */
	{ "template with two tenants and one username_map refused",
	  ENTRA TOP "allowed_tenants = t1, t2\nusername_map = strip_domain:example.com\n",
	  OIDC_E_CONFIG, "allowed_tenants" },
	{ "template with two tenants in a section refused",
	  TOP "[issuer entra]\n" ENTRA "allowed_tenants = t1 t2\n"
	  "username_map = keep_domain:example.com\n", OIDC_E_CONFIG,
	  "[issuer entra] allowed_tenants" },
	{ "template with two tenants sharing names on purpose",
	  ENTRA TOP "allowed_tenants = t1, t2\nusername_namespace = tenants\n", OIDC_OK, NULL },
	{ "template with one tenant",
	  ENTRA TOP "allowed_tenants = t1\nusername_map = strip_domain:example.com\n",
	  OIDC_OK, NULL },
	{ "one section per tenant, kept apart",
	  TOP "[issuer t1]\nissuer = https://login.example.com/t1/v2.0\n"
	  "username_map = lowercase, strip_domain:one.example\n"
	  "[issuer t2]\nissuer = https://login.example.com/t2/v2.0\n"
	  "username_map = lowercase, keep_domain:two.example\n", OIDC_OK, NULL },
	{ "a one-tenant template beside a section that takes its names",
	  TOP "[issuer entra]\n" ENTRA "allowed_tenants = t1\n"
	  "[issuer other]\nissuer = https://other.example\n", OIDC_E_CONFIG, NULL },
	/* one issuer: nothing to compare */
	{ "one issuer may produce any name", "issuer = https://idp.test\n" TOP, OIDC_OK, NULL },
};

static void test_namespace_check(void)
{
	char p[300];

	map_file("corp.map", "alice alice\ncarol carol\n", p, sizeof(p));
	map_file("partner.map", "bob@partner.example p-bob\n", p, sizeof(p));
	map_file("overlap.map", "x carol\n", p, sizeof(p));
	map_file("upper.map", "x ALICE\n", p, sizeof(p));
	map_file("at.map", "bob bob@partner.example\n", p, sizeof(p));
	map_file("mixed.map", "bob bob@partner.example\nmallory alice\n", p, sizeof(p));
	/* only keep_domain names reach it: the alice line is dead */
	map_file("reach.map", "bob@partner.example p-bob\nalice alice\n", p, sizeof(p));
	for (size_t i = 0; i < sizeof(ns_cases) / sizeof(ns_cases[0]); i++) {
		const struct ns_case *c = &ns_cases[i];
		struct oidc_error err = { OIDC_OK, "" };
		enum oidc_status st = finish_text(c->text, NULL, &err);

		CHECK_STATUS(st, c->want, "%s", c->name);
		if (st != c->want || c->detail)
			printf("#   detail: %s\n", err.detail);
		if (c->detail)
			CHECK(strstr(err.detail, c->detail) != NULL, "%s: detail names %s",
			      c->name, c->detail);
	}
}

/* ---- notes for check-config ---- */

struct notes {
	char seen[2048];
};

static void note_collect(void *arg, const char *section, const char *note,
			 const char *text)
{
	struct notes *n = arg;
	size_t o = strlen(n->seen);

	snprintf(n->seen + o, sizeof(n->seen) - o, "%s/%s;", section ? section : "-", note);
	(void)text;
}

static void test_notes(void)
{
	struct oidc_config *cfg = NULL;
	struct notes n = { "" };
	enum oidc_status st;

	st = finish_text(TOP CORP "username_map = strip_domain:corp.example\n"
			 PARTNER "username_claim = email\n"
			 "username_map = keep_domain:partner.example\n"
			 "allow_system_users = svc-backup\n", &cfg, NULL);
	CHECK_STATUS(st, OIDC_OK, "notes: config finishes");
	if (st == OIDC_OK)
		CHECK_STATUS(oidc_config_notes(cfg, note_collect, &n), OIDC_OK, "notes: listed");
	CHECK(strstr(n.seen, "corp/user_names;") && strstr(n.seen, "partner/user_names;"),
	      "notes: what names each issuer gives (%s)", n.seen);
	CHECK(strstr(n.seen, "corp/strip_domain;") != NULL, "notes: strip_domain explained");
	CHECK(strstr(n.seen, "partner/email_username;") != NULL, "notes: email explained");
	CHECK(strstr(n.seen, "partner/system_users;") != NULL,
	      "notes: allowed system accounts listed");
	CHECK(strstr(n.seen, "corp/email_username;") == NULL &&
		      strstr(n.seen, "corp/system_users;") == NULL,
	      "notes: only where they apply");
	oidc_config_free(&cfg);

	memset(&n, 0, sizeof(n));
	st = finish_text(ENTRA TOP "allowed_tenants = t1, t2\nusername_namespace = tenants\n",
			 &cfg, NULL);
	if (st == OIDC_OK)
		oidc_config_notes(cfg, note_collect, &n);
	CHECK(strstr(n.seen, "-/shared_names;") && strstr(n.seen, "-/tenants;") &&
		      strstr(n.seen, "-/user_names;"),
	      "notes: shared tenants explained (%s)", n.seen);
	oidc_config_free(&cfg);
	CHECK_STATUS(oidc_config_notes(NULL, note_collect, &n), OIDC_E_INTERNAL,
		     "notes: no config");
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir) || !make_jwks()) {
		CHECK(0, "set up a JWKS in a temporary directory");
		return test_done();
	}
	test_namespace_check();
	test_notes();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(0, "remove %s", dir);
	return test_done();
}
