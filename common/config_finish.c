/* SPDX-License-Identifier: MIT */
/*
 * config_finish.c - oidc_config_finish(): the checks that need the whole
 * configuration (required keys, contradictions, overlapping issuers) and
 * the loading of the files it names (JWKS, HMAC secret, client secret,
 * username maps; ca_file checked), each through oidc_trusted_file_read
 * (trusted_file.c): refused when someone else could change it (or read it,
 * for secrets). Errors name the section and key: "[issuer NAME] key: ...".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define HS_MASK (OIDC_ALG_BIT(OIDC_ALG_HS256) | OIDC_ALG_BIT(OIDC_ALG_HS384) | \
		 OIDC_ALG_BIT(OIDC_ALG_HS512))
/* RFC 7518 3.2: a key of at least the hash output size. */
#define HMAC_SECRET_MIN 32

static const char tenant_placeholder[] = "{tenantid}";

/* "[issuer NAME] key: why" (section NULL: the single top-level issuer). */
OIDC_PRINTF(5, 6)
static enum oidc_status finish_err(struct oidc_error *err, enum oidc_status st,
				   const char *section, const char *key,
				   const char *fmt, ...)
{
	char why[OIDC_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (st != OIDC_E_NOMEM)
		st = OIDC_E_CONFIG;
	if (section)
		return oidc_err(err, st, "[issuer %s] %s: %s", section, key, why);
	return oidc_err(err, st, "%s: %s", key, why);
}

/* Required keys and keys that contradict each other. */
/* A single word out of choices ("a|b|c"); its index, or -1. */
static int one_of(const struct oidc_strlist *l, const char *const *choices)
{
	if (l->n != 1)
		return -1;
	for (int i = 0; choices[i]; i++)
		if (strcmp(l->v[0], choices[i]) == 0)
			return i;
	return -1;
}

/* accept_id_tokens, userinfo, request_resource: the client-side keys. */
static enum oidc_status finish_client_side(struct oidc_issuer_cfg *ic, const char *sec,
					   struct oidc_error *err)
{
	static const char *const yes_no[] = { "no", "yes", NULL };
	static const char *const modes[] = { "off", "validate", "enrich", NULL };
	int v;

	v = one_of(&ic->accept_id_tokens, yes_no);
	if (v < 0)
		return finish_err(err, OIDC_E_CONFIG, sec, "accept_id_tokens",
				  "must be yes or no");
	ic->id_tokens = v == 1;
	/* OIDC Core 3.1.3.7 (3): an ID token's aud contains our client_id. */
	if (ic->id_tokens && !ic->client_id)
		return finish_err(err, OIDC_E_CONFIG, sec, "accept_id_tokens", "needs "
				  "client_id (an ID token's audience)");
	v = one_of(&ic->userinfo, modes);
	if (v < 0)
		return finish_err(err, OIDC_E_CONFIG, sec, "userinfo", "must be off, "
				  "validate or enrich");
	ic->userinfo_mode = (enum oidc_userinfo_mode)v;
	if (ic->userinfo_mode == OIDC_USERINFO_OFF && ic->userinfo_endpoint)
		return finish_err(err, OIDC_E_CONFIG, sec, "userinfo_endpoint", "set, but "
				  "userinfo is off");
	if (ic->userinfo_mode == OIDC_USERINFO_VALIDATE && !ic->accept_opaque)
		return finish_err(err, OIDC_E_CONFIG, sec, "userinfo", "validate is for "
				  "opaque tokens: add opaque to token_types");
	/* A userinfo answer says who the user is, not that the token was
	 * issued for this service (it has no aud): it cannot bind alone. */
	if (ic->userinfo_mode == OIDC_USERINFO_VALIDATE && !ic->tokeninfo_endpoint)
		return finish_err(err, OIDC_E_CONFIG, sec, "userinfo", "validate binds "
				  "nothing by itself (userinfo accepts a token issued to any "
				  "client): set tokeninfo_endpoint (Google: https://oauth2."
				  "googleapis.com/tokeninfo), or use introspection with "
				  "userinfo = enrich");
	if (ic->tokeninfo_endpoint && ic->userinfo_mode != OIDC_USERINFO_VALIDATE)
		return finish_err(err, OIDC_E_CONFIG, sec, "tokeninfo_endpoint", "set, but "
				  "userinfo is not validate");
	if (ic->userinfo_mode != OIDC_USERINFO_OFF && !ic->network_keys &&
	    !ic->userinfo_endpoint)
		return finish_err(err, OIDC_E_CONFIG, sec, "userinfo_endpoint", "required "
				  "when the keys are local (no discovery document to take "
				  "it from)");
	if (ic->request_resource.n > 1 ||
	    (ic->request_resource.n == 1 && (!strchr(ic->request_resource.v[0], ':') ||
					     strchr(ic->request_resource.v[0], '#'))))
		return finish_err(err, OIDC_E_CONFIG, sec, "request_resource", "one "
				  "absolute URI without a fragment (RFC 8707 2)");
	return OIDC_OK;
}

/*
 * Checklist E3: Google documents iss "accounts.google.com" beside
 * "https://accounts.google.com" for the same tokens. An alias is accepted
 * only in that form, the issuer without its https:// scheme: it can never
 * be another provider's issuer (those are https URLs), so an alias cannot
 * merge two providers' names into one section.
 */
static enum oidc_status check_aliases(const struct oidc_issuer_cfg *ic, const char *sec,
				      struct oidc_error *err)
{
	static const char https[] = "https://";
	const size_t https_len = sizeof(https) - 1;

	for (size_t i = 0; i < ic->issuer_aliases.n; i++) {
		const char *a = ic->issuer_aliases.v[i];

		if (ic->is_template)
			return finish_err(err, OIDC_E_CONFIG, sec, "issuer_aliases", "not "
					  "for an issuer with {tenantid}");
		if (strncmp(ic->issuer, https, https_len) != 0 ||
		    strcmp(a, ic->issuer + https_len) != 0)
			return finish_err(err, OIDC_E_CONFIG, sec, "issuer_aliases", "'%.80s' "
					  "is not the issuer without its https:// scheme (the "
					  "only alias form; for Google: accounts.google.com)", a);
	}
	return OIDC_OK;
}

static enum oidc_status check_issuer(struct oidc_issuer_cfg *ic, const char *sec,
				     struct oidc_error *err)
{
	uint32_t hs = ic->algorithms & HS_MASK, asym = ic->algorithms & ~HS_MASK;
	enum oidc_status st;
	const char *t;

	if (!ic->issuer)
		return finish_err(err, OIDC_E_CONFIG, sec, "issuer", "required (the exact iss "
				  "value of the tokens)");
	t = strstr(ic->issuer, tenant_placeholder);
	ic->is_template = t != NULL;
	ic->issuer_prefix_len = t ? (size_t)(t - ic->issuer) : 0;
	/* E2: a multi-tenant JWKS signs for every tenant; only the
	 * allow-list says which tenants may log in. */
	if (ic->is_template && ic->allowed_tenants.n == 0)
		return finish_err(err, OIDC_E_CONFIG, sec, "allowed_tenants", "required for an "
				  "issuer with {tenantid}: list the tenant ids");
	if (!ic->is_template && ic->allowed_tenants.n)
		return finish_err(err, OIDC_E_CONFIG, sec, "allowed_tenants", "only for an "
				  "issuer with {tenantid}");
	st = check_aliases(ic, sec, err);
	if (st != OIDC_OK)
		return st;
	/* Every accepted token is bound to this service: by aud, or by a
	 * client list chosen explicitly (Cognito access tokens carry no aud). */
	if (ic->audience.n == 0 && ic->accept_clients.n == 0)
		return finish_err(err, OIDC_E_CONFIG, sec, "audience", "required (the aud "
				  "value naming this service; for a provider whose tokens "
				  "have no aud, accept_clients instead)");
	/* No local key file: the keys come from the provider (discovery or
	 * jwks_uri), cached on disk (keysource.c). */
	ic->network_keys = !ic->jwks_file && !ic->hmac_secret_file;
	if (ic->jwks_file && (ic->jwks_uri || ic->discovery_url))
		return finish_err(err, OIDC_E_CONFIG, sec, "jwks_file", "set together with "
				  "%s: choose the local file or the provider",
				  ic->jwks_uri ? "jwks_uri" : "discovery_url");
	if (ic->hmac_secret_file && (ic->jwks_uri || ic->discovery_url))
		return finish_err(err, OIDC_E_CONFIG, sec, "hmac_secret_file", "set together "
				  "with %s: HMAC issuers are local only",
				  ic->jwks_uri ? "jwks_uri" : "discovery_url");
	if (ic->network_keys && ic->is_template && !ic->jwks_uri && !ic->discovery_url)
		return finish_err(err, OIDC_E_CONFIG, sec, "discovery_url", "required for an "
				  "issuer with {tenantid} (it has no discovery document of its "
				  "own; for Entra ID use https://login.microsoftonline.com/"
				  "organizations/v2.0/.well-known/openid-configuration)");
	ic->accept_jwt = oidc_strlist_contains(&ic->token_types, "jwt");
	ic->accept_opaque = oidc_strlist_contains(&ic->token_types, "opaque");
	for (size_t i = 0; i < ic->token_types.n; i++)
		if (strcmp(ic->token_types.v[i], "jwt") != 0 &&
		    strcmp(ic->token_types.v[i], "opaque") != 0)
			return finish_err(err, OIDC_E_CONFIG, sec, "token_types", "'%.32s' "
					  "is neither jwt nor opaque", ic->token_types.v[i]);
	if (ic->client_auth.n != 1 || (strcmp(ic->client_auth.v[0], "basic") != 0 &&
				       strcmp(ic->client_auth.v[0], "post") != 0))
		return finish_err(err, OIDC_E_CONFIG, sec, "client_auth", "must be basic "
				  "or post");
	ic->client_auth_post = strcmp(ic->client_auth.v[0], "post") == 0;
	st = finish_client_side(ic, sec, err);
	if (st != OIDC_OK)
		return st;
	/* RFC 7662 2.1: the protected resource authenticates to the endpoint. */
	if (ic->accept_opaque && ic->userinfo_mode != OIDC_USERINFO_VALIDATE &&
	    (!ic->client_id || !ic->client_secret_file))
		return finish_err(err, OIDC_E_CONFIG, sec, "token_types", "opaque needs "
				  "client_id and client_secret_file (the introspection "
				  "client credentials)");
	if (ic->accept_opaque && !ic->network_keys && !ic->introspection_endpoint)
		return finish_err(err, OIDC_E_CONFIG, sec, "introspection_endpoint",
				  "required for opaque tokens when the keys are local "
				  "(there is no discovery document to take it from)");
	if (!ic->accept_opaque && ic->introspection_endpoint)
		return finish_err(err, OIDC_E_CONFIG, sec, "introspection_endpoint",
				  "set, but token_types does not list opaque");
	if (ic->client_secret_file && !ic->client_id)
		return finish_err(err, OIDC_E_CONFIG, sec, "client_secret_file",
				  "set without client_id");
	if (ic->cache_ttl_min > ic->cache_ttl_max)
		return finish_err(err, OIDC_E_CONFIG, sec, "cache_ttl_min", "is larger than "
				  "cache_ttl_max");
	if (hs && !ic->hmac_secret_file)
		return finish_err(err, OIDC_E_CONFIG, sec, "algorithms", "lists HS256/HS384/HS512 "
				  "but hmac_secret_file is not set");
	if (ic->hmac_secret_file && !hs)
		return finish_err(err, OIDC_E_CONFIG, sec, "hmac_secret_file", "set, but "
				  "algorithms lists no HS256/HS384/HS512");
	if (asym && ic->hmac_secret_file && !ic->jwks_file)
		return finish_err(err, OIDC_E_CONFIG, sec, "algorithms", "lists asymmetric "
				  "algorithms but jwks_file is not set");
	if (ic->hmac_kid && !ic->hmac_secret_file)
		return finish_err(err, OIDC_E_CONFIG, sec, "hmac_kid", "set without "
				  "hmac_secret_file");
	return OIDC_OK;
}

static bool tenant_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Parts of an issuer before and after {tenantid} (all of it when plain). */
static void issuer_parts(const struct oidc_issuer_cfg *ic, size_t *pre,
			 const char **suf)
{
	*pre = ic->is_template ? ic->issuer_prefix_len : strlen(ic->issuer);
	*suf = ic->is_template ? ic->issuer + *pre + sizeof(tenant_placeholder) - 1 :
				 "";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t sl = strlen(s), xl = strlen(suffix);

	return sl >= xl && strcmp(s + sl - xl, suffix) == 0;
}

/*
 * Could one iss select both a and b? validate.c takes the first section
 * whose issuer matches, so an overlap would let the order of sections
 * decide which policy checks a token: refuse it.
 */
static bool issuers_overlap(const struct oidc_issuer_cfg *a,
			    const struct oidc_issuer_cfg *b)
{
	size_t pa, pb;
	const char *sa, *sb;

	if (strcmp(a->issuer, b->issuer) == 0)
		return true;
	if (!a->is_template && !b->is_template)
		return false;
	if (!a->is_template)
		return issuers_overlap(b, a);
	issuer_parts(a, &pa, &sa);
	issuer_parts(b, &pb, &sb);
	if (!b->is_template) {
		size_t lb = strlen(b->issuer), sl = strlen(sa);

		if (lb <= pa + sl || strncmp(a->issuer, b->issuer, pa) != 0 ||
		    !ends_with(b->issuer, sa))
			return false;
		for (size_t i = pa; i < lb - sl; i++)
			if (!tenant_char(b->issuer[i]))
				return false;
		return true;
	}
	/* two templates: conservative, comparable prefixes and suffixes */
	return strncmp(a->issuer, b->issuer, pa < pb ? pa : pb) == 0 &&
	       (ends_with(sa, sb) || ends_with(sb, sa));
}

static enum oidc_status load_jwks(struct oidc_issuer_cfg *ic, const char *sec,
				  struct oidc_error *err)
{
	struct oidc_error e = { OIDC_OK, "" };
	char pbuf[160];
	const char *path = oidc_config_short_path(ic->jwks_file, pbuf, sizeof(pbuf));
	enum oidc_status st;
	char *buf = NULL;
	size_t len = 0;

	/* The JWKS decides who may log in: same rules as the config file. */
	st = oidc_trusted_file_read(ic->jwks_file, OIDC_FILE_PUBLIC, OIDC_JWKS_MAX, &buf,
				    &len, &e);
	if (st != OIDC_OK)
		return finish_err(err, st, sec, "jwks_file", "%s", e.detail);
	st = oidc_keyset_from_jwks(buf, len, &ic->keys, &e);
	free(buf);
	if (st != OIDC_OK)
		return finish_err(err, st, sec, "jwks_file", "%s: %s", path, e.detail);
	return OIDC_OK;
}

/* Length checks of an HMAC secret of len bytes against the algorithms. */
static enum oidc_status check_secret_len(const struct oidc_issuer_cfg *ic,
					 const char *sec, const char *path,
					 size_t len, struct oidc_error *err)
{
	/* A5: RFC 7518 3.2 wants at least the hash output size. */
	if (len < HMAC_SECRET_MIN)
		return finish_err(err, OIDC_E_CONFIG, sec, "hmac_secret_file", "%s: %zu bytes; "
				  "use at least %d random bytes", path, len,
				  HMAC_SECRET_MIN);
	if (len > OIDC_SECRET_MAX)
		return finish_err(err, OIDC_E_CONFIG, sec, "hmac_secret_file", "%s: more than %d "
				  "bytes", path, OIDC_SECRET_MAX);
	if ((ic->algorithms & OIDC_ALG_BIT(OIDC_ALG_HS384)) && len < 48)
		return finish_err(err, OIDC_E_CONFIG, sec, "algorithms", "HS384 needs a secret "
				  "of at least 48 bytes, %s has %zu", path, len);
	if ((ic->algorithms & OIDC_ALG_BIT(OIDC_ALG_HS512)) && len < 64)
		return finish_err(err, OIDC_E_CONFIG, sec, "algorithms", "HS512 needs a secret "
				  "of at least 64 bytes, %s has %zu", path, len);
	return OIDC_OK;
}

static enum oidc_status load_secret(struct oidc_issuer_cfg *ic, const char *sec,
				    struct oidc_error *err)
{
	struct oidc_error e = { OIDC_OK, "" };
	char pbuf[160];
	const char *path = oidc_config_short_path(ic->hmac_secret_file, pbuf,
						  sizeof(pbuf));
	struct oidc_key *key = NULL;
	enum oidc_status st;
	char *buf = NULL;
	size_t len = 0, read_len = 0;

	/* a secret others can read is no secret */
	st = oidc_trusted_file_read(ic->hmac_secret_file, OIDC_FILE_SECRET,
				    OIDC_SECRET_MAX + 1, &buf, &read_len, &e);
	if (st != OIDC_OK)
		return finish_err(err, st, sec, "hmac_secret_file", "%s", e.detail);
	len = read_len;
	if (len && buf[len - 1] == '\n')
		len--;
	st = check_secret_len(ic, sec, path, len, err);
	if (st != OIDC_OK)
		goto out;
	st = oidc_key_from_secret((const unsigned char *)buf, len, ic->hmac_kid, &key, &e);
	if (st != OIDC_OK) {
		st = finish_err(err, st, sec, "hmac_secret_file", "%s: %s", path,
				e.detail);
		goto out;
	}
	if (!ic->keys && oidc_keyset_new(&ic->keys) != OIDC_OK) {
		oidc_key_free(&key);
		st = finish_err(err, OIDC_E_NOMEM, sec, "hmac_secret_file",
				"out of memory");
		goto out;
	}
	st = oidc_keyset_add(ic->keys, key, &e);
	if (st != OIDC_OK)
		st = finish_err(err, st, sec, "hmac_kid", "%s", e.detail);
out:
	oidc_free_secret(buf, read_len + 1);
	return st;
}

/* The introspection client secret: private like the HMAC secret. */
static enum oidc_status load_client_secret(struct oidc_issuer_cfg *ic,
					   const char *sec, struct oidc_error *err)
{
	struct oidc_error e = { OIDC_OK, "" };
	char pbuf[160], *buf = NULL;
	const char *path = oidc_config_short_path(ic->client_secret_file, pbuf,
						  sizeof(pbuf));
	size_t len = 0;
	enum oidc_status st;

	oidc_free_secret(ic->client_secret, ic->client_secret_len + 1);
	ic->client_secret = NULL;
	st = oidc_trusted_file_read(ic->client_secret_file, OIDC_FILE_SECRET,
				    OIDC_SECRET_MAX, &buf, &len, &e);
	if (st != OIDC_OK)
		return finish_err(err, st, sec, "client_secret_file", "%s", e.detail);
	ic->client_secret_len = len;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len == 0 || strlen(buf) != len) {
		oidc_free_secret(buf, ic->client_secret_len + 1);
		return finish_err(err, OIDC_E_CONFIG, sec, "client_secret_file", "%s: "
				  "empty, or has a NUL byte", path);
	}
	ic->client_secret = buf;
	return OIDC_OK;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct oidc_map_entry *)a)->from,
		      ((const struct oidc_map_entry *)b)->from);
}

/* One "from to" line (trimmed, not a comment) appended to r. */
static enum oidc_status map_line(struct oidc_map_rule *r, char *s, size_t *cap,
				 char *why, size_t why_cap)
{
	char *to = s + strcspn(s, " \t"), *end;
	struct oidc_map_entry *e;

	if (*to)
		*to++ = '\0';
	to += strspn(to, " \t");
	end = to + strcspn(to, " \t");
	if (!*to || *end || strlen(s) > OIDC_USERNAME_MAX ||
	    strlen(to) > OIDC_USERNAME_MAX) {
		snprintf(why, why_cap, "expected 'from to' (two names of at "
			 "most %d bytes)", OIDC_USERNAME_MAX);
		return OIDC_E_CONFIG;
	}
	if (r->n_entries == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		e = realloc(r->entries, ncap * sizeof(*e));
		if (!e)
			return OIDC_E_NOMEM;
		r->entries = e;
		*cap = ncap;
	}
	e = &r->entries[r->n_entries];
	e->from = strdup(s);
	e->to = strdup(to);
	r->n_entries++;
	if (!e->from || !e->to)
		return OIDC_E_NOMEM;
	return OIDC_OK;
}

static enum oidc_status parse_map_file(struct oidc_map_rule *r, char *buf,
				       size_t len, const char *sec,
				       const char *path, struct oidc_error *err)
{
	char why[160] = "";
	unsigned lineno = 0;
	size_t cap = 0;

	for (char *line = buf; line < buf + len;) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line)), *s;
		size_t n = nl ? (size_t)(nl - line) : (size_t)(buf + len - line);
		enum oidc_status st;

		lineno++;
		line[n] = '\0';
		s = line;
		line += n + 1;
		if (n && s[n - 1] == '\r')
			s[--n] = '\0';
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];

			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return finish_err(err, OIDC_E_CONFIG, sec, "username_map", "%s:%u: "
						  "NUL or control character", path, lineno);
		}
		s += strspn(s, " \t");
		if (!*s || *s == '#')
			continue;
		st = map_line(r, s, &cap, why, sizeof(why));
		if (st != OIDC_OK)
			return finish_err(err, st, sec, "username_map", "%s:%u: %s",
					  path, lineno, st == OIDC_E_NOMEM ?
					  "out of memory" : why);
	}
	/* sorted, so duplicates are neighbours (and lookups may bsearch) */
	if (r->n_entries > 1)
		qsort(r->entries, r->n_entries, sizeof(*r->entries), entry_cmp);
	for (size_t i = 1; i < r->n_entries; i++)
		if (strcmp(r->entries[i - 1].from, r->entries[i].from) == 0)
			return finish_err(err, OIDC_E_CONFIG, sec, "username_map", "%s: '%.64s' "
					  "is mapped twice", path, r->entries[i].from);
	return OIDC_OK;
}

static enum oidc_status load_map_files(struct oidc_issuer_cfg *ic,
				       const char *sec, struct oidc_error *err)
{
	for (size_t i = 0; i < ic->n_username_map; i++) {
		struct oidc_map_rule *r = &ic->username_map[i];
		struct oidc_error e = { OIDC_OK, "" };
		char pbuf[160], *buf = NULL;
		const char *path;
		enum oidc_status st;
		size_t len = 0;

		if (r->op != OIDC_MAP_FILE)
			continue;
		path = oidc_config_short_path(r->arg, pbuf, sizeof(pbuf));
		oidc_map_entries_clear(r);
		/* a map decides which account a token gets */
		st = oidc_trusted_file_read(r->arg, OIDC_FILE_PUBLIC, OIDC_CONFIG_FILE_MAX,
					    &buf, &len, &e);
		if (st != OIDC_OK)
			return finish_err(err, st, sec, "username_map", "%s", e.detail);
		st = parse_map_file(r, buf, len, sec, path, err);
		free(buf);
		if (st != OIDC_OK)
			return st;
	}
	return OIDC_OK;
}

/*
 * The CA bundle decides which servers we believe are the provider: checked
 * like the config file. libcurl reads it by name at each connection, so the
 * directory rule (nobody else can replace the name) is what keeps it ours.
 * And it must be one: a file without a certificate (ca_file = /etc/passwd)
 * is refused here, not at the first login (ca_file.c; check-config parses
 * every certificate).
 */
static enum oidc_status check_ca_file(const struct oidc_issuer_cfg *ic,
				      const char *sec, struct oidc_error *err)
{
	struct oidc_error e = { OIDC_OK, "" };
	enum oidc_status st;

	st = oidc_ca_file_check(ic->ca_file, false, NULL, &e);
	if (st != OIDC_OK)
		return finish_err(err, st, sec, "ca_file", "%s", e.detail);
	return OIDC_OK;
}

static enum oidc_status load_issuer_files(struct oidc_issuer_cfg *ic,
					  const char *sec, struct oidc_error *err)
{
	enum oidc_status st = OIDC_OK;

	oidc_keyset_free(&ic->keys); /* a second finish after a failed one */
	if (ic->ca_file)
		st = check_ca_file(ic, sec, err);
	if (st == OIDC_OK && ic->jwks_file)
		st = load_jwks(ic, sec, err);
	if (st == OIDC_OK && ic->hmac_secret_file)
		st = load_secret(ic, sec, err);
	if (st == OIDC_OK && ic->client_secret_file)
		st = load_client_secret(ic, sec, err);
	if (st == OIDC_OK)
		st = load_map_files(ic, sec, err);
	return st;
}

OIDC_EXPORT enum oidc_status oidc_config_finish(struct oidc_config *cfg,
						struct oidc_error *err)
{
	size_t n = cfg && cfg->n_sections ? cfg->n_sections : 1;
	enum oidc_status st;

	if (!cfg)
		return oidc_err(err, OIDC_E_INTERNAL, "oidc_config_finish: no config");
	if (cfg->finished)
		return oidc_err(err, OIDC_E_CONFIG, "the configuration is already "
				"finished");
	if (cfg->n_sections && cfg->top.issuer)
		return oidc_err(err, OIDC_E_CONFIG, "issuer: set issuer inside each "
				"[issuer] section, not at the top level");
	for (size_t i = 0; i < n; i++) {
		struct oidc_issuer_cfg *ic = cfg->n_sections ? cfg->sections[i] : &cfg->top;

		st = check_issuer(ic, cfg->n_sections ? ic->name : NULL, err);
		if (st != OIDC_OK)
			return st;
	}
	for (size_t i = 0; i < cfg->n_sections; i++) {
		for (size_t j = i + 1; j < cfg->n_sections; j++) {
			if (issuers_overlap(cfg->sections[i], cfg->sections[j]))
				return finish_err(err, OIDC_E_CONFIG, cfg->sections[j]->name,
						  "issuer", "also matches the issuer "
						  "of [issuer %s]",
						  cfg->sections[i]->name);
		}
	}
	/* An opaque token names no issuer: it may go to one provider only,
	 * never be tried at several (that would hand it to all of them). */
	for (size_t i = 0, opaque = 0; i < cfg->n_sections; i++)
		if (cfg->sections[i]->accept_opaque && ++opaque > 1)
			return finish_err(err, OIDC_E_CONFIG, cfg->sections[i]->name,
					  "token_types", "opaque is allowed for one issuer "
					  "only (an opaque token cannot say whose it is)");
	for (size_t i = 0; i < n; i++) {
		struct oidc_issuer_cfg *ic = cfg->n_sections ? cfg->sections[i] : &cfg->top;

		st = load_issuer_files(ic, cfg->n_sections ? ic->name : NULL, err);
		if (st != OIDC_OK)
			return st;
	}
	/* with the map files loaded: which names each issuer can produce */
	st = oidc_namespace_check(cfg, err);
	if (st != OIDC_OK)
		return st;
	cfg->finished = true;
	return OIDC_OK;
}
