/* SPDX-License-Identifier: MIT */
/*
 * config_priv.h - shared between config.c (parser, sources, visit),
 * config_opts.c (the option table), config_values.c (value parsers) and
 * config_finish.c (checks and loading of named files) and namespace.c
 * (who owns a user name). Nothing else includes it.
 */
#ifndef OIDC_CONFIG_PRIV_H
#define OIDC_CONFIG_PRIV_H

#include "internal.h"

enum oidc_opt_type {
	OIDC_OPT_ISSUER,      /* https URL, optional {tenantid} */
	OIDC_OPT_PATH,        /* absolute path */
	OIDC_OPT_KID,         /* opaque key id */
	OIDC_OPT_INT,         /* int64_t within min..max */
	OIDC_OPT_ALGS,        /* uint32_t mask */
	OIDC_OPT_LIST,        /* struct oidc_strlist of printable items */
	OIDC_OPT_SCOPES,      /* strlist of RFC 6749 3.3 scope tokens */
	OIDC_OPT_CLAIM_NAMES, /* strlist of claim names */
	OIDC_OPT_TENANTS,     /* strlist of tenant ids */
	OIDC_OPT_TYP,         /* strlist of normalised typ values */
	OIDC_OPT_MAP,         /* username_map / n_username_map */
	OIDC_OPT_CLAIM_REQS,  /* required_claims / n_required_claims */
	OIDC_OPT_URL,         /* https URL (http only for loopback tests) */
	OIDC_OPT_PROXY,       /* proxy URL: http, https or socks5h */
	OIDC_OPT_RESERVED,    /* a key of the next release: refused */
};

/* One row of the option table: every source sets options through it. */
struct oidc_option {
	const char *key;
	enum oidc_opt_type type;
	size_t offset;        /* offsetof(struct oidc_issuer_cfg, field) */
	const char *def;      /* default in config syntax, or NULL */
	int64_t min, max;     /* OIDC_OPT_INT bounds */
};

extern const struct oidc_option oidc_options[];
extern const size_t oidc_options_count;

/* The option named key (exact), its index in *index_out; NULL if unknown. */
const struct oidc_option *oidc_option_find(const char *key, size_t *index_out);

/*
 * Parse value for opt and replace the field of ic on success (ic unchanged
 * on failure). where is the error prefix: "FILE:LINE: " or "argument ".
 * OIDC_E_CONFIG (detail "WHERE KEY: what to fix"), OIDC_E_NOMEM.
 */
enum oidc_status oidc_option_apply(struct oidc_issuer_cfg *ic,
				   const struct oidc_option *opt,
				   const char *value, const char *where,
				   struct oidc_error *err);

/* The effective value of opt in ic in config syntax (malloc'd), or NULL in
 * *out when it has none. OIDC_E_NOMEM. */
enum oidc_status oidc_option_format(const struct oidc_issuer_cfg *ic,
				    const struct oidc_option *opt, char **out);

/*
 * Value parsers (config_values.c). The _ok checks return false and fill
 * why; the others return OIDC_OK, OIDC_E_CONFIG (why filled) or
 * OIDC_E_NOMEM, and write their output only on success.
 */
bool oidc_value_issuer_ok(const char *v, char *why, size_t cap);
bool oidc_value_int_ok(const char *v, int64_t min, int64_t max, int64_t *out,
		       char *why, size_t cap);
bool oidc_value_path_ok(const char *v, char *why, size_t cap);
bool oidc_value_url_ok(const char *v, char *why, size_t cap);
bool oidc_value_proxy_ok(const char *v, char *why, size_t cap);
bool oidc_value_kid_ok(const char *v, char *why, size_t cap);
/* A non-empty list for OIDC_OPT_LIST, _SCOPES, _CLAIM_NAMES, _TENANTS, _TYP. */
enum oidc_status oidc_value_list(const char *v, enum oidc_opt_type type,
				 struct oidc_strlist *out, char *why, size_t cap);
enum oidc_status oidc_value_algs(const char *v, uint32_t *mask_out, char *why,
				 size_t cap);
enum oidc_status oidc_value_map(const char *v, struct oidc_map_rule **rules_out,
				size_t *n_out, char *why, size_t cap);
enum oidc_status oidc_value_claim_reqs(const char *v, struct oidc_claim_req **out,
				       size_t *n_out, char *why, size_t cap);
void oidc_map_rules_free(struct oidc_map_rule *rules, size_t n);
void oidc_claim_reqs_free(struct oidc_claim_req *reqs, size_t n);

/* Deep copy of every option and set_bits from src into dst (name, keys and
 * loaded map entries are not copied). dst must be cleared. OIDC_E_NOMEM. */
enum oidc_status oidc_issuer_cfg_copy(struct oidc_issuer_cfg *dst,
				      const struct oidc_issuer_cfg *src);

/* Set every option of ic to its default (set_bits untouched). */
enum oidc_status oidc_issuer_cfg_defaults(struct oidc_issuer_cfg *ic,
					  struct oidc_error *err);

/* Free everything ic owns and zero it. */
void oidc_issuer_cfg_clear(struct oidc_issuer_cfg *ic);

/* Free the entries loaded from map files. */
void oidc_map_entries_clear(struct oidc_map_rule *rule);

#endif /* OIDC_CONFIG_PRIV_H */
