/* SPDX-License-Identifier: MIT */
/*
 * plugin.h - what the server and client halves of the SASL plugin share:
 * option collection through the host's getopt and the oidc context built
 * from it. Internal to sasl_xoauth2 (hidden symbols).
 */
#ifndef OIDC_SASL_PLUGIN_H
#define OIDC_SASL_PLUGIN_H

#include <pthread.h>
#include <stdbool.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "oidc.h"
#include "wire.h"

#define XO_PLUGIN_NAME "OAUTHBEARER"
#define XO_LOG_FIELD_MAX 64

/* One "oidc_<key>: value" setting copied from the host at plug_init. */
struct xo_setting {
	char *key;   /* core key, without the oidc_ prefix */
	char *value;
};

/* The options of one plug_init, copied so nothing borrowed outlives it. */
struct xo_options {
	char *config_path;            /* oidc_config */
	struct xo_setting *settings;  /* core keys, in table order */
	size_t n_settings;
	char *openid_config;          /* oidc_openid_configuration */
	char *openid_config_map;      /* oidc_openid_configuration_map */
	char *hosts;                  /* oidc_sasl_hosts: names host= may carry */
	int port;                     /* oidc_sasl_port, -1: not checked */
	bool noplaintext;             /* oidc_sasl_noplaintext */
	int log_allow;                /* oidc_sasl_log_allow: the SASL log
					 level of result=allow lines */
	char *token_file;             /* client: oidc_token_file */
	char *token_grant;            /* client: oidc_token_grant */
	char *refresh_token_file;     /* client: oidc_refresh_token_file */
	char *error;                  /* why the options are unusable, or NULL */
	bool configured;              /* the host named at least one oidc_ option */
};

/*
 * Read every option through getopt into opts (copies). A bad plugin
 * option sets opts->error rather than failing: plug_init must succeed.
 * SASL_OK or SASL_NOMEM.
 */
int xo_options_read(const sasl_utils_t *utils, const char *conf_file,
		    struct xo_options *opts);

/* Client hosts rarely pass options: the file named by this variable, in
 * the SASL "key: value" format, answers what getopt does not. */
#define XO_CLIENT_CONF_ENV "OIDC_SASL_CLIENT_CONF"
#define XO_CONF_FILE_MAX 65536
void xo_options_clear(struct xo_options *opts);

/*
 * Build the validation context from opts (file, then settings), finish it.
 * On failure *why_out is a malloc'd sentence for the log. Also returns the
 * required scopes (space separated) and the default openid-configuration
 * URL derived from the single issuer, both malloc'd or NULL.
 */
enum oidc_status xo_context_build(const struct xo_options *opts,
				  struct oidc_ctx **ctx_out, char **scope_out,
				  char **openid_out, char **why_out);


/*
 * The host calls mech_free once per mechanism, and both mechanisms of one
 * plug_init share a global context: drop one reference; true when it was
 * the last (the lock is then destroyed and the caller frees the rest).
 */
bool xo_release(pthread_mutex_t *lock, int *refs);

/* true for yes/true/on/1, false for no/false/off/0; -1 otherwise. */
int xo_parse_bool(const char *v);

/*
 * The symbol guard (oidc.h oidc_guard_check): OIDC_OK, or
 * OIDC_E_SYMBOL_INTERPOSED, and with a connection's utils one log line
 * per process through utils->log naming the function. libsasl2 reaches
 * the plugin through utils and the plug tables only, so logging that way
 * stays safe.
 */
enum oidc_status xo_guard(const sasl_utils_t *utils);

#endif /* OIDC_SASL_PLUGIN_H */
