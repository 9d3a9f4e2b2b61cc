/* SPDX-License-Identifier: MIT */
/*
 * config_values.c - parsers and checks for the values of oidc-auth.conf(5)
 * options: URLs, numbers, paths, lists and the small rule languages of
 * username_map and required_claims. They fill why with what to fix; the
 * option layer (config_opts.c) adds where and which key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define CLAIM_NAME_MAX 256
#define TENANT_ID_MAX 128
#define DOMAIN_MAX 253
#define CONFIG_PATH_MAX 4096
#define CLAIM_CLAUSES_MAX 64

static const char tenant_placeholder[] = "{tenantid}";

/* ---- character classes (ASCII only, locale-independent) ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Printable ASCII without space, quote and backslash. */
static bool is_graph(char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* ---- value checks: each returns false and fills why ---- */

static bool is_loopback_host(const char *host, size_t len)
{
	static const char *const loopback[] = { "127.0.0.1", "[::1]", "localhost" };

	for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (strlen(loopback[i]) == len && memcmp(host, loopback[i], len) == 0)
			return true;
	return false;
}

/* The authority of an issuer URL: host (name, IPv4 or [IPv6]) and port. */
static bool authority_ok(const char *auth, const char *end, bool https,
			 char *why, size_t cap)
{
	const char *p = auth, *host_end;

	if (p == end) {
		snprintf(why, cap, "URL has no host");
		return false;
	}
	if (*p == '[') {
		for (p++; p < end && (is_hex(*p) || *p == ':' || *p == '.'); p++)
			;
		if (p == auth + 1 || p >= end || *p != ']') {
			snprintf(why, cap, "URL has a bad [IPv6] host");
			return false;
		}
		p++;
	} else {
		while (p < end && (is_alnum(*p) || *p == '-' || *p == '.'))
			p++;
	}
	host_end = p;
	if (host_end == auth || (host_end < end && *host_end != ':')) {
		snprintf(why, cap, "URL host is not a plain host name or address "
			 "(no user@ part)");
		return false;
	}
	if (host_end < end) {
		long port = 0;

		for (p = host_end + 1; p < end && is_digit(*p) && port <= 65535; p++)
			port = port * 10 + (*p - '0');
		if (p != end || p == host_end + 1 || port < 1 || port > 65535) {
			snprintf(why, cap, "URL has a bad port");
			return false;
		}
	}
	if (!https && !is_loopback_host(auth, (size_t)(host_end - auth))) {
		snprintf(why, cap, "must be https:// (http:// only for 127.0.0.1, "
			 "[::1] or localhost, for tests)");
		return false;
	}
	return true;
}

/* D1/E2: an issuer is an https URL without query or fragment (RFC 8414 2),
 * compared exactly; {tenantid} may stand for the tenant once, in the path. */
bool oidc_value_issuer_ok(const char *v, char *why, size_t cap)
{
	const size_t tl = sizeof(tenant_placeholder) - 1;
	const char *auth, *path;
	bool https;
	int n_templates = 0;

	if (strncmp(v, "https://", 8) == 0) {
		https = true;
		auth = v + 8;
	} else if (strncmp(v, "http://", 7) == 0) {
		https = false;
		auth = v + 7;
	} else {
		snprintf(why, cap, "must be an https:// URL");
		return false;
	}
	path = auth + strcspn(auth, "/");
	if (!authority_ok(auth, path, https, why, cap))
		return false;
	for (const char *p = path; *p; p++) {
		if (strncmp(p, tenant_placeholder, tl) == 0) {
			n_templates++;
			p += tl - 1;
		} else if (*p == '?' || *p == '#') {
			snprintf(why, cap, "must not have a query or fragment");
			return false;
		} else if (!is_graph(*p) || strchr("<>^`{|}", *p)) {
			snprintf(why, cap, "has a character a URL cannot have");
			return false;
		}
	}
	if (n_templates > 1) {
		snprintf(why, cap, "may contain {tenantid} only once");
		return false;
	}
	return true;
}

/* discovery_url, jwks_uri: where we fetch, so https only (F1); a query is
 * allowed (Azure AD B2C policies), a fragment or {tenantid} is not. */
bool oidc_value_url_ok(const char *v, char *why, size_t cap)
{
	const char *auth, *path;
	bool https;

	if (strncmp(v, "https://", 8) == 0) {
		https = true;
		auth = v + 8;
	} else if (strncmp(v, "http://", 7) == 0) {
		https = false;
		auth = v + 7;
	} else {
		snprintf(why, cap, "must be an https:// URL");
		return false;
	}
	path = auth + strcspn(auth, "/?");
	if (!authority_ok(auth, path, https, why, cap))
		return false;
	for (const char *p = path; *p; p++) {
		if (*p == '#' || !is_graph(*p) || strchr("<>^`{|}", *p)) {
			snprintf(why, cap, "has a fragment or a character a URL cannot have");
			return false;
		}
	}
	return true;
}

/* proxy: handed to libcurl as is; only the schemes it treats as proxies. */
bool oidc_value_proxy_ok(const char *v, char *why, size_t cap)
{
	static const char *const schemes[] = { "http://", "https://", "socks5h://" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);

		if (strncmp(v, schemes[i], n) != 0 || !v[n])
			continue;
		for (const char *p = v + n; *p; p++) {
			if (!is_graph(*p)) {
				snprintf(why, cap, "has a character a URL cannot have");
				return false;
			}
		}
		return true;
	}
	snprintf(why, cap, "must be an http://, https:// or socks5h:// proxy URL");
	return false;
}

bool oidc_value_int_ok(const char *v, int64_t min, int64_t max, int64_t *out,
		   char *why, size_t cap)
{
	const char *p = v + (*v == '-');
	long long n;

	if (!*p)
		goto not_number;
	for (const char *q = p; *q; q++)
		if (!is_digit(*q))
			goto not_number;
	errno = 0;
	n = strtoll(v, NULL, 10);
	if (errno == ERANGE || n < min || n > max) {
		snprintf(why, cap, "must be between %lld and %lld", (long long)min,
			 (long long)max);
		return false;
	}
	*out = n;
	return true;
not_number:
	snprintf(why, cap, "must be a whole number");
	return false;
}

bool oidc_value_path_ok(const char *v, char *why, size_t cap)
{
	if (v[0] != '/') {
		snprintf(why, cap, "must be an absolute path");
		return false;
	}
	if (strlen(v) >= CONFIG_PATH_MAX) {
		snprintf(why, cap, "path is too long");
		return false;
	}
	return true;
}

bool oidc_value_kid_ok(const char *v, char *why, size_t cap)
{
	size_t len = strlen(v);

	for (size_t i = 0; i < len; i++) {
		if (v[i] < 0x20 || v[i] > 0x7e) {
			snprintf(why, cap, "must be printable ASCII");
			return false;
		}
	}
	if (len > OIDC_KID_MAX) {
		snprintf(why, cap, "longer than %d bytes", OIDC_KID_MAX);
		return false;
	}
	return true;
}

static bool item_printable(const char *s, char *why, size_t cap)
{
	for (const char *p = s; *p; p++) {
		if (!is_graph(*p)) {
			snprintf(why, cap, "'%.40s' must be printable ASCII", s);
			return false;
		}
	}
	return true;
}

/* RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static bool item_scope(const char *s, char *why, size_t cap)
{
	return item_printable(s, why, cap);
}

static bool item_claim_name(const char *s, char *why, size_t cap)
{
	if (strlen(s) > CLAIM_NAME_MAX) {
		snprintf(why, cap, "claim name longer than %d bytes", CLAIM_NAME_MAX);
		return false;
	}
	return item_printable(s, why, cap);
}

/* Same alphabet validate.c accepts in place of {tenantid}. */
static bool item_tenant(const char *s, char *why, size_t cap)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.') {
			snprintf(why, cap, "tenant '%.40s' may only have letters, "
				 "digits, '-' and '.'", s);
			return false;
		}
	}
	if (len > TENANT_ID_MAX) {
		snprintf(why, cap, "tenant id longer than %d bytes", TENANT_ID_MAX);
		return false;
	}
	return true;
}

typedef bool (*item_check_fn)(const char *s, char *why, size_t cap);

/* A list of at least one item, each passing check. */
static enum oidc_status parse_list(const char *v, item_check_fn check,
				   struct oidc_strlist *out, char *why, size_t cap)
{
	struct oidc_strlist l = { NULL, 0 };

	if (oidc_strlist_split(v, &l) != OIDC_OK)
		return OIDC_E_NOMEM;
	if (l.n == 0) {
		snprintf(why, cap, "the list has no item");
		goto bad;
	}
	for (size_t i = 0; i < l.n; i++)
		if (!check(l.v[i], why, cap))
			goto bad;
	*out = l;
	return OIDC_OK;
bad:
	oidc_strlist_clear(&l);
	return OIDC_E_CONFIG;
}

/* RFC 6838 4.2 restricted-name characters, lower case. */
static bool typ_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || (c && strchr("!#$&^_.+-", c));
}

/*
 * RFC 7515 4.1.9: typ is a media type compared case-insensitively, and
 * "application/" may be omitted, so store lower case without it, once.
 */
static enum oidc_status parse_typ(const char *v, struct oidc_strlist *out,
				  char *why, size_t cap)
{
	static const char app[] = "application/";
	struct oidc_strlist l = { NULL, 0 };
	size_t kept = 0;
	enum oidc_status st = parse_list(v, item_printable, &l, why, cap);

	if (st != OIDC_OK)
		return st;
	for (size_t i = 0; i < l.n; i++) {
		char *s = l.v[i];
		struct oidc_strlist seen = { l.v, kept };

		for (char *p = s; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (strncmp(s, app, sizeof(app) - 1) == 0)
			memmove(s, s + sizeof(app) - 1, strlen(s) - (sizeof(app) - 1) + 1);
		for (const char *p = s; *p; p++) {
			if (!typ_char_ok(*p)) {
				snprintf(why, cap, "'%.40s' is not a media type name", s);
				goto bad;
			}
		}
		if (!*s) {
			snprintf(why, cap, "'application/' without a type");
			goto bad;
		}
		/* compact in place; a moved or freed slot is NULL for clear */
		l.v[i] = NULL;
		if (oidc_strlist_contains(&seen, s))
			free(s);
		else
			l.v[kept++] = s;
	}
	l.n = kept;
	*out = l;
	return OIDC_OK;
bad:
	oidc_strlist_clear(&l);
	return OIDC_E_CONFIG;
}

/* The algorithm table (alg.c) owns the names; wrap its detail. */
enum oidc_status oidc_value_algs(const char *v, uint32_t *mask_out, char *why,
				   size_t cap)
{
	struct oidc_error e = { OIDC_OK, "" };
	enum oidc_status st = oidc_alg_list_parse(v, mask_out, &e);

	if (st != OIDC_OK && st != OIDC_E_NOMEM) {
		snprintf(why, cap, "%s", e.detail[0] ? e.detail : "unknown algorithm");
		st = OIDC_E_CONFIG;
	}
	return st;
}

void oidc_map_rules_free(struct oidc_map_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		oidc_map_entries_clear(&rules[i]);
		free(rules[i].arg);
	}
	free(rules);
}

void oidc_map_entries_clear(struct oidc_map_rule *rule)
{
	for (size_t i = 0; i < rule->n_entries; i++) {
		free(rule->entries[i].from);
		free(rule->entries[i].to);
	}
	free(rule->entries);
	rule->entries = NULL;
	rule->n_entries = 0;
}

/* rule is "strip_domain" or "keep_domain", for the message. */
static bool domain_ok(const char *rule, const char *d, char *why, size_t cap)
{
	size_t len = strlen(d);

	for (size_t i = 0; i < len; i++) {
		if (!is_alnum(d[i]) && d[i] != '-' && d[i] != '.') {
			snprintf(why, cap, "%s:%.40s is not a domain name", rule, d);
			return false;
		}
	}
	if (len == 0 || len > DOMAIN_MAX) {
		snprintf(why, cap, "%s needs a domain (%s:example.com)", rule, rule);
		return false;
	}
	return true;
}

/* "lowercase", "strip_domain:DOMAIN", "keep_domain:DOMAIN", "map_file:PATH",
 * in order. */
enum oidc_status oidc_value_map(const char *v, struct oidc_map_rule **rules_out,
				  size_t *n_out, char *why, size_t cap)
{
	static const char strip[] = "strip_domain:", keep[] = "keep_domain:",
			  mapf[] = "map_file:";
	struct oidc_strlist l = { NULL, 0 };
	struct oidc_map_rule *rules = NULL;
	enum oidc_status st = OIDC_E_NOMEM;
	size_t n = 0;

	st = parse_list(v, item_printable, &l, why, cap);
	if (st != OIDC_OK)
		return st;
	st = OIDC_E_NOMEM;
	rules = calloc(l.n, sizeof(*rules));
	if (!rules)
		goto out;
	for (; n < l.n; n++) {
		const char *item = l.v[n], *arg = NULL;

		if (strcmp(item, "lowercase") == 0) {
			rules[n].op = OIDC_MAP_LOWERCASE;
		} else if (strncmp(item, strip, sizeof(strip) - 1) == 0) {
			rules[n].op = OIDC_MAP_STRIP_DOMAIN;
			arg = item + sizeof(strip) - 1;
			if (!domain_ok("strip_domain", arg, why, cap))
				goto bad;
		} else if (strncmp(item, keep, sizeof(keep) - 1) == 0) {
			rules[n].op = OIDC_MAP_KEEP_DOMAIN;
			arg = item + sizeof(keep) - 1;
			if (!domain_ok("keep_domain", arg, why, cap))
				goto bad;
		} else if (strncmp(item, mapf, sizeof(mapf) - 1) == 0) {
			rules[n].op = OIDC_MAP_FILE;
			arg = item + sizeof(mapf) - 1;
			if (!oidc_value_path_ok(arg, why, cap))
				goto bad;
		} else {
			snprintf(why, cap, "unknown rule '%.40s' (lowercase, "
				 "strip_domain:DOMAIN, keep_domain:DOMAIN, "
				 "map_file:PATH)", item);
			goto bad;
		}
		if (arg && !(rules[n].arg = strdup(arg)))
			goto out;
	}
	*rules_out = rules;
	*n_out = n;
	rules = NULL;
	st = OIDC_OK;
	goto out;
bad:
	st = OIDC_E_CONFIG;
out:
	if (rules)
		oidc_map_rules_free(rules, l.n);
	oidc_strlist_clear(&l);
	return st;
}

void oidc_claim_reqs_free(struct oidc_claim_req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(reqs[i].claim);
		oidc_strlist_clear(&reqs[i].values);
	}
	free(reqs);
}

/* Trim spaces and tabs around [*s, *e). */
static void trim_span(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

static enum oidc_status strlist_push(struct oidc_strlist *l, const char *s, size_t n)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (!nv)
		return OIDC_E_NOMEM;
	l->v = nv;
	l->v[l->n] = strndup(s, n);
	if (!l->v[l->n])
		return OIDC_E_NOMEM;
	l->n++;
	return OIDC_OK;
}

/* One clause "claim=v1|v2" of [s, e) into req. */
static enum oidc_status parse_claim_clause(const char *s, const char *e,
					   struct oidc_claim_req *req, char *why,
					   size_t cap)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *ce = eq;

	if (eq)
		trim_span(&s, &ce);
	if (!eq || ce == s) {
		snprintf(why, cap, "clause '%.*s' must be claim=value1|value2",
			 (int)((e - s) > 40 ? 40 : (e - s)), s);
		return OIDC_E_CONFIG;
	}
	if (!(req->claim = strndup(s, (size_t)(ce - s))))
		return OIDC_E_NOMEM;
	if (!item_claim_name(req->claim, why, cap))
		return OIDC_E_CONFIG;
	for (const char *p = eq + 1; p <= e;) {
		const char *vs = p, *ve = memchr(p, '|', (size_t)(e - p));

		if (!ve)
			ve = e;
		p = ve + 1;
		trim_span(&vs, &ve);
		if (vs == ve) {
			snprintf(why, cap, "clause for claim '%.40s' has an empty "
				 "value", req->claim);
			return OIDC_E_CONFIG;
		}
		if (strlist_push(&req->values, vs, (size_t)(ve - vs)) != OIDC_OK)
			return OIDC_E_NOMEM;
	}
	return OIDC_OK;
}

/* "claim=v1|v2, claim2=v3": every clause must hold (D7-style policy). */
enum oidc_status oidc_value_claim_reqs(const char *v, struct oidc_claim_req **out,
					 size_t *n_out, char *why, size_t cap)
{
	struct oidc_claim_req *reqs = NULL;
	enum oidc_status st = OIDC_OK;
	size_t n = 0;
	const char *end = v + strlen(v);

	for (const char *p = v; p <= end && st == OIDC_OK;) {
		const char *s = p, *e = memchr(p, ',', (size_t)(end - p));
		struct oidc_claim_req *nr;

		if (!e)
			e = end;
		p = e + 1;
		trim_span(&s, &e);
		if (s == e) {
			snprintf(why, cap, "empty clause (stray comma?)");
			st = OIDC_E_CONFIG;
			break;
		}
		if (n == CLAIM_CLAUSES_MAX) {
			snprintf(why, cap, "more than %d clauses", CLAIM_CLAUSES_MAX);
			st = OIDC_E_CONFIG;
			break;
		}
		nr = realloc(reqs, (n + 1) * sizeof(*reqs));
		if (!nr) {
			st = OIDC_E_NOMEM;
			break;
		}
		reqs = nr;
		memset(&reqs[n], 0, sizeof(reqs[n]));
		n++;
		st = parse_claim_clause(s, e, &reqs[n - 1], why, cap);
	}
	if (st != OIDC_OK) {
		oidc_claim_reqs_free(reqs, n);
		return st;
	}
	*out = reqs;
	*n_out = n;
	return OIDC_OK;
}

enum oidc_status oidc_value_list(const char *v, enum oidc_opt_type type,
				 struct oidc_strlist *out, char *why, size_t cap)
{
	item_check_fn check = item_printable;

	if (type == OIDC_OPT_TYP)
		return parse_typ(v, out, why, cap);
	if (type == OIDC_OPT_SCOPES)
		check = item_scope;
	else if (type == OIDC_OPT_CLAIM_NAMES)
		check = item_claim_name;
	else if (type == OIDC_OPT_TENANTS)
		check = item_tenant;
	return parse_list(v, check, out, why, cap);
}
