/* SPDX-License-Identifier: MIT */
/* server.h - the server mechanisms' entry points and global context. */
#ifndef OIDC_SASL_SERVER_H
#define OIDC_SASL_SERVER_H

#include "plugin.h"

/* Shared by both server mechanisms of one plug_init (refcounted: the host
 * calls mech_free once per mechanism). */
struct xo_server_glob {
	pthread_mutex_t lock;
	int refs;
	enum oidc_status guard;   /* the symbol guard's verdict at plug_init */
	bool tried;               /* lazy context build attempted */
	struct oidc_ctx *ctx;     /* NULL: not configured, or refused */
	enum oidc_status refused; /* why the build failed (OIDC_OK: not tried) */
	char *scope;              /* required scopes, for the challenge */
	char *openid_default;     /* derived from the single issuer */
	struct xo_options opts;
	sasl_server_plug_t plugs[2];
};

int xo_server_avail(void *glob_context, sasl_server_params_t *sparams,
		    void **conn_context);
int xo_server_new_oauthbearer(void *glob_context, sasl_server_params_t *sparams,
			      const char *challenge, unsigned challen,
			      void **conn_context);
int xo_server_new_xoauth2(void *glob_context, sasl_server_params_t *sparams,
			  const char *challenge, unsigned challen, void **conn_context);
int xo_server_step(void *conn_context, sasl_server_params_t *sparams,
		   const char *clientin, unsigned clientinlen, const char **serverout,
		   unsigned *serveroutlen, sasl_out_params_t *oparams);
void xo_server_dispose(void *conn_context, const sasl_utils_t *utils);

#endif /* OIDC_SASL_SERVER_H */
