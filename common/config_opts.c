/* SPDX-License-Identifier: MIT */
/*
 * config_opts.c - the one option table of oidc-auth.conf(5) and what is
 * done with it: apply a value, format it back, copy and free options.
 * Every source (file line, PAM argument, SASL option, CLI flag) ends in
 * oidc_option_apply(), so a key means the same everywhere and a bad value
 * is refused the same way everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define OIDC_STR(x) #x
#define OIDC_XSTR(x) OIDC_STR(x)
#define OFF(field) offsetof(struct oidc_issuer_cfg, field)

/* Keys of the next release (network key sources). They are refused, not
 * ignored: a config written for them must not silently run without them. */
#define RESERVED(k) { k, OIDC_OPT_RESERVED, 0, NULL, 0, 0 }

const struct oidc_option oidc_options[] = {
	{ "issuer", OIDC_OPT_ISSUER, OFF(issuer), NULL, 0, 0 },
	/* checklist E3: Google's scheme-less iss; config_finish.c says which */
	{ "issuer_aliases", OIDC_OPT_LIST, OFF(issuer_aliases), NULL, 0, 0 },
	{ "audience", OIDC_OPT_LIST, OFF(audience), NULL, 0, 0 },
	{ "jwks_file", OIDC_OPT_PATH, OFF(jwks_file), NULL, 0, 0 },
	{ "hmac_secret_file", OIDC_OPT_PATH, OFF(hmac_secret_file), NULL, 0, 0 },
	{ "hmac_kid", OIDC_OPT_KID, OFF(hmac_kid), NULL, 0, 0 },
	/* default: every asymmetric algorithm (OIDC_ALG_MASK_ASYM) */
	{ "algorithms", OIDC_OPT_ALGS, OFF(algorithms), NULL, 0, 0 },
	{ "leeway", OIDC_OPT_INT, OFF(leeway), OIDC_XSTR(OIDC_LEEWAY_DEFAULT), 0,
	  OIDC_LEEWAY_MAX },
	{ "max_token_size", OIDC_OPT_INT, OFF(max_token_size),
	  OIDC_XSTR(OIDC_TOKEN_MAX_DEFAULT), 1024, OIDC_TOKEN_MAX_LIMIT },
	/* RFC 9068 2.1 types, plus JWT/absent for IdPs that do not type */
	{ "accept_typ", OIDC_OPT_TYP, OFF(accept_typ),
	  "at+jwt, application/at+jwt, JWT, absent", 0, 0 },
	{ "username_claim", OIDC_OPT_CLAIM_NAMES, OFF(username_claim), "sub", 0, 0 },
	{ "username_map", OIDC_OPT_MAP, OFF(username_map), NULL, 0, 0 },
	{ "required_scopes", OIDC_OPT_SCOPES, OFF(required_scopes), NULL, 0, 0 },
	{ "required_claims", OIDC_OPT_CLAIM_REQS, OFF(required_claims), NULL, 0, 0 },
	{ "azp", OIDC_OPT_LIST, OFF(azp), NULL, 0, 0 },
	/* Tokens without aud bound by their client instead (binding.c). */
	{ "accept_clients", OIDC_OPT_LIST, OFF(accept_clients), NULL, 0, 0 },
	{ "allowed_tenants", OIDC_OPT_TENANTS, OFF(allowed_tenants), NULL, 0, 0 },
	/* Network key sources: used when neither jwks_file nor
	 * hmac_secret_file is set (keysource.c). */
	{ "discovery_url", OIDC_OPT_URL, OFF(discovery_url), NULL, 0, 0 },
	{ "jwks_uri", OIDC_OPT_URL, OFF(jwks_uri), NULL, 0, 0 },
	{ "ca_file", OIDC_OPT_PATH, OFF(ca_file), NULL, 0, 0 },
	{ "proxy", OIDC_OPT_PROXY, OFF(proxy), NULL, 0, 0 },
	{ "http_timeout", OIDC_OPT_INT, OFF(http_timeout), "5", 1, 60 },
	{ "cache_dir", OIDC_OPT_PATH, OFF(cache_dir), "/var/cache/oidc-auth", 0, 0 },
	{ "cache_ttl_min", OIDC_OPT_INT, OFF(cache_ttl_min), "300", 0, 86400 },
	{ "cache_ttl_max", OIDC_OPT_INT, OFF(cache_ttl_max), "86400", 60, 2592000 },
	{ "cache_stale_max", OIDC_OPT_INT, OFF(cache_stale_max), "86400", 0, 2592000 },
	{ "jwks_refetch_interval", OIDC_OPT_INT, OFF(jwks_refetch_interval), "60", 1,
	  86400 },
	/* Opaque tokens through RFC 7662 introspection (introspect.c). */
	{ "token_types", OIDC_OPT_LIST, OFF(token_types), "jwt", 0, 0 },
	{ "introspection_endpoint", OIDC_OPT_URL, OFF(introspection_endpoint), NULL, 0,
	  0 },
	{ "client_id", OIDC_OPT_KID, OFF(client_id), NULL, 0, 0 },
	{ "client_secret_file", OIDC_OPT_PATH, OFF(client_secret_file), NULL, 0, 0 },
	{ "client_auth", OIDC_OPT_LIST, OFF(client_auth), "basic", 0, 0 },
	/* Userinfo (OIDC Core 5.3) as validation or enrichment. */
	{ "userinfo_endpoint", OIDC_OPT_URL, OFF(userinfo_endpoint), NULL, 0, 0 },
	{ "userinfo", OIDC_OPT_LIST, OFF(userinfo), "off", 0, 0 },
	/* What binds a userinfo = validate token: Google's tokeninfo. */
	{ "tokeninfo_endpoint", OIDC_OPT_URL, OFF(tokeninfo_endpoint), NULL, 0, 0 },
	/* OIDC Core 3.1.3.7 ID tokens presented as bearer tokens. */
	{ "accept_id_tokens", OIDC_OPT_LIST, OFF(accept_id_tokens), "no", 0, 0 },
	/* OAuth client side: RFC 8628 device flow, RFC 6749 token endpoint. */
	{ "token_endpoint", OIDC_OPT_URL, OFF(token_endpoint), NULL, 0, 0 },
	{ "device_authorization_endpoint", OIDC_OPT_URL,
	  OFF(device_authorization_endpoint), NULL, 0, 0 },
	{ "request_scopes", OIDC_OPT_SCOPES, OFF(request_scopes), NULL, 0, 0 },
	{ "request_resource", OIDC_OPT_LIST, OFF(request_resource), NULL, 0, 0 },
	{ "device_timeout", OIDC_OPT_INT, OFF(device_timeout), "100", 10, 3600 },
	/* Who owns a local user name (namespace.c, identity.c). */
	{ "username_namespace", OIDC_OPT_LIST, OFF(username_namespace), NULL, 0, 0 },
	{ "allow_system_users", OIDC_OPT_LIST, OFF(allow_system_users), NULL, 0, 0 },
	/* Debian's UID_MIN (login.defs(5)): below it, system accounts */
	{ "min_user_uid", OIDC_OPT_INT, OFF(min_user_uid), "1000", 1, INT32_MAX },
};

const size_t oidc_options_count = sizeof(oidc_options) / sizeof(oidc_options[0]);

/* set_bits has one bit per option. */
_Static_assert(sizeof(oidc_options) / sizeof(oidc_options[0]) <= 64,
	       "set_bits holds at most 64 options");

OIDC_EXPORT const char *oidc_config_key_name(size_t i)
{
	return i < oidc_options_count ? oidc_options[i].key : NULL;
}

const struct oidc_option *oidc_option_find(const char *key, size_t *index_out)
{
	for (size_t i = 0; i < oidc_options_count; i++) {
		if (strcmp(oidc_options[i].key, key) == 0) {
			if (index_out)
				*index_out = i;
			return &oidc_options[i];
		}
	}
	return NULL;
}

/* ---- apply, format, copy, clear ---- */

static enum oidc_status replace_string(char **field, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return OIDC_E_NOMEM;
	free(*field);
	*field = s;
	return OIDC_OK;
}

static enum oidc_status apply_list(struct oidc_strlist *field, const char *v,
				   enum oidc_opt_type type, char *why, size_t cap)
{
	struct oidc_strlist l = { NULL, 0 };
	enum oidc_status st = oidc_value_list(v, type, &l, why, cap);

	if (st != OIDC_OK)
		return st;
	oidc_strlist_clear(field);
	*field = l;
	return OIDC_OK;
}

enum oidc_status oidc_option_apply(struct oidc_issuer_cfg *ic,
				   const struct oidc_option *opt,
				   const char *value, const char *where,
				   struct oidc_error *err)
{
	void *field = (char *)ic + opt->offset;
	enum oidc_status st = OIDC_E_CONFIG;
	char why[160] = "";

	if (!value || !*value) {
		snprintf(why, sizeof(why), "empty value");
		goto out;
	}
	switch (opt->type) {
	case OIDC_OPT_ISSUER:
		if (oidc_value_issuer_ok(value, why, sizeof(why)))
			st = replace_string(field, value);
		break;
	case OIDC_OPT_PATH:
		if (oidc_value_path_ok(value, why, sizeof(why)))
			st = replace_string(field, value);
		break;
	case OIDC_OPT_URL:
		if (oidc_value_url_ok(value, why, sizeof(why)))
			st = replace_string(field, value);
		break;
	case OIDC_OPT_PROXY:
		if (oidc_value_proxy_ok(value, why, sizeof(why)))
			st = replace_string(field, value);
		break;
	case OIDC_OPT_KID:
		if (oidc_value_kid_ok(value, why, sizeof(why)))
			st = replace_string(field, value);
		break;
	case OIDC_OPT_INT: {
		int64_t n;

		if (oidc_value_int_ok(value, opt->min, opt->max, &n, why, sizeof(why))) {
			*(int64_t *)field = n;
			st = OIDC_OK;
		}
		break;
	}
	case OIDC_OPT_ALGS: {
		uint32_t mask = 0;

		st = oidc_value_algs(value, &mask, why, sizeof(why));
		if (st == OIDC_OK)
			*(uint32_t *)field = mask;
		break;
	}
	case OIDC_OPT_LIST:
	case OIDC_OPT_SCOPES:
	case OIDC_OPT_CLAIM_NAMES:
	case OIDC_OPT_TENANTS:
	case OIDC_OPT_TYP:
		st = apply_list(field, value, opt->type, why, sizeof(why));
		break;
	case OIDC_OPT_MAP: {
		struct oidc_map_rule *rules = NULL;
		size_t n = 0;

		st = oidc_value_map(value, &rules, &n, why, sizeof(why));
		if (st == OIDC_OK) {
			oidc_map_rules_free(ic->username_map, ic->n_username_map);
			ic->username_map = rules;
			ic->n_username_map = n;
		}
		break;
	}
	case OIDC_OPT_CLAIM_REQS: {
		struct oidc_claim_req *reqs = NULL;
		size_t n = 0;

		st = oidc_value_claim_reqs(value, &reqs, &n, why, sizeof(why));
		if (st == OIDC_OK) {
			oidc_claim_reqs_free(ic->required_claims, ic->n_required_claims);
			ic->required_claims = reqs;
			ic->n_required_claims = n;
		}
		break;
	}
	case OIDC_OPT_RESERVED:
		snprintf(why, sizeof(why), "reserved for a later release (userinfo "
			 "validation, ID tokens) and not supported yet");
		break;
	}
out:
	if (st == OIDC_E_NOMEM)
		return oidc_err(err, st, "%s%s: out of memory", where, opt->key);
	if (st != OIDC_OK)
		return oidc_err(err, OIDC_E_CONFIG, "%s%s: %s", where, opt->key, why);
	return OIDC_OK;
}

/* A growing string; oom sticks so callers check once at the end. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, ncap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void sb_list(struct sbuf *b, const struct oidc_strlist *l, const char *sep)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			sb_add(b, sep);
		sb_add(b, l->v[i]);
	}
}

static void format_map(struct sbuf *b, const struct oidc_issuer_cfg *ic)
{
	for (size_t i = 0; i < ic->n_username_map; i++) {
		const struct oidc_map_rule *r = &ic->username_map[i];

		if (i)
			sb_add(b, ", ");
		switch (r->op) {
		case OIDC_MAP_LOWERCASE:
			sb_add(b, "lowercase");
			break;
		case OIDC_MAP_STRIP_DOMAIN:
			sb_add(b, "strip_domain:");
			break;
		case OIDC_MAP_KEEP_DOMAIN:
			sb_add(b, "keep_domain:");
			break;
		case OIDC_MAP_FILE:
			sb_add(b, "map_file:");
			break;
		}
		if (r->arg)
			sb_add(b, r->arg);
	}
}

enum oidc_status oidc_option_format(const struct oidc_issuer_cfg *ic,
				    const struct oidc_option *opt, char **out)
{
	const void *field = (const char *)ic + opt->offset;
	struct sbuf b = { NULL, 0, 0, false };
	char num[32];

	switch (opt->type) {
	case OIDC_OPT_ISSUER:
	case OIDC_OPT_PATH:
	case OIDC_OPT_URL:
	case OIDC_OPT_PROXY:
	case OIDC_OPT_KID:
		if (*(char *const *)field)
			sb_add(&b, *(char *const *)field);
		break;
	case OIDC_OPT_INT:
		snprintf(num, sizeof(num), "%lld", (long long)*(const int64_t *)field);
		sb_add(&b, num);
		break;
	case OIDC_OPT_ALGS:
		for (int a = 0; a < OIDC_ALG_COUNT; a++) {
			const struct oidc_alg_info *info = oidc_alg_get((enum oidc_alg)a);

			if (!(*(const uint32_t *)field & OIDC_ALG_BIT(a)) || !info)
				continue;
			if (b.len)
				sb_add(&b, ", ");
			sb_add(&b, info->name);
		}
		break;
	case OIDC_OPT_LIST:
	case OIDC_OPT_SCOPES:
	case OIDC_OPT_CLAIM_NAMES:
	case OIDC_OPT_TENANTS:
	case OIDC_OPT_TYP:
		sb_list(&b, field, ", ");
		break;
	case OIDC_OPT_MAP:
		format_map(&b, ic);
		break;
	case OIDC_OPT_CLAIM_REQS:
		for (size_t i = 0; i < ic->n_required_claims; i++) {
			if (i)
				sb_add(&b, ", ");
			sb_add(&b, ic->required_claims[i].claim);
			sb_add(&b, "=");
			sb_list(&b, &ic->required_claims[i].values, "|");
		}
		break;
	case OIDC_OPT_RESERVED:
		break;
	}
	if (b.oom) {
		free(b.p);
		return OIDC_E_NOMEM;
	}
	*out = b.p;
	return OIDC_OK;
}

static enum oidc_status copy_string(char **dst, const char *src)
{
	if (!src)
		return OIDC_OK;
	*dst = strdup(src);
	return *dst ? OIDC_OK : OIDC_E_NOMEM;
}

static enum oidc_status copy_map(struct oidc_issuer_cfg *dst,
				 const struct oidc_issuer_cfg *src)
{
	if (!src->n_username_map)
		return OIDC_OK;
	dst->username_map = calloc(src->n_username_map, sizeof(*dst->username_map));
	if (!dst->username_map)
		return OIDC_E_NOMEM;
	dst->n_username_map = src->n_username_map;
	for (size_t i = 0; i < src->n_username_map; i++) {
		dst->username_map[i].op = src->username_map[i].op;
		if (copy_string(&dst->username_map[i].arg, src->username_map[i].arg))
			return OIDC_E_NOMEM;
	}
	return OIDC_OK;
}

static enum oidc_status copy_claim_reqs(struct oidc_issuer_cfg *dst,
					const struct oidc_issuer_cfg *src)
{
	if (!src->n_required_claims)
		return OIDC_OK;
	dst->required_claims = calloc(src->n_required_claims,
				      sizeof(*dst->required_claims));
	if (!dst->required_claims)
		return OIDC_E_NOMEM;
	dst->n_required_claims = src->n_required_claims;
	for (size_t i = 0; i < src->n_required_claims; i++) {
		const struct oidc_claim_req *s = &src->required_claims[i];
		struct oidc_claim_req *d = &dst->required_claims[i];

		if (copy_string(&d->claim, s->claim) ||
		    oidc_strlist_copy(&s->values, &d->values))
			return OIDC_E_NOMEM;
	}
	return OIDC_OK;
}

enum oidc_status oidc_issuer_cfg_copy(struct oidc_issuer_cfg *dst,
				      const struct oidc_issuer_cfg *src)
{
	enum oidc_status st = OIDC_OK;

	for (size_t i = 0; i < oidc_options_count && st == OIDC_OK; i++) {
		const struct oidc_option *opt = &oidc_options[i];
		const void *sf = (const char *)src + opt->offset;
		void *df = (char *)dst + opt->offset;

		switch (opt->type) {
		case OIDC_OPT_ISSUER:
		case OIDC_OPT_PATH:
		case OIDC_OPT_URL:
		case OIDC_OPT_PROXY:
		case OIDC_OPT_KID:
			st = copy_string(df, *(char *const *)sf);
			break;
		case OIDC_OPT_INT:
			*(int64_t *)df = *(const int64_t *)sf;
			break;
		case OIDC_OPT_ALGS:
			*(uint32_t *)df = *(const uint32_t *)sf;
			break;
		case OIDC_OPT_LIST:
		case OIDC_OPT_SCOPES:
		case OIDC_OPT_CLAIM_NAMES:
		case OIDC_OPT_TENANTS:
		case OIDC_OPT_TYP:
			st = oidc_strlist_copy(sf, df);
			break;
		case OIDC_OPT_MAP:
			st = copy_map(dst, src);
			break;
		case OIDC_OPT_CLAIM_REQS:
			st = copy_claim_reqs(dst, src);
			break;
		case OIDC_OPT_RESERVED:
			break;
		}
	}
	dst->set_bits = src->set_bits;
	return st;
}

void oidc_issuer_cfg_clear(struct oidc_issuer_cfg *ic)
{
	free(ic->name);
	free(ic->issuer);
	oidc_strlist_clear(&ic->issuer_aliases);
	free(ic->jwks_file);
	free(ic->hmac_secret_file);
	free(ic->hmac_kid);
	oidc_strlist_clear(&ic->token_types);
	oidc_strlist_clear(&ic->client_auth);
	oidc_strlist_clear(&ic->request_scopes);
	oidc_strlist_clear(&ic->request_resource);
	oidc_strlist_clear(&ic->accept_id_tokens);
	oidc_strlist_clear(&ic->userinfo);
	oidc_strlist_clear(&ic->username_namespace);
	oidc_strlist_clear(&ic->allow_system_users);
	free(ic->token_endpoint);
	free(ic->device_authorization_endpoint);
	oidc_free_secret(ic->client_secret, ic->client_secret_len + 1);
	oidc_strlist_clear(&ic->audience);
	oidc_strlist_clear(&ic->accept_typ);
	oidc_strlist_clear(&ic->username_claim);
	oidc_strlist_clear(&ic->required_scopes);
	oidc_strlist_clear(&ic->azp);
	oidc_strlist_clear(&ic->accept_clients);
	oidc_strlist_clear(&ic->allowed_tenants);
	oidc_map_rules_free(ic->username_map, ic->n_username_map);
	oidc_claim_reqs_free(ic->required_claims, ic->n_required_claims);
	/* network key and token sources */
	free(ic->discovery_url);
	free(ic->jwks_uri);
	free(ic->introspection_endpoint);
	free(ic->userinfo_endpoint);
	free(ic->tokeninfo_endpoint);
	free(ic->client_id);
	free(ic->client_secret_file);
	free(ic->ca_file);
	free(ic->proxy);
	free(ic->cache_dir);
	oidc_keyset_free(&ic->keys);
	memset(ic, 0, sizeof(*ic));
}

enum oidc_status oidc_issuer_cfg_defaults(struct oidc_issuer_cfg *ic,
					  struct oidc_error *err)
{
	for (size_t i = 0; i < oidc_options_count; i++) {
		const struct oidc_option *opt = &oidc_options[i];
		enum oidc_status st;

		if (opt->type == OIDC_OPT_ALGS) {
			ic->algorithms = OIDC_ALG_MASK_ASYM;
			continue;
		}
		if (!opt->def)
			continue;
		st = oidc_option_apply(ic, opt, opt->def, "default ", err);
		if (st != OIDC_OK)
			return st;
	}
	return OIDC_OK;
}
