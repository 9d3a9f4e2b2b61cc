/* SPDX-License-Identifier: MIT */
/*
 * plugin.c - the two exported entry points. plug_init never fails for a
 * missing or bad configuration: that would break saslauthd and
 * pluginviewer for every other mechanism. The configuration is built on
 * first use; an application that names no oidc_ option does not see the
 * mechanisms, one whose configuration is refused sees them and gets a
 * temporary failure for every login (server.c, xo_server_avail). The symbol
 * guard runs first in each plug_init; when it refuses, the mechanisms stay
 * offered and every exchange fails (SASL_FAIL, reason=symbol_interposed).
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "server.h"

#define XO_EXPORT __attribute__((visibility("default")))

int sasl_server_plug_init(const sasl_utils_t *utils, int maxversion, int *out_version,
			  sasl_server_plug_t **pluglist, int *plugcount);
int sasl_client_plug_init(const sasl_utils_t *utils, int maxversion, int *out_version,
			  sasl_client_plug_t **pluglist, int *plugcount);

enum oidc_status xo_guard(const sasl_utils_t *utils)
{
	struct oidc_error err = { OIDC_OK, "" };
	bool conn = utils && utils->conn && utils->log;
	enum oidc_status st;
	int report = 0;

	/* Without a connection libsasl2 sends log lines to syslog, not to
	 * the host's log callback: plug_init only learns the verdict, the
	 * first exchange writes the line. */
	st = oidc_guard_check(&oidc_guard_table, conn ? &report : NULL, &err);
	if (st != OIDC_OK && report)
		utils->log(utils->conn, SASL_LOG_ERR, "oidc-auth sasl: %s: %s",
			   oidc_status_name(st), err.detail);
	return st;
}

static void server_free(void *glob_context, const sasl_utils_t *utils)
{
	struct xo_server_glob *g = glob_context;

	(void)utils;
	if (!g || !xo_release(&g->lock, &g->refs))
		return;
	oidc_ctx_free(&g->ctx);
	free(g->scope);
	free(g->openid_default);
	xo_options_clear(&g->opts);
	free(g);
}

static void server_plug(struct xo_server_glob *g, sasl_server_plug_t *p,
			const char *name,
			int (*mech_new)(void *, sasl_server_params_t *, const char *,
					unsigned, void **))
{
	memset(p, 0, sizeof(*p));
	p->mech_name = name;
	/* like PLAIN: the client hands over a reusable credential */
	p->security_flags = SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS;
	if (g->opts.noplaintext)
		p->security_flags |= SASL_SEC_NOPLAINTEXT;
	p->features = SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY;
	p->glob_context = g;
	p->mech_new = mech_new;
	p->mech_step = xo_server_step;
	p->mech_dispose = xo_server_dispose;
	p->mech_free = server_free;
	p->mech_avail = xo_server_avail;
}

XO_EXPORT int sasl_server_plug_init(const sasl_utils_t *utils, int maxversion,
				    int *out_version, sasl_server_plug_t **pluglist,
				    int *plugcount)
{
	struct xo_server_glob *g;
	int rc;

	if (maxversion < SASL_SERVER_PLUG_VERSION)
		return SASL_BADVERS;
	g = calloc(1, sizeof(*g));
	if (!g)
		return SASL_NOMEM;
	/* First: a refused guard still registers the mechanisms, so that
	 * every attempt fails with an audit line instead of vanishing. */
	g->guard = xo_guard(utils);
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		free(g);
		return SASL_FAIL;
	}
	rc = xo_options_read(utils, NULL, &g->opts);
	if (rc != SASL_OK) {
		xo_options_clear(&g->opts);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return rc;
	}
	g->refs = 2;
	server_plug(g, &g->plugs[0], "OAUTHBEARER", xo_server_new_oauthbearer);
	server_plug(g, &g->plugs[1], "XOAUTH2", xo_server_new_xoauth2);
	*out_version = SASL_SERVER_PLUG_VERSION;
	*pluglist = g->plugs;
	*plugcount = 2;
	return SASL_OK;
}

XO_EXPORT int sasl_client_plug_init(const sasl_utils_t *utils, int maxversion,
				    int *out_version, sasl_client_plug_t **pluglist,
				    int *plugcount)
{
	return xo_client_plug_init(utils, maxversion, out_version, pluglist, plugcount);
}
