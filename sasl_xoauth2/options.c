/* SPDX-License-Identifier: MIT */
/*
 * options.c - the plugin's options from the host's SASL configuration
 * (smtpd.conf, imapd.conf, slapd.conf): "oidc_config: PATH" and every key of
 * oidc-auth.conf(5) as "oidc_<key>: value", plus the plugin's own options.
 * Cyrus SASL looks options up by name only (the plugin name is ignored by
 * most hosts), hence the unique "oidc_" prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin.h"

/* Number of keys of oidc-auth.conf(5), from the core's own table. */
static size_t xo_n_core_keys(void)
{
	size_t n = 0;

	while (oidc_config_key_name(n))
		n++;
	return n;
}

int xo_parse_bool(const char *v)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		return 1;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") ||
	    !strcmp(v, "0"))
		return 0;
	return -1;
}

/* The value of "name: value" in a SASL-style conf text, or NULL. */
static char *conf_lookup(const char *text, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len > nlen && !strncmp(line, name, nlen) && line[nlen] == ':') {
			const char *v = line + nlen + 1;
			size_t vlen = len - nlen - 1;

			while (vlen && (*v == ' ' || *v == '\t')) {
				v++;
				vlen--;
			}
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' ||
					v[vlen - 1] == '\r'))
				vlen--;
			return strndup(v, vlen);
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* getopt one option (then the conf text); *out a malloc'd copy or NULL. */
static int opt_get(const sasl_utils_t *utils, const char *conf, const char *name,
		   char **out)
{
	const char *v = NULL;
	unsigned len = 0;

	*out = NULL;
	if (utils->getopt &&
	    utils->getopt(utils->getopt_context, XO_PLUGIN_NAME, name, &v, &len) ==
		    SASL_OK &&
	    v) {
		*out = strndup(v, len ? len : strlen(v));
		return *out ? SASL_OK : SASL_NOMEM;
	}
	if (conf) {
		*out = conf_lookup(conf, name);
		/* strndup failing and "not set" look alike: accept that */
	}
	return SASL_OK;
}

/*
 * The whole conf file ($OIDC_SASL_CLIENT_CONF), read like the core's own
 * configuration files (oidc_trusted_file_read: nobody else may change it);
 * NULL with *why set when it is refused, NULL alone when none is named.
 */
static char *conf_read(const char *path, char **why)
{
	struct oidc_error err = { OIDC_OK, "" };
	char *buf = NULL, msg[OIDC_DETAIL_MAX + 64];
	size_t len = 0;

	*why = NULL;
	if (!path || !*path)
		return NULL;
	if (oidc_trusted_file_read(path, OIDC_FILE_PUBLIC, XO_CONF_FILE_MAX, &buf, &len,
				   &err) == OIDC_OK)
		return buf;
	snprintf(msg, sizeof(msg), "%s refused: %s", XO_CLIENT_CONF_ENV, err.detail);
	*why = strdup(msg);
	return NULL;
}

static int set_error(struct xo_options *opts, const char *name, const char *why)
{
	char buf[160];

	if (opts->error)
		return SASL_OK;
	snprintf(buf, sizeof(buf), "%s: %s", name, why);
	opts->error = strdup(buf);
	return opts->error ? SASL_OK : SASL_NOMEM;
}

static int read_plugin_options(const sasl_utils_t *utils, const char *conf,
			       struct xo_options *opts)
{
	char *v = NULL;
	int rc, b;

	if ((rc = opt_get(utils, conf, "oidc_config", &opts->config_path)) != SASL_OK ||
	    (rc = opt_get(utils, conf, "oidc_openid_configuration", &opts->openid_config)) !=
		    SASL_OK ||
	    (rc = opt_get(utils, conf, "oidc_openid_configuration_map",
			  &opts->openid_config_map)) != SASL_OK ||
	    (rc = opt_get(utils, conf, "oidc_sasl_hosts", &opts->hosts)) != SASL_OK ||
	    (rc = opt_get(utils, conf, "oidc_token_file", &opts->token_file)) != SASL_OK ||
	    (rc = opt_get(utils, conf, "oidc_token_grant", &opts->token_grant)) != SASL_OK ||
	    (rc = opt_get(utils, conf, "oidc_refresh_token_file",
			  &opts->refresh_token_file)) != SASL_OK)
		return rc;
	if ((rc = opt_get(utils, conf, "oidc_sasl_noplaintext", &v)) != SASL_OK)
		return rc;
	if (v) {
		opts->configured = true;
		b = xo_parse_bool(v);
		if (b < 0)
			rc = set_error(opts, "oidc_sasl_noplaintext", "must be yes or no");
		opts->noplaintext = b == 1;
		free(v);
		v = NULL;
	}
	if (rc == SASL_OK)
		rc = opt_get(utils, conf, "oidc_sasl_log_allow", &v);
	if (rc == SASL_OK && v) {
		/* sasl_xoauth2(8): what each host shows by default */
		if (!strcmp(v, "note"))
			opts->log_allow = SASL_LOG_NOTE;
		else if (!strcmp(v, "warn"))
			opts->log_allow = SASL_LOG_WARN;
		else if (!strcmp(v, "err"))
			opts->log_allow = SASL_LOG_ERR;
		else
			rc = set_error(opts, "oidc_sasl_log_allow", "must be note, warn or err");
		free(v);
		v = NULL;
	}
	if (rc == SASL_OK && (rc = opt_get(utils, conf, "oidc_sasl_port", &v)) == SASL_OK && v) {
		char *end = NULL;
		long port = strtol(v, &end, 10);

		opts->configured = true;
		if (end == v || *end || port < 1 || port > 65535)
			rc = set_error(opts, "oidc_sasl_port", "must be a port number");
		else
			opts->port = (int)port;
		free(v);
	}
	return rc;
}

int xo_options_read(const sasl_utils_t *utils, const char *conf_file,
		    struct xo_options *opts)
{
	char name[64], *conf_why = NULL;
	char *conf = conf_read(conf_file, &conf_why);
	int rc;

	memset(opts, 0, sizeof(*opts));
	opts->port = -1;
	opts->log_allow = SASL_LOG_NOTE;
	/* reported at first use (plug_init must not fail): a refused file
	 * must not look like an empty one */
	opts->error = conf_why;
	if (conf_file && *conf_file && !conf && !conf_why)
		return SASL_NOMEM;
	rc = read_plugin_options(utils, conf, opts);
	if (rc == SASL_OK) {
		opts->settings = calloc(xo_n_core_keys(), sizeof(*opts->settings));
		if (!opts->settings)
			rc = SASL_NOMEM;
	}
	for (size_t i = 0; rc == SASL_OK && oidc_config_key_name(i); i++) {
		struct xo_setting *s = &opts->settings[opts->n_settings];

		snprintf(name, sizeof(name), "oidc_%s", oidc_config_key_name(i));
		rc = opt_get(utils, conf, name, &s->value);
		if (rc != SASL_OK || !s->value)
			continue;
		s->key = strdup(oidc_config_key_name(i));
		if (!s->key) {
			free(s->value);
			s->value = NULL;
			rc = SASL_NOMEM;
			break;
		}
		opts->n_settings++;
	}
	free(conf);
	/* the application asked for us (see xo_server_avail) */
	if (opts->config_path || opts->openid_config || opts->openid_config_map ||
	    opts->hosts || opts->token_file || opts->token_grant ||
	    opts->refresh_token_file || opts->n_settings)
		opts->configured = true;
	return rc;
}

void xo_options_clear(struct xo_options *opts)
{
	for (size_t i = 0; i < opts->n_settings; i++) {
		free(opts->settings[i].key);
		free(opts->settings[i].value);
	}
	free(opts->settings);
	free(opts->config_path);
	free(opts->openid_config);
	free(opts->openid_config_map);
	free(opts->hosts);
	free(opts->token_file);
	free(opts->token_grant);
	free(opts->refresh_token_file);
	free(opts->error);
	memset(opts, 0, sizeof(*opts));
	opts->port = -1;
	opts->log_allow = SASL_LOG_NOTE;
}

bool xo_release(pthread_mutex_t *lock, int *refs)
{
	int left;

	pthread_mutex_lock(lock);
	left = --*refs;
	pthread_mutex_unlock(lock);
	if (left > 0)
		return false;
	pthread_mutex_destroy(lock);
	return true;
}

/* What the challenge needs from the finished configuration. */
struct visit_state {
	int n_issuers;
	char *issuer;
	char *discovery;
	char *scope;
	bool nomem;
};

static void visit_fn(void *arg, const char *section, const char *key,
		     const char *value)
{
	struct visit_state *vs = arg;
	char **dst = NULL;

	(void)section;
	if (!strcmp(key, "issuer")) {
		vs->n_issuers++;
		dst = &vs->issuer;
	} else if (!strcmp(key, "discovery_url")) {
		dst = &vs->discovery;
	} else if (!strcmp(key, "required_scopes")) {
		dst = &vs->scope;
	}
	if (!dst || *dst)
		return;
	*dst = strdup(value);
	if (!*dst)
		vs->nomem = true;
}

/* "a, b c" -> "a b c": RFC 6749 3.3 scope strings are space separated. */
static void scope_spaces(char *s)
{
	char *w = s;
	bool gap = false;

	for (char *r = s; *r; r++) {
		if (*r == ',' || *r == ' ' || *r == '\t') {
			gap = w != s;
			continue;
		}
		if (gap)
			*w++ = ' ';
		gap = false;
		*w++ = *r;
	}
	*w = '\0';
}

static char *derive_openid(struct visit_state *vs)
{
	static const char suffix[] = "/.well-known/openid-configuration";
	size_t n;
	char *url;

	/* several issuers: no single document to point at */
	if (vs->n_issuers != 1)
		return NULL;
	if (vs->discovery) {
		url = vs->discovery;
		vs->discovery = NULL;
		return url;
	}
	if (!vs->issuer || strstr(vs->issuer, "{tenantid}"))
		return NULL;
	n = strlen(vs->issuer);
	if (n && vs->issuer[n - 1] == '/')
		n--;
	url = malloc(n + sizeof(suffix));
	if (url) {
		memcpy(url, vs->issuer, n);
		memcpy(url + n, suffix, sizeof(suffix));
	}
	return url;
}

static char *why_dup(const char *prefix, const struct oidc_error *err,
		     enum oidc_status st)
{
	char buf[OIDC_DETAIL_MAX + 96];

	snprintf(buf, sizeof(buf), "%s: %s (%s)", prefix,
		 err->detail[0] ? err->detail : oidc_status_text(st),
		 oidc_status_name(st));
	return strdup(buf);
}

enum oidc_status xo_context_build(const struct xo_options *opts,
				  struct oidc_ctx **ctx_out, char **scope_out,
				  char **openid_out, char **why_out)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { 0 };
	struct visit_state vs = { 0 };
	enum oidc_status st;

	*why_out = NULL;
	if (opts->error) {
		*why_out = strdup(opts->error);
		return OIDC_E_CONFIG;
	}
	st = oidc_config_new(&cfg, &err);
	if (st != OIDC_OK)
		goto fail;
	if (opts->config_path) {
		st = oidc_config_load_file(cfg, opts->config_path, &err);
		if (st != OIDC_OK)
			goto fail;
	}
	for (size_t i = 0; i < opts->n_settings; i++) {
		st = oidc_config_set(cfg, NULL, opts->settings[i].key,
				     opts->settings[i].value, &err);
		if (st != OIDC_OK)
			goto fail;
	}
	st = oidc_config_finish(cfg, &err);
	if (st != OIDC_OK)
		goto fail;
	st = oidc_config_visit(cfg, visit_fn, &vs);
	if (st == OIDC_OK && vs.nomem)
		st = OIDC_E_NOMEM;
	if (st != OIDC_OK)
		goto fail;
	st = oidc_ctx_new(ctx_out, cfg, &err);
	cfg = NULL; /* owned by the context, also on failure */
	if (st != OIDC_OK)
		goto fail;
	if (vs.scope)
		scope_spaces(vs.scope);
	*scope_out = vs.scope;
	*openid_out = derive_openid(&vs);
	free(vs.issuer);
	free(vs.discovery);
	return OIDC_OK;
fail:
	*why_out = why_dup("configuration refused", &err, st);
	oidc_config_free(&cfg);
	free(vs.issuer);
	free(vs.discovery);
	free(vs.scope);
	return st;
}
