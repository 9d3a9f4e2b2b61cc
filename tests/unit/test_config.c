/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - oidc-auth.conf(5): the parser, the one setter, sections
 * and inheritance, finish-time checks and the files the config names.
 * Every file (configs, secrets, map files) is written into a mkdtemp
 * directory at run time; the JWKS is made by /usr/bin/python3 with
 * python3-cryptography and the HMAC secrets by the openssl CLI.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"
#include "testutil.h"

static char dir[64];
static char jwks_path[128], secret32_path[160], secret64_path[160];
static char short_path[160], map_path[160], ca_path[160];

static const char jwks_py[] =
	"import base64, json, sys\n"
	"from cryptography.hazmat.primitives.asymmetric import rsa, ec\n"
	"def b64(n, size):\n"
	"    return base64.urlsafe_b64encode(n.to_bytes(size, 'big'))"
	".rstrip(b'=').decode()\n"
	"r = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
	"rn = r.public_key().public_numbers()\n"
	"e = ec.generate_private_key(ec.SECP256R1())\n"
	"en = e.public_key().public_numbers()\n"
	"keys = [{'kty': 'RSA', 'kid': 'rsa1', 'use': 'sig', 'alg': 'RS256',\n"
	"         'n': b64(rn.n, 256), 'e': b64(rn.e, 3)},\n"
	"        {'kty': 'EC', 'kid': 'ec1', 'use': 'sig', 'crv': 'P-256',\n"
	"         'x': b64(en.x, 32), 'y': b64(en.y, 32)}]\n"
	"with open(sys.argv[1], 'w') as f:\n"
	"    json.dump({'keys': keys}, f)\n";

/* ---- files in the temporary directory ---- */

static void path_in_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

/* A self-signed P-256 certificate in PEM at path (mode 0644): a CA bundle
 * of one. 0, or -1. */
static int write_ca_cert(const char *path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;
	int rc = -1;

	if (!key || !x || !X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, key))
		goto out;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"test_config CA", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_sign(x, key, EVP_sha256()))
		goto out;
	f = fopen(path, "w");
	if (!f)
		goto out;
	rc = PEM_write_X509(f, x) == 1 ? 0 : -1;
	if (fclose(f) != 0 || rc != 0 || chmod(path, 0644) != 0)
		rc = -1;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int write_text(const char *name, const char *text, mode_t mode, char *path,
		      size_t cap)
{
	path_in_dir(path, cap, name);
	return write_file(path, text, strlen(text), mode);
}

static int run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_cmd(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Replace @JWKS@ @SECRET32@ @SECRET64@ @SHORT@ @MAP@ @DIR@ in text. */
static char *subst(const char *text)
{
	static const struct {
		const char *tag;
		const char *value;
	} tags[] = {
		{ "@JWKS@", jwks_path },       { "@SECRET32@", secret32_path },
		{ "@CA@", ca_path },
		{ "@SECRET64@", secret64_path }, { "@SHORT@", short_path },
		{ "@MAP@", map_path },         { "@DIR@", dir },
	};
	size_t cap = strlen(text) * 4 + 4096, o = 0;
	char *out = malloc(cap);

	if (!out)
		abort();
	for (const char *p = text; *p;) {
		bool done = false;

		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			size_t tl = strlen(tags[i].tag), vl = strlen(tags[i].value);

			if (strncmp(p, tags[i].tag, tl) == 0 && o + vl < cap) {
				memcpy(out + o, tags[i].value, vl);
				o += vl;
				p += tl;
				done = true;
				break;
			}
		}
		if (!done && o + 1 < cap)
			out[o++] = *p++;
	}
	out[o] = '\0';
	return out;
}

/* ---- config helpers ---- */

static enum oidc_status load_text(struct oidc_config **cfg, const char *text,
				  struct oidc_error *err)
{
	char *t = subst(text);
	enum oidc_status st = oidc_config_new(cfg, err);

	if (st == OIDC_OK)
		st = oidc_config_load_buffer(*cfg, "t.conf", t, strlen(t), err);
	free(t);
	return st;
}

/* Parse text only (no finish). */
static enum oidc_status parse_status(const char *text, struct oidc_error *err)
{
	struct oidc_config *cfg = NULL;
	enum oidc_status st = load_text(&cfg, text, err);

	oidc_config_free(&cfg);
	return st;
}

/* Parse text and finish. */
static enum oidc_status finish_status(const char *text, struct oidc_error *err)
{
	struct oidc_config *cfg = NULL;
	enum oidc_status st = load_text(&cfg, text, err);

	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, err);
	oidc_config_free(&cfg);
	return st;
}

#define BASE                                                                  \
	"issuer = https://idp.example.com/realms/r\n"                         \
	"audience = api://mail\n"                                             \
	"jwks_file = @JWKS@\n"

/* ---- tests ---- */

static void test_defaults(void)
{
	struct oidc_config *cfg = NULL;
	const struct oidc_issuer_cfg *const *list = NULL;

	CHECK_STATUS(oidc_config_new(&cfg, NULL), OIDC_OK, "new");
	if (!cfg)
		return;
	CHECK(strcmp(cfg->top.name, "default") == 0, "top level is named default");
	CHECK(cfg->top.leeway == 60, "leeway default 60");
	CHECK(cfg->top.max_token_size == OIDC_TOKEN_MAX_DEFAULT,
	      "max_token_size default");
	CHECK(cfg->top.algorithms == OIDC_ALG_MASK_ASYM,
	      "algorithms default: every asymmetric algorithm");
	CHECK(cfg->top.accept_typ.n == 3 &&
		      strcmp(cfg->top.accept_typ.v[0], "at+jwt") == 0 &&
		      strcmp(cfg->top.accept_typ.v[1], "jwt") == 0 &&
		      strcmp(cfg->top.accept_typ.v[2], "absent") == 0,
	      "accept_typ default normalised and deduplicated");
	CHECK(cfg->top.username_claim.n == 1 &&
		      strcmp(cfg->top.username_claim.v[0], "sub") == 0,
	      "username_claim default sub");
	CHECK(cfg->top.min_user_uid == 1000 && cfg->top.allow_system_users.n == 0 &&
		      cfg->top.username_namespace.n == 0,
	      "min_user_uid default 1000 (Debian's UID_MIN), no system user allowed, "
	      "no shared namespace");
	CHECK(cfg->top.set_bits == 0, "defaults are not marked as set");
	CHECK(!cfg->finished && cfg->n_sections == 0, "fresh config not finished");
	CHECK(oidc_config_issuers(cfg, &list) == 1 && list[0] == &cfg->top,
	      "without sections the top level is the single issuer");
	oidc_config_free(&cfg);
	CHECK(cfg == NULL, "free sets the pointer to NULL");
	oidc_config_free(&cfg);
	oidc_config_free(NULL);
	CHECK(1, "free accepts NULL");
}

static void test_minimal(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	const struct oidc_issuer_cfg *const *list = NULL;
	enum oidc_status st;

	st = load_text(&cfg, "# comment\n\n" BASE, &err);
	CHECK_STATUS(st, OIDC_OK, "minimal config parses");
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "minimal config finishes");
	if (st != OIDC_OK) {
		printf("#   detail: %s\n", err.detail);
		oidc_config_free(&cfg);
		return;
	}
	CHECK(cfg->finished, "finished is set");
	CHECK(strcmp(cfg->top.issuer, "https://idp.example.com/realms/r") == 0,
	      "issuer stored exactly");
	CHECK(!cfg->top.is_template, "plain issuer is no template");
	CHECK(cfg->top.keys && oidc_keyset_count(cfg->top.keys) == 2,
	      "both JWKS keys loaded");
	CHECK(oidc_config_issuers(cfg, &list) == 1 && list[0] == &cfg->top,
	      "issuers list is the top level");
	CHECK_STATUS(oidc_config_finish(cfg, NULL), OIDC_E_CONFIG,
		     "second finish refused");
	CHECK_STATUS(oidc_config_set(cfg, NULL, "leeway", "5", NULL), OIDC_E_CONFIG,
		     "set after finish refused");
	CHECK_STATUS(oidc_config_load_buffer(cfg, "x", "leeway = 5\n", 11, NULL),
		     OIDC_E_CONFIG, "load after finish refused");
	CHECK(cfg->top.leeway == 60, "value unchanged by a refused set");
	oidc_config_free(&cfg);
}

static void test_all_keys(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	const struct oidc_issuer_cfg *ic;
	char map[160];
	enum oidc_status st;

	write_text("all.map", "# username map\nAlice alice\r\n\n  bob  robert\n"
		   "carol\tcarol2\n", 0644, map, sizeof(map));
	st = load_text(&cfg,
		       "issuer = https://login.example.com:8443/tenant/v2.0\n"
		       "audience = api://mail, https://mail.example.com/#api\n"
		       "jwks_file = @JWKS@\n"
		       "hmac_secret_file = @SECRET64@\n"
		       "hmac_kid = shared-1\n"
		       "algorithms = RS256 ES256, HS256,HS512\n"
		       "leeway = 0\n"
		       "max_token_size = 65536\n"
		       "accept_typ = AT+JWT, application/at+jwt, Application/JOSE, absent\n"
		       "username_claim = preferred_username, email\n"
		       "username_map = lowercase, strip_domain:example.com, map_file:"
		       "@DIR@/all.map\n"
		       "required_scopes = imap smtp\n"
		       "required_claims = groups = admins | mail ops, amr=mfa\n"
		       "azp = client-1 client-2\n",
		       &err);
	CHECK_STATUS(st, OIDC_OK, "every key parses");
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "every key finishes");
	if (st != OIDC_OK) {
		printf("#   detail: %s\n", err.detail);
		oidc_config_free(&cfg);
		return;
	}
	ic = &cfg->top;
	CHECK(ic->audience.n == 2 &&
		      strcmp(ic->audience.v[1], "https://mail.example.com/#api") == 0,
	      "audience list, '#' inside a value is literal");
	CHECK(strcmp(ic->hmac_kid, "shared-1") == 0, "hmac_kid");
	CHECK(ic->algorithms == (OIDC_ALG_BIT(OIDC_ALG_RS256) |
				 OIDC_ALG_BIT(OIDC_ALG_ES256) |
				 OIDC_ALG_BIT(OIDC_ALG_HS256) |
				 OIDC_ALG_BIT(OIDC_ALG_HS512)),
	      "algorithms mask");
	CHECK(ic->keys && oidc_keyset_count(ic->keys) == 3,
	      "JWKS keys plus the HMAC key");
	CHECK(ic->leeway == 0 && ic->max_token_size == 65536, "numbers at bounds");
	CHECK(ic->accept_typ.n == 3 && strcmp(ic->accept_typ.v[0], "at+jwt") == 0 &&
		      strcmp(ic->accept_typ.v[1], "jose") == 0 &&
		      strcmp(ic->accept_typ.v[2], "absent") == 0,
	      "accept_typ normalised");
	CHECK(ic->username_claim.n == 2 &&
		      strcmp(ic->username_claim.v[1], "email") == 0,
	      "username_claim list");
	CHECK(ic->n_username_map == 3 && ic->username_map[0].op == OIDC_MAP_LOWERCASE &&
		      ic->username_map[1].op == OIDC_MAP_STRIP_DOMAIN &&
		      strcmp(ic->username_map[1].arg, "example.com") == 0 &&
		      ic->username_map[2].op == OIDC_MAP_FILE,
	      "username_map rules in order");
	CHECK(ic->n_username_map == 3 && ic->username_map[2].n_entries == 3 &&
		      strcmp(ic->username_map[2].entries[0].from, "Alice") == 0 &&
		      strcmp(ic->username_map[2].entries[0].to, "alice") == 0 &&
		      strcmp(ic->username_map[2].entries[1].to, "robert") == 0 &&
		      strcmp(ic->username_map[2].entries[2].to, "carol2") == 0,
	      "map file loaded (comments, CRLF, blanks, tabs)");
	CHECK(ic->required_scopes.n == 2 &&
		      strcmp(ic->required_scopes.v[0], "imap") == 0,
	      "required_scopes");
	CHECK(ic->n_required_claims == 2 &&
		      strcmp(ic->required_claims[0].claim, "groups") == 0 &&
		      ic->required_claims[0].values.n == 2 &&
		      strcmp(ic->required_claims[0].values.v[1], "mail ops") == 0 &&
		      strcmp(ic->required_claims[1].claim, "amr") == 0 &&
		      ic->required_claims[1].values.n == 1,
	      "required_claims clauses");
	CHECK(ic->azp.n == 2 && strcmp(ic->azp.v[1], "client-2") == 0, "azp");
	CHECK(ic->set_bits != 0, "explicit keys are marked as set");
	oidc_config_free(&cfg);
}

struct value_case {
	const char *key;
	const char *value;
	enum oidc_status want;
};

static const struct value_case value_cases[] = {
	{ "issuer", "https://idp.example.com", OIDC_OK },
	{ "issuer", "https://[2001:db8::1]:8443/x", OIDC_OK },
	{ "issuer", "http://127.0.0.1:8080/realms/test", OIDC_OK },
	{ "issuer", "http://[::1]/", OIDC_OK },
	{ "issuer", "http://localhost:3000", OIDC_OK },
	{ "issuer", "http://idp.example.com", OIDC_E_CONFIG },
	{ "issuer", "http://127.0.0.2/", OIDC_E_CONFIG },
	{ "issuer", "http://localhost.evil.example/", OIDC_E_CONFIG },
	{ "issuer", "ftp://idp.example.com", OIDC_E_CONFIG },
	{ "issuer", "HTTPS://idp.example.com", OIDC_E_CONFIG },
	{ "issuer", "https://", OIDC_E_CONFIG },
	{ "issuer", "https://user@idp.example.com/", OIDC_E_CONFIG },
	{ "issuer", "https://idp.example.com:0/", OIDC_E_CONFIG },
	{ "issuer", "https://idp.example.com:99999/", OIDC_E_CONFIG },
	{ "issuer", "https://idp.example.com/?a=b", OIDC_E_CONFIG },
	{ "issuer", "https://idp.example.com/#f", OIDC_E_CONFIG },
	{ "issuer", "https://idp.example.com/a b", OIDC_E_CONFIG },
	{ "issuer", "https://{tenantid}.example.com/", OIDC_E_CONFIG },
	{ "issuer", "https://h/{tenantid}/{tenantid}", OIDC_E_CONFIG },
	{ "issuer", "https://h/{tenant}/v2.0", OIDC_E_CONFIG },
	{ "audience", "api://x", OIDC_OK },
	{ "audience", ",", OIDC_E_CONFIG },
	{ "audience", "a\"b", OIDC_E_CONFIG },
	{ "jwks_file", "/etc/oidc/jwks.json", OIDC_OK },
	{ "jwks_file", "jwks.json", OIDC_E_CONFIG },
	{ "hmac_secret_file", "/etc/oidc/secret", OIDC_OK },
	{ "hmac_secret_file", "secret", OIDC_E_CONFIG },
	{ "hmac_kid", "k 1", OIDC_OK },
	{ "algorithms", "PS256, EdDSA, ES512", OIDC_OK },
	{ "algorithms", "none", OIDC_E_CONFIG },
	{ "algorithms", "RS256, None", OIDC_E_CONFIG },
	{ "algorithms", "rs256", OIDC_E_CONFIG },
	{ "algorithms", "RS999", OIDC_E_CONFIG },
	{ "algorithms", ", ,", OIDC_E_CONFIG },
	{ "leeway", "300", OIDC_OK },
	{ "leeway", "301", OIDC_E_CONFIG },
	{ "leeway", "-1", OIDC_E_CONFIG },
	{ "leeway", "60s", OIDC_E_CONFIG },
	{ "leeway", "0x10", OIDC_E_CONFIG },
	{ "leeway", "+5", OIDC_E_CONFIG },
	{ "leeway", "99999999999999999999999", OIDC_E_CONFIG },
	{ "max_token_size", "1024", OIDC_OK },
	{ "max_token_size", "1023", OIDC_E_CONFIG },
	{ "max_token_size", "65537", OIDC_E_CONFIG },
	{ "accept_typ", "at+jwt", OIDC_OK },
	{ "accept_typ", "application/", OIDC_E_CONFIG },
	{ "accept_typ", "text/plain", OIDC_E_CONFIG },
	{ "accept_typ", "jwt, JWT, text/plain", OIDC_E_CONFIG },
	{ "accept_typ", "JWT, jwt, application/jwt", OIDC_OK },
	{ "username_claim", "upn", OIDC_OK },
	{ "username_claim", "a\\b", OIDC_E_CONFIG },
	{ "username_map", "lowercase", OIDC_OK },
	{ "username_map", "uppercase", OIDC_E_CONFIG },
	{ "username_map", "strip_domain:", OIDC_E_CONFIG },
	{ "username_map", "strip_domain:@example.com", OIDC_E_CONFIG },
	{ "username_map", "map_file:users.map", OIDC_E_CONFIG },
	{ "username_map", "lowercase, keep_domain:partner.example", OIDC_OK },
	{ "username_map", "keep_domain:", OIDC_E_CONFIG },
	{ "username_map", "keep_domain:@partner.example", OIDC_E_CONFIG },
	{ "min_user_uid", "1000", OIDC_OK },
	{ "min_user_uid", "1", OIDC_OK },
	{ "min_user_uid", "0", OIDC_E_CONFIG },
	{ "min_user_uid", "2147483647", OIDC_OK },
	{ "min_user_uid", "2147483648", OIDC_E_CONFIG },
	{ "allow_system_users", "svc-backup, nagios", OIDC_OK },
	{ "username_namespace", "staff", OIDC_OK },
	{ "required_scopes", "mail.read", OIDC_OK },
	{ "required_scopes", "a\"b", OIDC_E_CONFIG },
	{ "required_claims", "groups=admins", OIDC_OK },
	{ "required_claims", "groups", OIDC_E_CONFIG },
	{ "required_claims", "=admins", OIDC_E_CONFIG },
	{ "required_claims", "groups=", OIDC_E_CONFIG },
	{ "required_claims", "groups=a||b", OIDC_E_CONFIG },
	{ "required_claims", "groups=a,", OIDC_E_CONFIG },
	{ "azp", "client-1", OIDC_OK },
	{ "azp", "bad\\azp", OIDC_E_CONFIG },
	{ "allowed_tenants", "9188040d-6c67-4c5b-b112-36a304b66dad", OIDC_OK },
	{ "allowed_tenants", "ten/ant", OIDC_E_CONFIG },
	{ "no_such_key", "1", OIDC_E_CONFIG },
	{ "Issuer", "https://idp.example.com", OIDC_E_CONFIG },
};

/* Each value through both sources: oidc_config_set and a file line. */
static void test_values(void)
{
	for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];
		struct oidc_config *cfg = NULL;
		struct oidc_error err = { OIDC_OK, "" };
		char line[512];

		if (oidc_config_new(&cfg, NULL) != OIDC_OK)
			abort();
		CHECK_STATUS(oidc_config_set(cfg, NULL, c->key, c->value, &err), c->want,
			     "set %s = %s", c->key, c->value);
		if (c->want != OIDC_OK)
			CHECK(strncmp(err.detail, "argument ", 9) == 0,
			      "argument error detail names its source (%s)", c->key);
		oidc_config_free(&cfg);
		snprintf(line, sizeof(line), "\n%s = %s\n", c->key, c->value);
		CHECK_STATUS(parse_status(line, &err), c->want, "file %s = %s", c->key,
			     c->value);
		if (c->want != OIDC_OK)
			CHECK(strstr(err.detail, "t.conf:2:") != NULL,
			      "file error detail names file and line (%s)", c->key);
	}
}

static void test_file_syntax(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	char *big;

	CHECK_STATUS(parse_status("issuer = https://a.example\n# x\nbogus = 1\n", &err),
		     OIDC_E_CONFIG, "unknown key refused");
	CHECK(strstr(err.detail, ":3:") && strstr(err.detail, "bogus"),
	      "unknown key detail has line 3 and the key");
	CHECK_STATUS(parse_status("leeway = 10\naudience = a\nleeway = 20\n", &err),
		     OIDC_E_CONFIG, "duplicate key in one section refused");
	CHECK(strstr(err.detail, ":3:") != NULL, "duplicate key detail has line 3");
	CHECK_STATUS(parse_status("leeway = 10\n[issuer a]\nleeway = 20\n"
				  "[issuer b]\nleeway = 30\n", NULL),
		     OIDC_OK, "same key in different sections is fine");
	CHECK_STATUS(parse_status("leeway\n", NULL), OIDC_E_CONFIG, "line without '='");
	CHECK_STATUS(parse_status(" = 5\n", NULL), OIDC_E_CONFIG, "line without key");
	CHECK_STATUS(parse_status("leeway =\n", NULL), OIDC_E_CONFIG, "empty value");
	CHECK_STATUS(parse_status("leeway =   \t\n", NULL), OIDC_E_CONFIG,
		     "blank value");
	CHECK_STATUS(parse_status("leeway = 10 # ten\n", NULL), OIDC_E_CONFIG,
		     "a '#' after a value is part of the value (no inline comments)");
	CHECK_STATUS(parse_status("  # indented comment\r\n\t\r\nleeway = 10\r\n", NULL),
		     OIDC_OK, "CRLF, indented comments and blank lines");
	CHECK_STATUS(parse_status("leeway = 10", NULL), OIDC_OK,
		     "last line without newline");
	CHECK_STATUS(parse_status("leeway = 1\x01" "0\n", NULL), OIDC_E_CONFIG,
		     "control character refused");
	CHECK_STATUS(oidc_config_new(&cfg, NULL), OIDC_OK, "new for NUL test");
	CHECK_STATUS(oidc_config_load_buffer(cfg, "n.conf", "leeway = 1\0\n", 12, &err),
		     OIDC_E_CONFIG, "NUL byte refused");
	CHECK_STATUS(oidc_config_load_buffer(cfg, "n.conf", "", 0, &err), OIDC_OK,
		     "empty buffer is an empty config");
	oidc_config_free(&cfg);

	big = malloc(OIDC_CONFIG_FILE_MAX + 2);
	if (!big)
		abort();
	/* a comment line of exactly the maximum length, then one byte more */
	memset(big, ' ', OIDC_CONFIG_LINE_MAX);
	big[0] = '#';
	big[OIDC_CONFIG_LINE_MAX - 1] = '\n';
	big[OIDC_CONFIG_LINE_MAX] = '\0';
	CHECK_STATUS(parse_status(big, NULL), OIDC_OK, "line of %d bytes accepted",
		     OIDC_CONFIG_LINE_MAX - 1);
	big[OIDC_CONFIG_LINE_MAX - 1] = ' ';
	big[OIDC_CONFIG_LINE_MAX] = '\n';
	big[OIDC_CONFIG_LINE_MAX + 1] = '\0';
	CHECK_STATUS(parse_status(big, &err), OIDC_E_CONFIG, "line of %d bytes refused",
		     OIDC_CONFIG_LINE_MAX);
	CHECK(strstr(err.detail, ":1:") != NULL, "long line detail has line 1");
	memset(big, '\n', OIDC_CONFIG_FILE_MAX + 1);
	CHECK_STATUS(oidc_config_new(&cfg, NULL), OIDC_OK, "new for size test");
	CHECK_STATUS(oidc_config_load_buffer(cfg, "big", big, OIDC_CONFIG_FILE_MAX, NULL),
		     OIDC_OK, "buffer of the maximum size");
	CHECK_STATUS(oidc_config_load_buffer(cfg, "big", big, OIDC_CONFIG_FILE_MAX + 1,
					     NULL),
		     OIDC_E_CONFIG, "buffer over the maximum size");
	oidc_config_free(&cfg);
	free(big);
}

#define NAME60 "a23456789012345678901234567890123456789012345678901234567890"

static void test_sections(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	const struct oidc_issuer_cfg *const *list = NULL;
	struct oidc_issuer_cfg *a, *b;
	enum oidc_status st;

	st = load_text(&cfg,
		       "audience = api://mail\n"
		       "leeway = 10\n"
		       "jwks_file = @JWKS@\n"
		       "required_scopes = imap\n"
		       /* names shared on purpose: this is about inheritance */
		       "[issuer corp]\n"
		       "issuer = https://corp.example.com\n"
		       "username_namespace = all\n"
		       "[ issuer  partner ]\n"
		       "issuer = https://partner.example.com\n"
		       "leeway = 20\n"
		       "audience = api://partner\n"
		       "username_namespace = all\n",
		       &err);
	CHECK_STATUS(st, OIDC_OK, "two sections parse");
	if (st != OIDC_OK || cfg->n_sections != 2) {
		printf("#   detail: %s\n", err.detail);
		oidc_config_free(&cfg);
		return;
	}
	a = cfg->sections[0];
	b = cfg->sections[1];
	CHECK(strcmp(a->name, "corp") == 0 && strcmp(b->name, "partner") == 0,
	      "section names");
	CHECK(a->leeway == 10 && b->leeway == 20, "section inherits or overrides leeway");
	CHECK(strcmp(a->audience.v[0], "api://mail") == 0 &&
		      strcmp(b->audience.v[0], "api://partner") == 0,
	      "audience inherited / overridden");
	CHECK(a->required_scopes.n == 1 && b->required_scopes.n == 1 &&
		      a->required_scopes.v != cfg->top.required_scopes.v,
	      "inherited lists are deep copies");
	CHECK(cfg->top.issuer == NULL, "no issuer at the top level");

	/* later sources win: top-level set overrides every section */
	CHECK_STATUS(oidc_config_set(cfg, NULL, "leeway", "30", NULL), OIDC_OK,
		     "top-level set");
	CHECK(cfg->top.leeway == 30 && a->leeway == 30 && b->leeway == 30,
	      "top-level set overrides every section");
	CHECK_STATUS(oidc_config_set(cfg, "corp", "leeway", "5", NULL), OIDC_OK,
		     "section set");
	CHECK(a->leeway == 5 && b->leeway == 30 && cfg->top.leeway == 30,
	      "section set changes only that section");
	CHECK_STATUS(oidc_config_set(cfg, "bad/name", "leeway", "5", NULL),
		     OIDC_E_CONFIG, "set with a bad section name");
	CHECK_STATUS(oidc_config_set(cfg, "default", "leeway", "5", NULL),
		     OIDC_E_CONFIG, "section name default is reserved");
	CHECK_STATUS(oidc_config_set(cfg, "fourth", "leeway", "999", NULL),
		     OIDC_E_CONFIG, "set of a bad value in a new section");
	CHECK(cfg->n_sections == 2, "a refused set creates no section");
	CHECK_STATUS(oidc_config_set(cfg, "third", "issuer", "https://third.example.com",
				     NULL),
		     OIDC_OK, "set creates a section");
	CHECK(cfg->n_sections == 3 && cfg->sections[2]->leeway == 30 &&
		      cfg->sections[2]->required_scopes.n == 1,
	      "a section created by set copies the top level");
	CHECK_STATUS(oidc_config_set(cfg, "third", "username_namespace", "all", NULL),
		     OIDC_OK, "set username_namespace in a section");
	st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "sections finish");
	if (st != OIDC_OK)
		printf("#   detail: %s\n", err.detail);
	CHECK(oidc_config_issuers(cfg, &list) == 3 && list[0] == a && list[1] == b,
	      "issuers are the sections");
	CHECK(a->keys && b->keys && a->keys != b->keys, "each section has its keys");
	oidc_config_free(&cfg);

	CHECK_STATUS(finish_status("issuer = https://a.example\n" BASE, NULL),
		     OIDC_E_CONFIG, "same key twice at the top level");
	CHECK_STATUS(finish_status("issuer = https://top.example\naudience = a\n"
				   "jwks_file = @JWKS@\n[issuer x]\n"
				   "issuer = https://x.example\n", &err),
		     OIDC_E_CONFIG, "issuer at the top level with sections");
	CHECK_STATUS(parse_status("[issuer a]\n[issuer a]\n", &err), OIDC_E_CONFIG,
		     "section defined twice");
	CHECK(strstr(err.detail, ":2:") != NULL, "duplicate section detail has line 2");
	CHECK_STATUS(parse_status("[issuer]\n", NULL), OIDC_E_CONFIG, "section without name");
	CHECK_STATUS(parse_status("[issuer a/b]\n", NULL), OIDC_E_CONFIG,
		     "section name with '/'");
	CHECK_STATUS(parse_status("[issuer default]\n", NULL), OIDC_E_CONFIG,
		     "section named default");
	CHECK_STATUS(parse_status("[issuer " NAME60 "abcd]\n", NULL), OIDC_E_CONFIG,
		     "section name of 64 characters");
	CHECK_STATUS(parse_status("[issuer " NAME60 "abc]\n", NULL), OIDC_OK,
		     "section name of 63 characters");
	CHECK_STATUS(parse_status("[tenant a]\n", NULL), OIDC_E_CONFIG, "unknown section kind");
	CHECK_STATUS(parse_status("[issuer a\n", NULL), OIDC_E_CONFIG, "unclosed section");
	CHECK_STATUS(finish_status(BASE "[issuer a]\n", NULL), OIDC_E_CONFIG,
		     "top-level issuer copied into a section is still refused");
	CHECK_STATUS(finish_status("audience = x\njwks_file = @JWKS@\n"
				   "[issuer a]\nissuer = https://same.example\n"
				   "[issuer b]\nissuer = https://same.example\n", NULL),
		     OIDC_E_CONFIG, "two sections with the same issuer");
	CHECK_STATUS(finish_status("audience = x\njwks_file = @JWKS@\n"
				   "[issuer a]\nissuer = https://same.example\n"
				   "username_map = keep_domain:a.example\n"
				   "[issuer b]\nissuer = https://same.example/\n"
				   "username_map = keep_domain:b.example\n", NULL),
		     OIDC_OK, "issuers differing by a trailing slash are distinct");
	CHECK_STATUS(finish_status("audience = x\njwks_file = @JWKS@\n"
				   "[issuer multi]\n"
				   "issuer = https://login.example.com/{tenantid}/v2.0\n"
				   "allowed_tenants = t1\n"
				   "[issuer one]\n"
				   "issuer = https://login.example.com/t1/v2.0\n", NULL),
		     OIDC_E_CONFIG, "a plain issuer the template also matches");
	CHECK_STATUS(finish_status("audience = x\njwks_file = @JWKS@\n"
				   "[issuer one]\nissuer = https://login.example.com/t1/v2.0\n"
				   "username_map = keep_domain:t1.example\n"
				   "[issuer two]\nissuer = https://login.example.com/t2/v2.0\n"
				   "username_map = keep_domain:t2.example\n",
				   NULL),
		     OIDC_OK, "distinct plain issuers");
}

static void test_templates(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	static const char tmpl[] = "https://login.microsoftonline.com/{tenantid}/v2.0";
	enum oidc_status st;

	st = load_text(&cfg,
		       "issuer = https://login.microsoftonline.com/{tenantid}/v2.0\n"
		       "audience = api://mail\njwks_file = @JWKS@\n"
		       "allowed_tenants = 9188040d-6c67-4c5b-b112-36a304b66dad, contoso\n"
		       /* the two tenants may have the same names: said so */
		       "username_namespace = both-tenants\n",
		       &err);
	CHECK_STATUS(st, OIDC_OK, "template issuer parses");
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "template issuer with allowed_tenants finishes");
	if (st == OIDC_OK) {
		CHECK(cfg->top.is_template, "is_template");
		CHECK(cfg->top.issuer_prefix_len ==
			      (size_t)(strstr(tmpl, "{tenantid}") - tmpl),
		      "issuer_prefix_len is the offset of {tenantid}");
		CHECK(cfg->top.allowed_tenants.n == 2, "allowed_tenants");
	}
	oidc_config_free(&cfg);
	CHECK_STATUS(finish_status("issuer = https://login.microsoftonline.com/"
				   "{tenantid}/v2.0\naudience = a\njwks_file = @JWKS@\n",
				   &err),
		     OIDC_E_CONFIG, "template issuer without allowed_tenants");
	CHECK(strstr(err.detail, "allowed_tenants") != NULL,
	      "template error names allowed_tenants");
	CHECK_STATUS(finish_status(BASE "allowed_tenants = t1\n", NULL), OIDC_E_CONFIG,
		     "allowed_tenants with a plain issuer");
}

static void test_secrets(void)
{
	char p[160], big[OIDC_SECRET_MAX + 16];
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	static const char hs256[] = BASE "algorithms = RS256, HS256\n"
				    "hmac_secret_file = @SECRET32@\n";
	enum oidc_status st;

	CHECK_STATUS(finish_status(hs256, &err), OIDC_OK, "secret file 0600 accepted");
	if (err.status != OIDC_OK)
		printf("#   detail: %s\n", err.detail);
	chmod(secret32_path, 0644);
	CHECK_STATUS(finish_status(hs256, NULL), OIDC_E_CONFIG, "secret file 0644 refused");
	chmod(secret32_path, 0640);
	CHECK_STATUS(finish_status(hs256, NULL), OIDC_E_CONFIG, "secret file 0640 refused");
	chmod(secret32_path, 0602);
	CHECK_STATUS(finish_status(hs256, NULL), OIDC_E_CONFIG, "secret file 0602 refused");
	chmod(secret32_path, 0400);
	CHECK_STATUS(finish_status(hs256, NULL), OIDC_OK, "secret file 0400 accepted");
	chmod(secret32_path, 0600);
	if (geteuid() == 0) {
		CHECK(chown(secret32_path, 65534, 65534) == 0, "chown secret to nobody");
		CHECK_STATUS(finish_status(hs256, NULL), OIDC_E_CONFIG,
			     "secret file owned by another user refused");
		CHECK(chown(secret32_path, 0, 0) == 0, "chown secret back");
	}
	CHECK_STATUS(finish_status(BASE "algorithms = RS256, HS256\n"
				   "hmac_secret_file = @SHORT@\n", &err),
		     OIDC_E_CONFIG, "31-byte secret refused");
	CHECK(strstr(err.detail, "hmac_secret_file") != NULL,
	      "short secret detail names the key");
	path_in_dir(p, sizeof(p), "empty.secret");
	write_file(p, "", 0, 0600);
	CHECK_STATUS(finish_status(BASE "algorithms = RS256, HS256\n"
				   "hmac_secret_file = @DIR@/empty.secret\n", NULL),
		     OIDC_E_CONFIG, "empty secret refused");
	path_in_dir(p, sizeof(p), "big.secret");
	memset(big, 'k', sizeof(big));
	write_file(p, big, OIDC_SECRET_MAX, 0600);
	CHECK_STATUS(finish_status(BASE "algorithms = RS256, HS256\n"
				   "hmac_secret_file = @DIR@/big.secret\n", NULL),
		     OIDC_OK, "secret of OIDC_SECRET_MAX bytes accepted");
	write_file(p, big, OIDC_SECRET_MAX + 1, 0600);
	CHECK_STATUS(finish_status(BASE "algorithms = RS256, HS256\n"
				   "hmac_secret_file = @DIR@/big.secret\n", NULL),
		     OIDC_E_CONFIG, "secret over OIDC_SECRET_MAX refused");
	CHECK_STATUS(finish_status(BASE "algorithms = HS512, RS256\n"
				   "hmac_secret_file = @SECRET32@\n", NULL),
		     OIDC_E_CONFIG, "HS512 with a 32-byte secret refused");
	CHECK_STATUS(finish_status(BASE "algorithms = HS384, RS256\n"
				   "hmac_secret_file = @SECRET32@\n", NULL),
		     OIDC_E_CONFIG, "HS384 with a 32-byte secret refused");
	CHECK_STATUS(finish_status(BASE "algorithms = HS512, RS256\n"
				   "hmac_secret_file = @SECRET64@\n", NULL),
		     OIDC_OK, "HS512 with a 64-byte secret accepted");
	CHECK_STATUS(finish_status(BASE "algorithms = HS256, RS256\n"
				   "hmac_secret_file = @DIR@/missing.secret\n", NULL),
		     OIDC_E_CONFIG, "missing secret file refused");
	CHECK_STATUS(finish_status(BASE "algorithms = HS256, RS256\n"
				   "hmac_secret_file = @DIR@\n", NULL),
		     OIDC_E_CONFIG, "directory as secret file refused");
	CHECK_STATUS(finish_status(BASE "algorithms = HS256, RS256\n"
				   "hmac_secret_file = @SECRET32@\nhmac_kid = rsa1\n", NULL),
		     OIDC_E_CONFIG, "hmac_kid equal to a JWKS kid refused");

	/* HMAC only: no JWKS needed when no asymmetric algorithm is allowed */
	st = load_text(&cfg, "issuer = https://idp.example.com\naudience = a\n"
			     "algorithms = HS256\nhmac_secret_file = @SECRET32@\n",
		       &err);
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "HMAC-only issuer");
	CHECK(st == OIDC_OK && cfg->top.keys && oidc_keyset_count(cfg->top.keys) == 1,
	      "HMAC-only issuer has one key");
	oidc_config_free(&cfg);
}

static void test_contradictions(void)
{
	static const struct {
		const char *text;
		const char *name;
	} cases[] = {
		{ "audience = a\njwks_file = @JWKS@\n", "no issuer" },
		{ "issuer = https://i.example\njwks_file = @JWKS@\n", "no audience" },
		{ BASE "jwks_uri = https://i.example/jwks\n", "jwks_file and jwks_uri" },
		{ BASE "discovery_url = https://i.example/d\n",
		  "jwks_file and discovery_url" },
		{ "issuer = https://i.example\naudience = a\nalgorithms = HS256\n"
		  "hmac_secret_file = @SECRET32@\njwks_uri = https://i.example/jwks\n",
		  "hmac_secret_file and jwks_uri" },
		{ "issuer = https://login.example/{tenantid}/v2.0\naudience = a\n"
		  "allowed_tenants = t1\n", "template issuer without discovery_url" },
		{ "issuer = https://i.example\naudience = a\ncache_ttl_min = 900\n"
		  "cache_ttl_max = 600\n", "cache_ttl_min above cache_ttl_max" },
		{ BASE "algorithms = RS256, HS256\n", "HS256 without hmac_secret_file" },
		{ BASE "hmac_secret_file = @SECRET32@\n",
		  "hmac_secret_file without an HS algorithm" },
		{ "issuer = https://i.example\naudience = a\nalgorithms = HS256, ES256\n"
		  "hmac_secret_file = @SECRET32@\n",
		  "asymmetric algorithm without jwks_file" },
		{ BASE "hmac_kid = k1\n", "hmac_kid without hmac_secret_file" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STATUS(finish_status(cases[i].text, NULL), OIDC_E_CONFIG,
			     "contradiction: %s", cases[i].name);
	CHECK_STATUS(finish_status(BASE, NULL), OIDC_OK,
		     "the same base without contradiction finishes");
}

/* Without a local key file the keys come from the provider. */
static void test_network_keys(void)
{
	static const struct {
		const char *text;
		enum oidc_status want;
		const char *name;
	} cases[] = {
		{ "issuer = https://i.example\naudience = a\n", OIDC_OK,
		  "no key file: discovery from the issuer" },
		{ "issuer = https://i.example\naudience = a\n"
		  "jwks_uri = https://keys.example/jwks?x=1\n", OIDC_OK, "explicit jwks_uri" },
		{ "issuer = https://login.example/{tenantid}/v2.0\naudience = a\n"
		  "allowed_tenants = t1\ndiscovery_url = https://login.example/"
		  "organizations/v2.0/.well-known/openid-configuration\n", OIDC_OK,
		  "template issuer with discovery_url" },
		{ "issuer = https://i.example\naudience = a\njwks_uri = http://i.example/j\n",
		  OIDC_E_CONFIG, "http jwks_uri refused" },
		{ "issuer = https://i.example\naudience = a\n"
		  "jwks_uri = http://127.0.0.1:8443/j\n", OIDC_OK,
		  "http jwks_uri on loopback (tests)" },
		{ "issuer = https://i.example\naudience = a\n"
		  "discovery_url = https://i.example/d#frag\n", OIDC_E_CONFIG,
		  "discovery_url with a fragment refused" },
		{ "issuer = https://i.example\naudience = a\nhttp_timeout = 0\n",
		  OIDC_E_CONFIG, "http_timeout 0 refused" },
		{ "issuer = https://i.example\naudience = a\nhttp_timeout = 61\n",
		  OIDC_E_CONFIG, "http_timeout 61 refused" },
		{ "issuer = https://i.example\naudience = a\nproxy = ftp://p.example\n",
		  OIDC_E_CONFIG, "ftp proxy refused" },
		{ "issuer = https://i.example\naudience = a\nproxy = http://p.example:3128\n",
		  OIDC_OK, "http proxy" },
		{ "issuer = https://i.example\naudience = a\ncache_dir = relative/dir\n",
		  OIDC_E_CONFIG, "relative cache_dir refused" },
		{ "issuer = https://i.example\naudience = a\ntoken_types = jwt, opaque\n",
		  OIDC_E_CONFIG, "opaque without client credentials refused" },
		{ "issuer = https://i.example\naudience = a\ntoken_types = jwt, opaque\n"
		  "client_id = c\nclient_secret_file = @SECRET32@\n", OIDC_OK,
		  "opaque with client credentials (endpoint from discovery)" },
		{ "issuer = https://i.example\naudience = a\ntoken_types = opaque\n"
		  "client_id = c\nclient_secret_file = @SECRET32@\nclient_auth = post\n",
		  OIDC_OK, "opaque only, client_secret_post" },
		{ "issuer = https://i.example\naudience = a\ntoken_types = jwt, opaque\n"
		  "client_id = c\nclient_secret_file = @SECRET32@\nclient_auth = digest\n",
		  OIDC_E_CONFIG, "client_auth other than basic/post refused" },
		{ "issuer = https://i.example\naudience = a\ntoken_types = jwt, saml\n",
		  OIDC_E_CONFIG, "unknown token type refused" },
		{ "issuer = https://i.example\naudience = a\n"
		  "introspection_endpoint = https://i.example/introspect\n", OIDC_E_CONFIG,
		  "introspection_endpoint without opaque in token_types refused" },
		{ "[issuer a]\nissuer = https://a.example\naudience = a\ntoken_types = opaque\n"
		  "client_id = c\nclient_secret_file = @SECRET32@\n[issuer b]\n"
		  "issuer = https://b.example\naudience = a\ntoken_types = opaque\n"
		  "client_id = c\nclient_secret_file = @SECRET32@\n", OIDC_E_CONFIG,
		  "opaque tokens for two issuers refused" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STATUS(finish_status(cases[i].text, NULL), cases[i].want,
			     "network keys: %s", cases[i].name);
}

/* Client-side keys: ID tokens, userinfo modes, device flow requests. */
static void test_client_side_keys(void)
{
#define NET "issuer = https://i.example\naudience = a\n"
#define OPQ "token_types = opaque\n"
	static const struct {
		const char *text;
		enum oidc_status want;
		const char *name;
	} cases[] = {
		{ NET "accept_id_tokens = yes\nclient_id = c\n", OIDC_OK, "ID tokens with client_id" },
		{ NET "accept_id_tokens = yes\n", OIDC_E_CONFIG, "ID tokens without client_id" },
		{ NET "accept_id_tokens = maybe\nclient_id = c\n", OIDC_E_CONFIG,
		  "accept_id_tokens neither yes nor no" },
		{ NET "accept_id_tokens = yes, no\nclient_id = c\n", OIDC_E_CONFIG,
		  "accept_id_tokens with two values" },
		{ NET "accept_id_tokens = no\n", OIDC_OK, "accept_id_tokens = no" },
		{ NET "userinfo = enrich\n", OIDC_OK, "userinfo enrich, endpoint from discovery" },
		{ NET OPQ "userinfo = validate\ntokeninfo_endpoint = https://i.example/ti\n",
		  OIDC_OK, "userinfo validate: opaque tokens need no introspection credentials" },
		{ NET OPQ "userinfo = validate\n", OIDC_E_CONFIG,
		  "userinfo validate without tokeninfo_endpoint: nothing binds the token" },
		{ NET OPQ "tokeninfo_endpoint = https://i.example/ti\n", OIDC_E_CONFIG,
		  "tokeninfo_endpoint without userinfo = validate" },
		{ NET OPQ "userinfo = validate\ntokeninfo_endpoint = http://i.example/ti\n",
		  OIDC_E_CONFIG, "http tokeninfo_endpoint refused" },
		{ "issuer = https://i.example\naccept_clients = c1, c2\n", OIDC_OK,
		  "accept_clients without audience (Cognito access tokens have no aud)" },
		{ "issuer = https://i.example\n", OIDC_E_CONFIG,
		  "neither audience nor accept_clients" },
		{ NET "userinfo = validate\n", OIDC_E_CONFIG,
		  "userinfo validate without opaque token_types" },
		{ NET "userinfo = sometimes\n", OIDC_E_CONFIG, "unknown userinfo mode" },
		{ NET "userinfo_endpoint = https://i.example/me\n", OIDC_E_CONFIG,
		  "userinfo_endpoint while userinfo is off" },
		{ NET "userinfo = enrich\nuserinfo_endpoint = http://i.example/me\n",
		  OIDC_E_CONFIG, "http userinfo_endpoint refused" },
		{ "issuer = https://i.example\naudience = a\njwks_file = @JWKS@\n"
		  "userinfo = enrich\n", OIDC_E_CONFIG,
		  "userinfo with local keys needs userinfo_endpoint" },
		{ "issuer = https://i.example\naudience = a\njwks_file = @JWKS@\n"
		  "userinfo = enrich\nuserinfo_endpoint = https://i.example/me\n", OIDC_OK,
		  "userinfo with local keys and an endpoint" },
		{ NET "client_id = c\nclient_secret_file = @SECRET32@\n", OIDC_OK,
		  "client credentials for the device flow without opaque tokens" },
		{ NET "client_secret_file = @SECRET32@\n", OIDC_E_CONFIG,
		  "client_secret_file without client_id" },
		{ NET "request_scopes = openid email offline_access\n", OIDC_OK,
		  "request_scopes" },
		{ NET "request_scopes = open\"id\n", OIDC_E_CONFIG,
		  "request_scopes with a quote refused" },
		{ NET "request_resource = https://mail.example/\n", OIDC_OK, "request_resource" },
		{ NET "request_resource = api://1234\n", OIDC_OK, "request_resource api: URI" },
		{ NET "request_resource = mail\n", OIDC_E_CONFIG, "relative request_resource" },
		{ NET "request_resource = https://m.example/#x\n", OIDC_E_CONFIG,
		  "request_resource with a fragment" },
		{ NET "request_resource = https://a.example/, https://b.example/\n",
		  OIDC_E_CONFIG, "two request_resource values" },
		{ NET "token_endpoint = https://i.example/token\n"
		  "device_authorization_endpoint = https://i.example/device\n", OIDC_OK,
		  "explicit token and device endpoints" },
		{ NET "token_endpoint = http://i.example/token\n", OIDC_E_CONFIG,
		  "http token_endpoint refused" },
		{ NET "device_timeout = 9\n", OIDC_E_CONFIG, "device_timeout below 10" },
		{ NET "device_timeout = 3601\n", OIDC_E_CONFIG, "device_timeout above 3600" },
		{ NET "device_timeout = 110\n", OIDC_OK, "device_timeout 110" },
	};
#undef NET
#undef OPQ

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STATUS(finish_status(cases[i].text, NULL), cases[i].want,
			     "client side: %s", cases[i].name);
}

static void test_set_api(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };

	if (oidc_config_new(&cfg, NULL) != OIDC_OK)
		abort();
	CHECK_STATUS(oidc_config_set(cfg, NULL, "leeway", NULL, &err), OIDC_E_CONFIG,
		     "set with NULL value");
	CHECK_STATUS(oidc_config_set(cfg, NULL, "leeway", "", &err), OIDC_E_CONFIG,
		     "set with empty value");
	CHECK_STATUS(oidc_config_set(cfg, NULL, "leeway", " 42 ", &err), OIDC_OK,
		     "set trims the value");
	CHECK(cfg->top.leeway == 42, "trimmed value applied");
	CHECK_STATUS(oidc_config_set(cfg, NULL, "audience", "a\nleeway = 1", &err),
		     OIDC_E_CONFIG, "set with a newline in the value");
	CHECK_STATUS(oidc_config_set(cfg, NULL, "leeway", "500", &err), OIDC_E_CONFIG,
		     "set out of range");
	CHECK(cfg->top.leeway == 42, "refused set leaves the old value");
	CHECK(strstr(err.detail, "argument leeway") != NULL,
	      "argument detail names the key");
	CHECK_STATUS(oidc_config_set(NULL, NULL, "leeway", "1", NULL), OIDC_E_INTERNAL,
		     "set without config");
	/* the file first, then arguments: the argument wins */
	CHECK_STATUS(oidc_config_load_buffer(cfg, "f", "max_token_size = 2048\n", 22,
					     &err),
		     OIDC_OK, "file sets max_token_size");
	CHECK_STATUS(oidc_config_set(cfg, NULL, "max_token_size", "4096", &err), OIDC_OK,
		     "argument overrides the file");
	CHECK(cfg->top.max_token_size == 4096, "later source wins");
	oidc_config_free(&cfg);
}

static void test_files(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	char p[160], *text = subst(BASE);
	enum oidc_status st;

	write_text("ok.conf", text, 0644, p, sizeof(p));
	CHECK_STATUS(oidc_config_new(&cfg, NULL), OIDC_OK, "new");
	st = oidc_config_load_file(cfg, p, &err);
	CHECK_STATUS(st, OIDC_OK, "config file 0644 loads");
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "config file finishes");
	oidc_config_free(&cfg);

	chmod(p, 0664);
	oidc_config_new(&cfg, NULL);
	CHECK_STATUS(oidc_config_load_file(cfg, p, &err), OIDC_E_CONFIG,
		     "group-writable config file refused");
	chmod(p, 0646);
	CHECK_STATUS(oidc_config_load_file(cfg, p, &err), OIDC_E_CONFIG,
		     "world-writable config file refused");
	chmod(p, 0644);
	if (geteuid() == 0) {
		CHECK(chown(p, 65534, 65534) == 0, "chown config to nobody");
		CHECK_STATUS(oidc_config_load_file(cfg, p, &err), OIDC_E_CONFIG,
			     "config file owned by another user refused");
		CHECK(chown(p, 0, 0) == 0, "chown config back");
	}
	CHECK_STATUS(oidc_config_load_file(cfg, dir, &err), OIDC_E_CONFIG,
		     "directory as config file refused");
	path_in_dir(p, sizeof(p), "missing.conf");
	CHECK_STATUS(oidc_config_load_file(cfg, p, &err), OIDC_E_CONFIG,
		     "missing config file refused");
	CHECK(strstr(err.detail, "missing.conf") != NULL, "detail names the file");
	CHECK_STATUS(oidc_config_load_file(cfg, "/dev/null", &err), OIDC_E_CONFIG,
		     "character device refused");
	oidc_config_free(&cfg);
	free(text);

	/* the JWKS decides who logs in: same rules as the config file */
	chmod(jwks_path, 0666);
	CHECK_STATUS(finish_status(BASE, NULL), OIDC_E_CONFIG, "world-writable JWKS refused");
	chmod(jwks_path, 0644);
	CHECK_STATUS(finish_status("issuer = https://i.example\naudience = a\n"
				   "jwks_file = @DIR@/missing.json\n", NULL),
		     OIDC_E_CONFIG, "missing JWKS refused");
	write_text("bad.json", "{\"keys\": [", 0644, p, sizeof(p));
	CHECK_STATUS(finish_status("issuer = https://i.example\naudience = a\n"
				   "jwks_file = @DIR@/bad.json\n", NULL),
		     OIDC_E_CONFIG, "malformed JWKS refused");

	/* map files */
	write_text("dup.map", "alice a\nbob b\nalice c\n", 0644, p, sizeof(p));
	CHECK_STATUS(finish_status(BASE "username_map = map_file:@DIR@/dup.map\n", NULL),
		     OIDC_E_CONFIG, "map file with a duplicate from refused");
	write_text("three.map", "alice a extra\n", 0644, p, sizeof(p));
	CHECK_STATUS(finish_status(BASE "username_map = map_file:@DIR@/three.map\n", &err),
		     OIDC_E_CONFIG, "map line with three fields refused");
	CHECK(strstr(err.detail, "three.map:1:") != NULL, "map error names file and line");
	write_text("one.map", "# c\nalice\n", 0644, p, sizeof(p));
	CHECK_STATUS(finish_status(BASE "username_map = map_file:@DIR@/one.map\n", &err),
		     OIDC_E_CONFIG, "map line with one field refused");
	CHECK(strstr(err.detail, "one.map:2:") != NULL, "map error has line 2");
	write_text("open.map", "alice a\n", 0666, p, sizeof(p));
	CHECK_STATUS(finish_status(BASE "username_map = map_file:@DIR@/open.map\n", NULL),
		     OIDC_E_CONFIG, "world-writable map file refused");
	CHECK_STATUS(finish_status(BASE "username_map = map_file:@DIR@/nope.map\n", NULL),
		     OIDC_E_CONFIG, "missing map file refused");
	CHECK_STATUS(finish_status(BASE "username_map = map_file:@MAP@\n", NULL), OIDC_OK,
		     "good map file accepted");
}

/*
 * Every file the configuration names goes through the one trusted reader
 * (trusted_file.c, tested on its own in test_trusted_file.c): here, that
 * each of them really does: no symbolic links, no directory others can
 * write, and ca_file checked like the rest.
 */
static void test_trusted_files(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	char p[160], link[160], sub[160], subfile[200], *text = subst(BASE);
	char cfgtext[1024];

	write_text("real.conf", text, 0644, p, sizeof(p));
	path_in_dir(link, sizeof(link), "link.conf");
	CHECK(symlink(p, link) == 0, "symlink to a good config file");
	oidc_config_new(&cfg, NULL);
	CHECK_STATUS(oidc_config_load_file(cfg, link, &err), OIDC_E_CONFIG,
		     "config file through a symbolic link refused");
	CHECK(strstr(err.detail, "symbolic link") && strstr(err.detail, "link.conf"),
	      "the error names the link and the reason: %s", err.detail);
	oidc_config_free(&cfg);
	free(text);

	path_in_dir(link, sizeof(link), "link.jwks");
	CHECK(symlink(jwks_path, link) == 0, "symlink to the JWKS");
	CHECK_STATUS(finish_status("issuer = https://i.example\naudience = a\n"
				   "jwks_file = @DIR@/link.jwks\n", &err),
		     OIDC_E_CONFIG, "jwks_file through a symbolic link refused");
	CHECK(strstr(err.detail, "jwks_file") && strstr(err.detail, "symbolic link"),
	      "names jwks_file: %s", err.detail);
	path_in_dir(link, sizeof(link), "link.secret");
	CHECK(symlink(secret32_path, link) == 0, "symlink to the HMAC secret");
	CHECK_STATUS(finish_status(BASE "algorithms = RS256, HS256\n"
				   "hmac_secret_file = @DIR@/link.secret\n", &err),
		     OIDC_E_CONFIG, "hmac_secret_file through a symbolic link refused");
	CHECK_STATUS(finish_status(BASE "token_types = jwt, opaque\n"
				   "introspection_endpoint = https://i.example/in\n"
				   "client_id = c\nclient_secret_file = @DIR@/link.secret\n",
				   &err),
		     OIDC_E_CONFIG, "client_secret_file through a symbolic link refused");
	CHECK(strstr(err.detail, "client_secret_file"), "names client_secret_file: %s",
	      err.detail);

	/* a file in a directory others can write can be swapped */
	path_in_dir(sub, sizeof(sub), "shared");
	CHECK(mkdir(sub, 0777) == 0 && chmod(sub, 0777) == 0, "world-writable directory");
	snprintf(subfile, sizeof(subfile), "%s/users.map", sub);
	CHECK(write_file(subfile, "alice a\n", 8, 0644) == 0, "map file in it");
	snprintf(cfgtext, sizeof(cfgtext), BASE "username_map = map_file:%s\n", subfile);
	CHECK_STATUS(finish_status(cfgtext, &err), OIDC_E_CONFIG,
		     "map file in a world-writable directory refused");
	CHECK(strstr(err.detail, "username_map") && strstr(err.detail, "directory"),
	      "says the directory is the problem: %s", err.detail);
	chmod(sub, 01777);
	CHECK_STATUS(finish_status(cfgtext, &err), OIDC_OK,
		     "the same map file once the directory is sticky");

	/* ca_file: not a secret, but it decides who the provider is */
	path_in_dir(ca_path, sizeof(ca_path), "ca.pem");
	CHECK(write_ca_cert(ca_path) == 0, "a CA certificate written");
	CHECK_STATUS(finish_status(BASE "ca_file = @CA@\n", &err), OIDC_OK,
		     "ca_file that nobody else can change accepted");
	/* issue 12: a file that is no CA bundle fails at load, not at login */
	CHECK_STATUS(finish_status(BASE "ca_file = @JWKS@\n", &err), OIDC_E_CONFIG,
		     "a ca_file without a certificate (a JWKS) refused");
	CHECK(strstr(err.detail, "ca_file") && strstr(err.detail, "no PEM certificate"),
	      "names ca_file and says it holds no certificate: %s", err.detail);
	chmod(ca_path, 0666);
	CHECK_STATUS(finish_status("issuer = https://i.example\naudience = a\n"
				   "hmac_secret_file = @SECRET32@\nalgorithms = HS256\n"
				   "ca_file = @CA@\n", &err),
		     OIDC_E_CONFIG, "world-writable ca_file refused");
	CHECK(strstr(err.detail, "ca_file") && strstr(err.detail, "chmod go-w"),
	      "names ca_file and the fix: %s", err.detail);
	chmod(ca_path, 0644);
	CHECK_STATUS(finish_status(BASE "ca_file = @DIR@/no-such-ca.pem\n", &err),
		     OIDC_E_CONFIG, "missing ca_file refused at configuration time");
	CHECK_STATUS(finish_status(BASE "ca_file = @DIR@/link.jwks\n", &err),
		     OIDC_E_CONFIG, "ca_file through a symbolic link refused");
}

struct visit_buf {
	char text[8192];
	size_t len;
	int calls;
};

static void visit_collect(void *arg, const char *section, const char *key,
			  const char *value)
{
	struct visit_buf *b = arg;
	int n;

	b->calls++;
	n = snprintf(b->text + b->len, sizeof(b->text) - b->len, "%s%s%s%s = %s\n",
		     section ? "[issuer " : "", section ? section : "",
		     section ? "]\n" : "", key, value);
	if (n > 0 && (size_t)n < sizeof(b->text) - b->len)
		b->len += (size_t)n;
}

static void test_visit(void)
{
	struct oidc_config *cfg = NULL, *again = NULL;
	struct visit_buf *first = calloc(1, sizeof(*first));
	struct visit_buf *second = calloc(1, sizeof(*second));
	struct oidc_error err = { OIDC_OK, "" };
	char *secret = NULL;
	enum oidc_status st;

	if (!first || !second)
		abort();
	st = load_text(&cfg, BASE "algorithms = RS256, ES256, HS256\n"
				  "hmac_secret_file = @SECRET32@\n"
				  "required_claims = groups=a|b, amr=mfa\n"
				  "username_map = lowercase, strip_domain:example.com\n",
		       &err);
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, &err);
	CHECK_STATUS(st, OIDC_OK, "visit config finishes");
	if (st != OIDC_OK) {
		printf("#   detail: %s\n", err.detail);
		goto out;
	}
	CHECK_STATUS(oidc_config_visit(cfg, visit_collect, first), OIDC_OK, "visit");
	CHECK(strstr(first->text, "issuer = https://idp.example.com/realms/r\n") != NULL,
	      "visit shows the issuer");
	CHECK(strstr(first->text, "leeway = 60\n") != NULL, "visit shows defaults");
	CHECK(strstr(first->text, "algorithms = RS256, ES256, HS256\n") != NULL,
	      "visit shows algorithms joined with ', '");
	CHECK(strstr(first->text, "accept_typ = at+jwt, jwt, absent\n") != NULL,
	      "visit shows the normalised accept_typ");
	CHECK(strstr(first->text, "required_claims = groups=a|b, amr=mfa\n") != NULL,
	      "visit shows required_claims");
	CHECK(strstr(first->text, "hmac_secret_file = ") != NULL,
	      "visit shows the secret file path");
	CHECK(strstr(first->text, "hmac_kid") == NULL, "visit leaves unset keys out");
	CHECK(strstr(first->text, "userinfo_endpoint") == NULL,
	      "visit leaves reserved keys out");
	CHECK(strstr(first->text, "cache_dir = /var/cache/oidc-auth\n") != NULL,
	      "visit shows the cache_dir default");
	secret = test_read_file(secret32_path, NULL);
	if (secret && strlen(secret) > 16) {
		secret[16] = '\0';
		CHECK(strstr(first->text, secret) == NULL, "visit never shows secret bytes");
	} else {
		CHECK(0, "read the secret back for the redaction check");
	}
	/* the output is config syntax: it parses back to the same thing */
	st = load_text(&again, first->text, &err);
	if (st == OIDC_OK)
		st = oidc_config_finish(again, &err);
	CHECK_STATUS(st, OIDC_OK, "visit output parses and finishes");
	if (st == OIDC_OK) {
		oidc_config_visit(again, visit_collect, second);
		CHECK(first->len == second->len &&
			      strcmp(first->text, second->text) == 0,
		      "visit output is a fixed point");
	}
	oidc_config_free(&again);
	oidc_config_free(&cfg);

	/* sections: one call per key and section, with the section name */
	memset(first, 0, sizeof(*first));
	st = load_text(&cfg, "audience = a\njwks_file = @JWKS@\n[issuer one]\n"
			     "issuer = https://one.example\n[issuer two]\n"
			     "issuer = https://two.example\n", &err);
	CHECK_STATUS(st, OIDC_OK, "sections for visit");
	if (st == OIDC_OK) {
		oidc_config_visit(cfg, visit_collect, first);
		CHECK(strstr(first->text, "[issuer one]\nissuer = https://one.example\n") &&
			      strstr(first->text, "[issuer two]\nissuer = https://two.example\n"),
		      "visit names the sections");
	}
	CHECK_STATUS(oidc_config_visit(cfg, NULL, NULL), OIDC_E_INTERNAL,
		     "visit without callback");
out:
	oidc_config_free(&cfg);
	free(secret);
	free(first);
	free(second);
}

static int setup(void)
{
	char p[160];

	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/oidc-test-config-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	path_in_dir(jwks_path, sizeof(jwks_path), "jwks.json");
	if (run_cmd("/usr/bin/python3 - '%s' <<'EOF'\n%sEOF\n", jwks_path, jwks_py) != 0)
		return -1;
	/* hex text: 32 and 64 bytes plus the newline openssl writes */
	path_in_dir(secret32_path, sizeof(secret32_path), "hs32.secret");
	path_in_dir(secret64_path, sizeof(secret64_path), "hs64.secret");
	path_in_dir(short_path, sizeof(short_path), "short.secret");
	if (run_cmd("openssl rand -hex 16 > '%s' && openssl rand -hex 32 > '%s' && "
		    "printf '%%s' \"$(openssl rand -hex 16 | cut -c1-31)\" > '%s' && "
		    "chmod 600 '%s' '%s' '%s'",
		    secret32_path, secret64_path, short_path, secret32_path,
		    secret64_path, short_path) != 0)
		return -1;
	write_text("users.map", "alice a\n", 0644, p, sizeof(p));
	snprintf(map_path, sizeof(map_path), "%s", p);
	return 0;
}

int main(void)
{
	if (setup() != 0) {
		CHECK(0, "set up the temporary directory, JWKS and secrets");
		return test_done();
	}
	test_defaults();
	test_minimal();
	test_all_keys();
	test_values();
	test_file_syntax();
	test_sections();
	test_templates();
	test_secrets();
	test_contradictions();
	test_client_side_keys();
	test_network_keys();
	test_set_api();
	test_files();
	test_trusted_files();
	test_visit();
	run_cmd("rm -rf '%s'", dir);
	return test_done();
}
