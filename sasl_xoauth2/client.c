/* SPDX-License-Identifier: MIT */
/*
 * client.c - OAUTHBEARER and XOAUTH2 client mechanisms. The token comes
 * from oidc_token_file when set, otherwise from the password callback or
 * prompt (SASL_CB_PASS); the authorization identity from SASL_CB_USER.
 * On an error challenge the client answers %x01 (RFC 7628 3.2.3) and puts
 * the server's JSON in the error text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "token_source.h"

#define XO_TOKEN_MAX 65536

struct xo_client_glob {
	enum oidc_status guard;         /* the symbol guard's verdict */
	int refs;
	pthread_mutex_t lock;
	struct xo_options opts;
	struct xo_token_source *source; /* client_credentials / refresh, or NULL */
	sasl_client_plug_t plugs[2];
};

enum xo_cstate {
	XO_C_START,
	XO_C_SENT,
	XO_C_DONE,
};

struct xo_cconn {
	struct xo_client_glob *glob;
	enum oidc_wire_mech mech;
	enum xo_cstate state;
	char *msg;      /* our message; wiped on dispose */
	size_t msg_cap;
};

static void client_free(void *glob_context, const sasl_utils_t *utils)
{
	struct xo_client_glob *g = glob_context;

	(void)utils;
	if (!g || !xo_release(&g->lock, &g->refs))
		return;
	xo_token_source_free(&g->source);
	xo_options_clear(&g->opts);
	free(g);
}

static int client_new(void *glob_context, sasl_client_params_t *cparams,
		      enum oidc_wire_mech mech, void **conn_context)
{
	struct xo_cconn *c = cparams->utils->malloc(sizeof(*c));

	if (!c)
		return SASL_NOMEM;
	memset(c, 0, sizeof(*c));
	c->glob = glob_context;
	c->mech = mech;
	*conn_context = c;
	return SASL_OK;
}

static int new_oauthbearer(void *glob_context, sasl_client_params_t *cparams,
			   void **conn_context)
{
	return client_new(glob_context, cparams, OIDC_WIRE_OAUTHBEARER, conn_context);
}

static int new_xoauth2(void *glob_context, sasl_client_params_t *cparams,
		       void **conn_context)
{
	return client_new(glob_context, cparams, OIDC_WIRE_XOAUTH2, conn_context);
}

static void client_dispose(void *conn_context, const sasl_utils_t *utils)
{
	struct xo_cconn *c = conn_context;

	if (!c)
		return;
	if (c->msg) {
		explicit_bzero(c->msg, c->msg_cap);
		utils->free(c->msg);
	}
	utils->free(c);
}

/* An answered prompt of the previous SASL_INTERACT round, or NULL. */
static const sasl_interact_t *answered(sasl_interact_t *prompts, unsigned long id)
{
	for (sasl_interact_t *p = prompts; p && p->id != SASL_CB_LIST_END; p++) {
		if (p->id == id)
			return p;
	}
	return NULL;
}

/* SASL_CB_USER: the authorization identity (optional, "" when none). */
static int get_authzid(sasl_client_params_t *cp, sasl_interact_t *prompts,
		       const char **out, bool *need_prompt)
{
	const sasl_interact_t *p = answered(prompts, SASL_CB_USER);
	sasl_getsimple_t *cb = NULL;
	void *ctx = NULL;
	unsigned len = 0;
	int rc;

	*out = "";
	if (p) {
		*out = p->result ? p->result : "";
		return SASL_OK;
	}
	rc = cp->utils->getcallback(cp->utils->conn, SASL_CB_USER,
				    (sasl_callback_ft *)&cb, &ctx);
	if (rc == SASL_INTERACT) {
		*need_prompt = true;
		return SASL_OK;
	}
	if (rc != SASL_OK || !cb)
		return SASL_OK;
	if (cb(ctx, SASL_CB_USER, out, &len) != SASL_OK || !*out)
		*out = "";
	return SASL_OK;
}

/* SASL_CB_PASS: the token, borrowed from the host. */
static int get_pass(sasl_client_params_t *cp, sasl_interact_t *prompts,
		    const char **tok, size_t *len, bool *need_prompt)
{
	const sasl_interact_t *p = answered(prompts, SASL_CB_PASS);
	sasl_getsecret_t *cb = NULL;
	sasl_secret_t *secret = NULL;
	void *ctx = NULL;
	int rc;

	if (p && p->result) {
		*tok = p->result;
		*len = p->len ? p->len : strlen(p->result);
		return SASL_OK;
	}
	rc = cp->utils->getcallback(cp->utils->conn, SASL_CB_PASS,
				    (sasl_callback_ft *)&cb, &ctx);
	if (rc == SASL_INTERACT) {
		*need_prompt = true;
		return SASL_OK;
	}
	if (rc != SASL_OK || !cb)
		return SASL_BADPARAM;
	rc = cb(cp->utils->conn, ctx, SASL_CB_PASS, &secret);
	if (rc != SASL_OK || !secret)
		return rc == SASL_OK ? SASL_BADPARAM : rc;
	*tok = (const char *)secret->data;
	*len = secret->len;
	return SASL_OK;
}

/* SASL_CB_AUTHNAME when the host offers it without prompting, else "-". */
static const char *local_name(sasl_client_params_t *cp)
{
	sasl_getsimple_t *cb = NULL;
	const char *name = NULL;
	void *ctx = NULL;
	unsigned len = 0;

	if (cp->utils->getcallback(cp->utils->conn, SASL_CB_AUTHNAME,
				   (sasl_callback_ft *)&cb, &ctx) == SASL_OK &&
	    cb && cb(ctx, SASL_CB_AUTHNAME, &name, &len) == SASL_OK && name && *name)
		return name;
	return "-";
}

static int ask(sasl_client_params_t *cp, sasl_interact_t **prompt_need, bool user,
	       bool pass)
{
	size_t n = (size_t)user + (size_t)pass + 1, i = 0;
	sasl_interact_t *p = cp->utils->malloc(n * sizeof(*p));

	if (!p)
		return SASL_NOMEM;
	memset(p, 0, n * sizeof(*p));
	if (user) {
		p[i].id = SASL_CB_USER;
		p[i].prompt = "Authorization name";
		p[i++].defresult = "";
	}
	if (pass) {
		p[i].id = SASL_CB_PASS;
		p[i++].prompt = "Bearer token";
	}
	p[i].id = SASL_CB_LIST_END;
	*prompt_need = p;
	return SASL_INTERACT;
}

/* Build and keep our message; the token is only copied into it. */
static int make_message(struct xo_cconn *c, sasl_client_params_t *cp,
			const char *authzid, const char *tok, size_t toklen)
{
	char *t;
	size_t n;

	/* trailing newline of a token file or a pasted token */
	while (toklen && (tok[toklen - 1] == '\n' || tok[toklen - 1] == '\r'))
		toklen--;
	if (toklen == 0 || toklen > XO_TOKEN_MAX)
		return SASL_BADPARAM;
	c->msg_cap = toklen + strlen(authzid) * 3 + 64;
	c->msg = cp->utils->malloc(c->msg_cap);
	t = cp->utils->malloc(toklen + 1);
	if (!c->msg || !t) {
		if (t)
			cp->utils->free(t);
		return SASL_NOMEM;
	}
	memcpy(t, tok, toklen);
	t[toklen] = '\0';
	n = oidc_wire_build(c->mech, authzid, NULL, -1, t, c->msg, c->msg_cap);
	explicit_bzero(t, toklen);
	cp->utils->free(t);
	if (n == 0)
		return SASL_BADPARAM;
	return SASL_OK;
}

static int step_start(struct xo_cconn *c, sasl_client_params_t *cp,
		      sasl_interact_t **prompt_need, const char **out, unsigned *outlen,
		      sasl_out_params_t *oparams)
{
	sasl_interact_t *prompts = prompt_need ? *prompt_need : NULL;
	bool need_user = false, need_pass = false;
	const char *authzid = "", *tok = NULL;
	char why[OIDC_DETAIL_MAX + 64];
	char *owned = NULL;
	size_t toklen = 0;
	int rc;

	if (c->glob->guard != OIDC_OK) {
		xo_guard(cp->utils);
		cp->utils->seterror(cp->utils->conn, 0,
				    "oidc-auth: refusing to run in this process (%s)",
				    oidc_status_name(c->glob->guard));
		return SASL_FAIL;
	}
	rc = get_authzid(cp, prompts, &authzid, &need_user);
	if (rc == SASL_OK) {
		/* a configured source wins over the password callback */
		rc = xo_token_source_get(c->glob->source, &c->glob->opts, &owned,
					 &toklen, why, sizeof(why));
		if (rc == SASL_OK && owned)
			tok = owned;
		else if (rc == SASL_OK)
			rc = get_pass(cp, prompts, &tok, &toklen, &need_pass);
		else
			cp->utils->seterror(cp->utils->conn, 0, "oidc-auth: no token: %s",
					    why);
		/* the application may not show its error text: the reason (a
		 * refused token file, a configuration error) goes to the log */
		if (rc != SASL_OK)
			cp->utils->log(NULL, SASL_LOG_ERR, "oidc-auth: no token: %s", why);
	}
	if (rc == SASL_OK && (need_user || need_pass)) {
		if (prompts) {
			cp->utils->free(prompts);
			*prompt_need = NULL;
		}
		if (owned) {
			explicit_bzero(owned, strlen(owned));
			free(owned);
		}
		return ask(cp, prompt_need, need_user, need_pass);
	}
	if (rc == SASL_OK)
		rc = make_message(c, cp, authzid, tok, toklen);
	if (owned) {
		explicit_bzero(owned, strlen(owned));
		free(owned);
	}
	if (prompts) {
		cp->utils->free(prompts);
		*prompt_need = NULL;
	}
	if (rc != SASL_OK)
		return rc;
	/* libsasl wants both identities set by the mechanism; the real
	 * authentication identity is in the token, unknown to the client:
	 * report the requested one, else the host's authname, else "-" */
	rc = cp->canon_user(cp->utils->conn, *authzid ? authzid : local_name(cp), 0,
			    SASL_CU_AUTHID | SASL_CU_AUTHZID, oparams);
	if (rc != SASL_OK)
		return rc;
	*out = c->msg;
	*outlen = (unsigned)strlen(c->msg);
	c->state = XO_C_SENT;
	return SASL_CONTINUE;
}

/* The server's JSON into the error text (sasl_seterror has its own small
 * format language: format here, printable ASCII only). */
static void report_challenge(sasl_client_params_t *cp, const char *in, unsigned len)
{
	char json[513], msg[600];
	size_t n = len < sizeof(json) - 1 ? len : sizeof(json) - 1;

	memcpy(json, in, n);
	json[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (json[i] < 0x20 || json[i] > 0x7e)
			json[i] = '?';
	}
	snprintf(msg, sizeof(msg), "oidc-auth: server refused the token: %s", json);
	cp->utils->seterror(cp->utils->conn, 0, "%s", msg);
}

static int client_step(void *conn_context, sasl_client_params_t *cp,
		       const char *serverin, unsigned serverinlen,
		       sasl_interact_t **prompt_need, const char **clientout,
		       unsigned *clientoutlen, sasl_out_params_t *oparams)
{
	struct xo_cconn *c = conn_context;

	*clientout = NULL;
	*clientoutlen = 0;
	switch (c->state) {
	case XO_C_START:
		return step_start(c, cp, prompt_need, clientout, clientoutlen, oparams);
	case XO_C_SENT:
		if (serverinlen == 0) {
			/* the server accepted: nothing more to say */
			c->state = XO_C_DONE;
			oparams->doneflag = 1;
			oparams->mech_ssf = 0;
			oparams->maxoutbuf = 0;
			oparams->encode = NULL;
			oparams->decode = NULL;
			oparams->param_version = 0;
			return SASL_OK;
		}
		/* RFC 7628 3.2.3: an error challenge; answer %x01 and keep
		 * the server's JSON for the caller */
		report_challenge(cp, serverin, serverinlen);
		c->state = XO_C_DONE;
		*clientout = c->mech == OIDC_WIRE_OAUTHBEARER ? "\x01" : "";
		*clientoutlen = c->mech == OIDC_WIRE_OAUTHBEARER ? 1 : 0;
		return SASL_CONTINUE;
	default:
		return SASL_BADPROT;
	}
}

static void client_plug(struct xo_client_glob *g, sasl_client_plug_t *p, const char *name,
			int (*mech_new)(void *, sasl_client_params_t *, void **))
{
	memset(p, 0, sizeof(*p));
	p->mech_name = name;
	p->security_flags = SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS;
	if (g->opts.noplaintext)
		p->security_flags |= SASL_SEC_NOPLAINTEXT;
	p->features = SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY;
	p->glob_context = g;
	p->mech_new = mech_new;
	p->mech_step = client_step;
	p->mech_dispose = client_dispose;
	p->mech_free = client_free;
}

int xo_client_plug_init(const sasl_utils_t *utils, int maxversion, int *out_version,
			sasl_client_plug_t **pluglist, int *plugcount)
{
	struct xo_client_glob *g;
	int rc;

	if (maxversion < SASL_CLIENT_PLUG_VERSION)
		return SASL_BADVERS;
	g = calloc(1, sizeof(*g));
	if (!g)
		return SASL_NOMEM;
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		free(g);
		return SASL_FAIL;
	}
	g->guard = xo_guard(utils);
	/* reading the environment changes nothing in the host */
	rc = xo_options_read(utils, getenv(XO_CLIENT_CONF_ENV), &g->opts);
	if (rc == SASL_OK && g->guard == OIDC_OK)
		rc = xo_token_source_new(utils, &g->opts, &g->source);
	if (rc != SASL_OK) {
		xo_options_clear(&g->opts);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return rc;
	}
	g->refs = 2;
	client_plug(g, &g->plugs[0], "OAUTHBEARER", new_oauthbearer);
	client_plug(g, &g->plugs[1], "XOAUTH2", new_xoauth2);
	*out_version = SASL_CLIENT_PLUG_VERSION;
	*pluglist = g->plugs;
	*plugcount = 2;
	return SASL_OK;
}
