/* SPDX-License-Identifier: MIT */
/*
 * test_identity.c - oidc_identity_map (checklist D6): claim choice, the
 * nOAuth email_verified rule, username hygiene (length, control
 * characters, UTF-8) and the username_map rules in order (lowercase,
 * strip_domain, keep_domain, map_file).
 *
 * Claim sets are JSON text literals parsed in place with oidc_jdoc_parse
 * from a writable copy; bytes the parser never lets through (invalid UTF-8,
 * NUL) are put in a hand-built document to show identity.c does not rely
 * on the parser.
 */
#include "internal.h"
#include "testutil.h"

struct identity_case {
	const char *name;
	const char *claims;  /* username_claim list */
	const char *map;     /* username_map, test syntax (see add_rules) */
	const char *json;
	enum oidc_status want;
	const char *user;    /* expected on success */
};

#define MAP_FILE "map_file:alice=asmith;bob=robert;Carol=carol;e@example.com=eve"

static const struct identity_case cases[] = {
	/* claim choice */
	{ "sub", "sub", "", "{\"sub\":\"alice\"}", OIDC_OK, "alice" },
	{ "sub absent", "sub", "", "{\"name\":\"alice\"}", OIDC_E_NO_USERNAME, NULL },
	{ "empty claim set", "sub", "", "{}", OIDC_E_NO_USERNAME, NULL },
	{ "no username_claim configured", "", "", "{\"sub\":\"alice\"}",
	  OIDC_E_NO_USERNAME, NULL },
	{ "first claim wins", "preferred_username sub", "",
	  "{\"preferred_username\":\"Alice\",\"sub\":\"123\"}", OIDC_OK, "Alice" },
	{ "second claim when first absent", "preferred_username sub", "",
	  "{\"sub\":\"123\"}", OIDC_OK, "123" },
	{ "number does not fall through", "preferred_username sub", "",
	  "{\"preferred_username\":5,\"sub\":\"123\"}", OIDC_E_BAD_CLAIM, NULL },
	{ "null does not fall through", "preferred_username sub", "",
	  "{\"preferred_username\":null,\"sub\":\"123\"}", OIDC_E_BAD_CLAIM, NULL },
	{ "array does not fall through", "preferred_username sub", "",
	  "{\"preferred_username\":[\"alice\"],\"sub\":\"123\"}", OIDC_E_BAD_CLAIM, NULL },
	{ "object username", "sub", "", "{\"sub\":{\"u\":\"alice\"}}", OIDC_E_BAD_CLAIM,
	  NULL },

	/* D6 nOAuth: email only when email_verified is the JSON literal true */
	{ "email verified", "email", "",
	  "{\"email\":\"a@example.com\",\"email_verified\":true}", OIDC_OK, "a@example.com" },
	{ "email_verified false", "email", "",
	  "{\"email\":\"a@example.com\",\"email_verified\":false}",
	  OIDC_E_EMAIL_UNVERIFIED, NULL },
	{ "email_verified string true", "email", "",
	  "{\"email\":\"a@example.com\",\"email_verified\":\"true\"}",
	  OIDC_E_EMAIL_UNVERIFIED, NULL },
	{ "email_verified 1", "email", "",
	  "{\"email\":\"a@example.com\",\"email_verified\":1}", OIDC_E_EMAIL_UNVERIFIED, NULL },
	{ "email_verified null", "email", "",
	  "{\"email\":\"a@example.com\",\"email_verified\":null}",
	  OIDC_E_EMAIL_UNVERIFIED, NULL },
	{ "email_verified absent", "email", "", "{\"email\":\"a@example.com\"}",
	  OIDC_E_EMAIL_UNVERIFIED, NULL },
	{ "email fallback unverified", "upn email", "",
	  "{\"email\":\"a@example.com\",\"email_verified\":false}",
	  OIDC_E_EMAIL_UNVERIFIED, NULL },
	{ "email not used, not needed", "preferred_username email", "",
	  "{\"preferred_username\":\"bob\",\"email\":\"a@example.com\"}", OIDC_OK, "bob" },
	{ "email_verified only matters for email", "sub", "",
	  "{\"sub\":\"alice\",\"email_verified\":false}", OIDC_OK, "alice" },
	{ "email number", "email", "", "{\"email\":5,\"email_verified\":true}",
	  OIDC_E_BAD_CLAIM, NULL },

	/* hygiene */
	{ "empty username", "sub", "", "{\"sub\":\"\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "C0 control", "sub", "", "{\"sub\":\"ali\\u0001ce\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "newline", "sub", "", "{\"sub\":\"alice\\nroot\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "carriage return", "sub", "", "{\"sub\":\"alice\\r\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "tab", "sub", "", "{\"sub\":\"ali\\tce\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "escape", "sub", "", "{\"sub\":\"\\u001b[31malice\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "DEL", "sub", "", "{\"sub\":\"alice\\u007f\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "C1 NEL", "sub", "", "{\"sub\":\"alice\\u0085\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "C1 CSI", "sub", "", "{\"sub\":\"\\u009b31malice\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "no-break space is not a control", "sub", "", "{\"sub\":\"a\\u00a0b\"}", OIDC_OK,
	  "a\xc2\xa0" "b" },
	{ "latin-1 letter", "sub", "", "{\"sub\":\"jos\\u00e9\"}", OIDC_OK, "jos\xc3\xa9" },
	{ "CJK", "sub", "", "{\"sub\":\"\\u4e2d\\u6587\"}", OIDC_OK,
	  "\xe4\xb8\xad\xe6\x96\x87" },
	{ "astral plane pair", "sub", "", "{\"sub\":\"\\ud83d\\ude00\"}", OIDC_OK,
	  "\xf0\x9f\x98\x80" },
	{ "space inside is allowed", "sub", "", "{\"sub\":\"a b\"}", OIDC_OK, "a b" },

	/* lowercase: ASCII only */
	{ "lowercase", "sub", "lowercase", "{\"sub\":\"AliCE\"}", OIDC_OK, "alice" },
	{ "lowercase leaves non-ASCII", "sub", "lowercase",
	  "{\"sub\":\"\\u00c4LICE\"}", OIDC_OK, "\xc3\x84lice" },
	{ "lowercase digits and dots", "sub", "lowercase", "{\"sub\":\"J.Doe-42\"}",
	  OIDC_OK, "j.doe-42" },

	/* strip_domain */
	{ "strip domain", "sub", "strip_domain:example.com", "{\"sub\":\"alice@example.com\"}",
	  OIDC_OK, "alice" },
	{ "strip domain other case", "sub", "strip_domain:example.com",
	  "{\"sub\":\"Alice@EXAMPLE.Com\"}", OIDC_OK, "Alice" },
	{ "strip domain config in upper case", "sub", "strip_domain:Example.COM",
	  "{\"sub\":\"bob@example.com\"}", OIDC_OK, "bob" },
	{ "strip domain without @ passes", "sub", "strip_domain:example.com",
	  "{\"sub\":\"alice\"}", OIDC_OK, "alice" },
	{ "strip domain other domain", "sub", "strip_domain:example.com",
	  "{\"sub\":\"alice@evil.com\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "strip domain suffix attack", "sub", "strip_domain:example.com",
	  "{\"sub\":\"alice@example.com.evil\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "strip domain subdomain", "sub", "strip_domain:example.com",
	  "{\"sub\":\"alice@sub.example.com\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "strip domain look-alike", "sub", "strip_domain:example.com",
	  "{\"sub\":\"alice@evilexample.com\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "strip domain two @", "sub", "strip_domain:example.com",
	  "{\"sub\":\"a@b@example.com\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "strip domain empty local part", "sub", "strip_domain:example.com",
	  "{\"sub\":\"@example.com\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "strip domain empty domain", "sub", "strip_domain:example.com",
	  "{\"sub\":\"alice@\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "lowercase then strip", "sub", "lowercase,strip_domain:example.com",
	  "{\"sub\":\"Alice@Example.COM\"}", OIDC_OK, "alice" },
	{ "strip then lowercase", "sub", "strip_domain:example.com,lowercase",
	  "{\"sub\":\"Alice@EXAMPLE.com\"}", OIDC_OK, "alice" },
	{ "lowercase then strip, other domain", "sub", "lowercase,strip_domain:example.com",
	  "{\"sub\":\"Alice@Example.ORG\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "verified email stripped", "email", "lowercase,strip_domain:example.com",
	  "{\"email\":\"Alice@example.com\",\"email_verified\":true}", OIDC_OK, "alice" },

	/* keep_domain: the domain stays, so the name says whose it is */
	{ "keep domain", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"bob@partner.example\"}", OIDC_OK, "bob@partner.example" },
	{ "keep domain other case kept as is", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"Bob@PARTNER.example\"}", OIDC_OK, "Bob@PARTNER.example" },
	{ "keep domain then lowercase", "sub", "keep_domain:partner.example,lowercase",
	  "{\"sub\":\"Bob@PARTNER.example\"}", OIDC_OK, "bob@partner.example" },
	{ "keep domain without @ refused", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"root\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "keep domain other domain refused", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"bob@corp.example\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "keep domain subdomain refused", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"bob@x.partner.example\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "keep domain suffix attack refused", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"bob@partner.example.evil\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "keep domain two @ refused", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"root@corp.example@partner.example\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "keep domain empty user part refused", "sub", "keep_domain:partner.example",
	  "{\"sub\":\"@partner.example\"}", OIDC_E_BAD_USERNAME, NULL },
	{ "verified email kept with its domain", "email", "lowercase,keep_domain:partner.example",
	  "{\"email\":\"Root@Partner.example\",\"email_verified\":true}", OIDC_OK,
	  "root@partner.example" },

	/* map_file */
	{ "map file hit", "sub", MAP_FILE, "{\"sub\":\"alice\"}", OIDC_OK, "asmith" },
	{ "map file hit 2", "sub", MAP_FILE, "{\"sub\":\"bob\"}", OIDC_OK, "robert" },
	{ "map file miss", "sub", MAP_FILE, "{\"sub\":\"mallory\"}", OIDC_E_BAD_USERNAME,
	  NULL },
	{ "map file is case-sensitive", "sub", MAP_FILE, "{\"sub\":\"Alice\"}",
	  OIDC_E_BAD_USERNAME, NULL },
	{ "map file prefix is a miss", "sub", MAP_FILE, "{\"sub\":\"alic\"}",
	  OIDC_E_BAD_USERNAME, NULL },
	{ "map file longer is a miss", "sub", MAP_FILE, "{\"sub\":\"alicex\"}",
	  OIDC_E_BAD_USERNAME, NULL },
	{ "lowercase then map file", "sub", "lowercase," MAP_FILE, "{\"sub\":\"ALICE\"}",
	  OIDC_OK, "asmith" },
	{ "lowercase makes a miss", "sub", "lowercase," MAP_FILE, "{\"sub\":\"Carol\"}",
	  OIDC_E_BAD_USERNAME, NULL },
	{ "strip then map file", "sub", "strip_domain:example.com," MAP_FILE,
	  "{\"sub\":\"bob@example.com\"}", OIDC_OK, "robert" },
	{ "map file then strip", "sub", MAP_FILE ",strip_domain:example.com",
	  "{\"sub\":\"e@example.com\"}", OIDC_OK, "eve" },
	{ "map file then lowercase", "sub", "map_file:alice=ASmith,lowercase",
	  "{\"sub\":\"alice\"}", OIDC_OK, "asmith" },
	{ "map file to empty name", "sub", "map_file:alice=", "{\"sub\":\"alice\"}",
	  OIDC_E_BAD_USERNAME, NULL },
	{ "map file to control char", "sub", "map_file:alice=x\x01y", "{\"sub\":\"alice\"}",
	  OIDC_E_BAD_USERNAME, NULL },
	{ "empty map file", "sub", "map_file:", "{\"sub\":\"alice\"}", OIDC_E_BAD_USERNAME,
	  NULL },
};

static char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		exit(2);
	return d;
}

/* "from=to;from=to" into r->entries. */
static void add_entries(struct oidc_map_rule *r, const char *spec)
{
	const char *p = spec;

	while (*p) {
		const char *end = strchr(p, ';'), *eq = strchr(p, '=');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct oidc_map_entry *e;

		r->entries = realloc(r->entries, (r->n_entries + 1) * sizeof(*r->entries));
		if (!r->entries || !eq || eq > p + n)
			exit(2);
		e = &r->entries[r->n_entries++];
		e->from = xstrndup(p, (size_t)(eq - p));
		e->to = xstrndup(eq + 1, n - (size_t)(eq - p) - 1);
		p += n + (end ? 1 : 0);
	}
}

/*
 * Rules separated by ',': "lowercase", "strip_domain:DOMAIN",
 * "map_file:from=to;from=to" (entries inline instead of a path; the config
 * helper's loader is tested elsewhere).
 */
static void add_rules(struct oidc_issuer_cfg *ic, const char *spec)
{
	const char *p = spec;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *item = xstrndup(p, n);
		struct oidc_map_rule *r;

		ic->username_map = realloc(ic->username_map,
					   (ic->n_username_map + 1) * sizeof(*r));
		if (!ic->username_map)
			exit(2);
		r = &ic->username_map[ic->n_username_map++];
		memset(r, 0, sizeof(*r));
		if (strcmp(item, "lowercase") == 0) {
			r->op = OIDC_MAP_LOWERCASE;
		} else if (strncmp(item, "strip_domain:", 13) == 0) {
			r->op = OIDC_MAP_STRIP_DOMAIN;
			r->arg = xstrndup(item + 13, n - 13);
		} else if (strncmp(item, "keep_domain:", 12) == 0) {
			r->op = OIDC_MAP_KEEP_DOMAIN;
			r->arg = xstrndup(item + 12, n - 12);
		} else if (strncmp(item, "map_file:", 9) == 0) {
			r->op = OIDC_MAP_FILE;
			r->arg = xstrndup("/etc/oidc/users.map", 19);
			add_entries(r, item + 9);
		} else {
			fprintf(stderr, "bad rule %s\n", item);
			exit(2);
		}
		free(item);
		p += n + (end ? 1 : 0);
	}
}

static void cfg_init(struct oidc_issuer_cfg *ic, const char *claim_names,
		     const char *map)
{
	memset(ic, 0, sizeof(*ic));
	if (oidc_strlist_split(claim_names, &ic->username_claim) != OIDC_OK)
		exit(2);
	add_rules(ic, map);
}

static void cfg_clear(struct oidc_issuer_cfg *ic)
{
	oidc_strlist_clear(&ic->username_claim);
	for (size_t i = 0; i < ic->n_username_map; i++) {
		struct oidc_map_rule *r = &ic->username_map[i];

		for (size_t k = 0; k < r->n_entries; k++) {
			free(r->entries[k].from);
			free(r->entries[k].to);
		}
		free(r->entries);
		free(r->arg);
	}
	free(ic->username_map);
	memset(ic, 0, sizeof(*ic));
}

/* A parsed claim set and the text it points into; doc comes first, so a
 * struct oidc_jdoc * from parse_len() is the whole allocation. */
struct claim_text {
	struct oidc_jdoc doc;
	char buf[];
};

static struct oidc_jdoc *parse_len(const char *text, size_t len)
{
	struct claim_text *ct = calloc(1, sizeof(*ct) + len + 1);

	if (!ct)
		return NULL;
	memcpy(ct->buf, text, len);
	if (oidc_jdoc_parse(&ct->doc, ct->buf, len, NULL) != OIDC_OK) {
		oidc_jdoc_clear(&ct->doc);
		free(ct);
		return NULL;
	}
	return &ct->doc;
}

static struct oidc_jdoc *parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static void claims_free(struct oidc_jdoc *doc)
{
	if (!doc)
		return;
	oidc_jdoc_clear(doc);
	free((struct claim_text *)(void *)doc);
}

/* {"sub": "<name>"} with name as raw bytes inside the quotes. */
static struct oidc_jdoc *parse_sub(const char *name, size_t len)
{
	char *text = malloc(len + 16);
	struct oidc_jdoc *doc;

	if (!text)
		exit(2);
	memcpy(text, "{\"sub\":\"", 8);
	memcpy(text + 8, name, len);
	memcpy(text + 8 + len, "\"}", 2);
	doc = parse_len(text, len + 10);
	free(text);
	return doc;
}

/* Run one case; user_out must stay untouched on failure. */
static void run_case(const struct identity_case *c, const struct oidc_issuer_cfg *ic,
		     const struct oidc_jdoc *claims)
{
	static char sentinel[] = "untouched";
	struct oidc_error err = { OIDC_OK, "" };
	char *user = sentinel;
	enum oidc_status st = oidc_identity_map(ic, claims, &user, &err);

	CHECK_STATUS(st, c->want, "%s", c->name);
	if (st == OIDC_OK) {
		CHECK(user != sentinel && c->user && strcmp(user, c->user) == 0,
		      "%s: username is the expected one", c->name);
		if (user != sentinel)
			free(user);
	} else {
		CHECK(user == sentinel, "%s: user_out untouched on failure", c->name);
		CHECK(err.status == st, "%s: err.status matches", c->name);
	}
}

static void run_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct identity_case *c = &cases[i];
		struct oidc_issuer_cfg ic;
		struct oidc_jdoc *claims = parse(c->json);

		if (!CHECK(claims != NULL, "%s: claim set parses", c->name))
			continue;
		cfg_init(&ic, c->claims, c->map);
		run_case(c, &ic, claims);
		cfg_clear(&ic);
		claims_free(claims);
	}
}

/* OIDC_USERNAME_MAX bytes pass, one more does not, before and after maps. */
static void test_lengths(void)
{
	char name[OIDC_USERNAME_MAX + 32];
	struct oidc_issuer_cfg ic;
	struct oidc_jdoc *claims;
	struct identity_case c = { NULL, "sub", "", NULL, OIDC_OK, NULL };

	memset(name, 'a', sizeof(name));
	name[OIDC_USERNAME_MAX] = '\0';
	cfg_init(&ic, "sub", "");
	claims = parse_sub(name, strlen(name));
	c.name = "username of OIDC_USERNAME_MAX bytes";
	c.user = name;
	if (CHECK(claims != NULL, "%s: claim set parses", c.name))
		run_case(&c, &ic, claims);
	claims_free(claims);

	name[OIDC_USERNAME_MAX] = 'a';
	name[OIDC_USERNAME_MAX + 1] = '\0';
	claims = parse_sub(name, strlen(name));
	c.name = "username of OIDC_USERNAME_MAX + 1 bytes";
	c.want = OIDC_E_BAD_USERNAME;
	if (CHECK(claims != NULL, "%s: claim set parses", c.name))
		run_case(&c, &ic, claims);
	claims_free(claims);
	cfg_clear(&ic);

	/* Too long before stripping counts, even if the result would fit. */
	memcpy(name + OIDC_USERNAME_MAX + 1 - 12, "@example.com", 13);
	claims = parse_sub(name, strlen(name));
	cfg_init(&ic, "sub", "strip_domain:example.com");
	c.name = "overlong name with strippable domain";
	if (CHECK(claims != NULL, "%s: claim set parses", c.name))
		run_case(&c, &ic, claims);
	claims_free(claims);
	cfg_clear(&ic);

	/* A map file entry longer than the maximum is refused. */
	cfg_init(&ic, "sub", "map_file:alice=b");
	free(ic.username_map[0].entries[0].to);
	memset(name, 'b', sizeof(name));
	name[OIDC_USERNAME_MAX + 1] = '\0';
	ic.username_map[0].entries[0].to = xstrndup(name, OIDC_USERNAME_MAX + 1);
	claims = parse("{\"sub\":\"alice\"}");
	c.name = "map file result longer than OIDC_USERNAME_MAX";
	if (CHECK(claims != NULL, "%s: claim set parses", c.name))
		run_case(&c, &ic, claims);
	claims_free(claims);
	cfg_clear(&ic);
}

/*
 * Bytes the JSON parser never lets through (invalid UTF-8, NUL) in a
 * hand-built document: identity.c must refuse them itself. Then the same
 * bytes as JSON text: the parser refuses them or identity.c does.
 */
static void test_raw_bytes(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
		enum oidc_status want;
	} raw[] = {
		{ "embedded NUL", "alice\0root", 10, OIDC_E_BAD_USERNAME },
		{ "lone continuation byte", "a\x80", 2, OIDC_E_BAD_USERNAME },
		{ "byte 0xff", "a\xff", 2, OIDC_E_BAD_USERNAME },
		{ "overlong slash", "\xc0\xaf", 2, OIDC_E_BAD_USERNAME },
		{ "overlong 3-byte", "\xe0\x80\xaf", 3, OIDC_E_BAD_USERNAME },
		{ "overlong 4-byte", "\xf0\x80\x80\xaf", 4, OIDC_E_BAD_USERNAME },
		{ "UTF-16 surrogate", "\xed\xa0\x80", 3, OIDC_E_BAD_USERNAME },
		{ "above U+10FFFF", "\xf4\x90\x80\x80", 4, OIDC_E_BAD_USERNAME },
		{ "5-byte lead", "\xf8\x88\x80\x80\x80", 5, OIDC_E_BAD_USERNAME },
		{ "truncated 2-byte", "a\xc3", 2, OIDC_E_BAD_USERNAME },
		{ "truncated 3-byte", "a\xe2\x82", 3, OIDC_E_BAD_USERNAME },
		{ "truncated 4-byte", "\xf0\x9f\x98", 3, OIDC_E_BAD_USERNAME },
		{ "bad second continuation", "\xe2\x82\x41", 3, OIDC_E_BAD_USERNAME },
		{ "C1 as raw bytes", "\xc2\x9b", 2, OIDC_E_BAD_USERNAME },
		{ "U+10FFFF is valid", "\xf4\x8f\xbf\xbf", 4, OIDC_OK },
		{ "U+FFFD is valid", "\xef\xbf\xbd", 3, OIDC_OK },
		{ "U+00A0 is valid", "\xc2\xa0", 2, OIDC_OK },
		{ "U+D7FF is valid", "\xed\x9f\xbf", 3, OIDC_OK },
	};
	struct oidc_issuer_cfg ic;

	cfg_init(&ic, "sub", "");
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		/* The root object and its one member, as the parser lays them
		 * out, pointing at the raw bytes. */
		struct oidc_jnode nodes[2] = {
			{ .type = OIDC_JOBJECT, .len = 1, .end = 2 },
			{ .type = OIDC_JSTRING, .key = "sub", .key_len = 3,
			  .v.s = raw[i].bytes, .len = (uint32_t)raw[i].len, .end = 2 },
		};
		struct oidc_jdoc doc = { nodes, 2, 2 }, *parsed;
		struct identity_case c = { raw[i].name, "sub", "", NULL, raw[i].want, NULL };
		char *copy = xstrndup(raw[i].bytes, raw[i].len);
		char *user = NULL;

		c.user = copy;
		run_case(&c, &ic, &doc);

		/* Through the parser: never a username from bad bytes. */
		parsed = parse_sub(raw[i].bytes, raw[i].len);
		if (!parsed) {
			CHECK(raw[i].want != OIDC_OK, "%s: parser refuses only bad bytes",
			      raw[i].name);
		} else {
			CHECK_STATUS(oidc_identity_map(&ic, parsed, &user, NULL), raw[i].want,
				     "%s: as JSON text", raw[i].name);
			CHECK(raw[i].want != OIDC_OK || (user && strcmp(user, copy) == 0),
			      "%s: as JSON text, same username", raw[i].name);
			free(user);
			claims_free(parsed);
		}
		free(copy);
	}
	cfg_clear(&ic);

	/* The parser half of the NUL story (checklist C5). */
	CHECK(parse("{\"sub\":\"alice\\u0000root\"}") == NULL,
	      "JSON with \\u0000 in a string is refused by the parser");
}

static void test_bad_arguments(void)
{
	struct oidc_issuer_cfg ic;
	/* A root that is an array (built by hand: the parser never makes
	 * one) and an empty document. */
	struct oidc_jnode node = { .type = OIDC_JARRAY, .end = 1 };
	struct oidc_jdoc arr = { &node, 1, 1 }, empty = { NULL, 0, 0 };
	struct oidc_jdoc *claims = parse("{\"sub\":\"alice\"}");
	char *user = NULL;

	cfg_init(&ic, "sub", "");
	CHECK_STATUS(oidc_identity_map(&ic, &arr, &user, NULL), OIDC_E_INTERNAL,
		     "claims not an object");
	CHECK_STATUS(oidc_identity_map(&ic, &empty, &user, NULL), OIDC_E_INTERNAL,
		     "claims an empty document");
	CHECK_STATUS(oidc_identity_map(&ic, NULL, &user, NULL), OIDC_E_INTERNAL,
		     "claims NULL");
	CHECK_STATUS(oidc_identity_map(&ic, claims, NULL, NULL), OIDC_E_INTERNAL,
		     "no output pointer");
	CHECK_STATUS(oidc_identity_map(&ic, claims, &user, NULL), OIDC_OK,
		     "err may be NULL");
	CHECK(user && strcmp(user, "alice") == 0, "err NULL: username alice");
	free(user);
	cfg_clear(&ic);

	/* A strip_domain rule without a domain is a config bug, not a user's. */
	cfg_init(&ic, "sub", "strip_domain:");
	user = NULL;
	CHECK_STATUS(oidc_identity_map(&ic, claims, &user, NULL), OIDC_E_CONFIG,
		     "strip_domain without domain");
	cfg_clear(&ic);
	cfg_init(&ic, "sub", "keep_domain:");
	CHECK_STATUS(oidc_identity_map(&ic, claims, &user, NULL), OIDC_E_CONFIG,
		     "keep_domain without domain");
	cfg_clear(&ic);
	claims_free(claims);
}

/* oidc_identity_map_name: a name a client asked for, through the same rules
 * (the SASL plugin compares it with the token's user). */
static void test_map_name(void)
{
	static const struct {
		const char *map, *name, *want; /* want NULL: refused */
	} t[] = {
		{ "strip_domain:example.com", "alice@example.com", "alice" },
		{ "strip_domain:example.com", "alice@EXAMPLE.com", "alice" },
		{ "strip_domain:example.com", "alice", "alice" },
		{ "strip_domain:example.com", "alice@other.example", NULL },
		{ "keep_domain:example.com", "alice@EXAMPLE.com", "alice@EXAMPLE.com" },
		{ "lowercase,keep_domain:example.com", "Alice@Example.COM", "alice@example.com" },
		{ "keep_domain:example.com", "alice", NULL },
		{ "lowercase,strip_domain:example.com", "Alice@Example.COM", "alice" },
		{ "", "Alice@example.com", "Alice@example.com" },
		{ "lowercase,map_file:alice.smith=alice", "Alice.Smith", "alice" },
		{ "map_file:alice.smith=alice", "bob", NULL },
		{ "", "", NULL },
		{ "", "ali\nce", NULL },
		{ "", "ali\x1b[31mce", NULL },
	};
	char out[OIDC_USERNAME_MAX + 1];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct oidc_issuer_cfg ic;
		enum oidc_status st;

		cfg_init(&ic, "sub", t[i].map);
		st = oidc_identity_map_name(&ic, t[i].name, out, NULL);
		if (t[i].want)
			CHECK(st == OIDC_OK && strcmp(out, t[i].want) == 0,
			      "map name [%s] %s -> %s", t[i].map, t[i].name, t[i].want);
		else
			CHECK(st != OIDC_OK, "map name [%s] refused: case %zu", t[i].map, i);
		cfg_clear(&ic);
	}
}

int main(void)
{
	run_table();
	test_lengths();
	test_raw_bytes();
	test_bad_arguments();
	test_map_name();
	return test_done();
}
