/* SPDX-License-Identifier: MIT */
/*
 * server.c - the OAUTHBEARER (RFC 7628) and XOAUTH2 server mechanisms.
 *
 * The token decides who authenticated (oidc_validate and the username
 * mapping); the identity the client asks for (a= or user=) is only an
 * authorization identity, canonicalised by the host and checked by its
 * proxy policy after we return SASL_OK. A failed token gets the JSON error
 * challenge, and whatever the client answers ends the exchange.
 *
 * Proxy requests (authzid not the token's user): libsasl runs the proxy
 * policy after the mechanism returned, where no line of ours can say why a
 * login failed. A host without a policy of its own (Postfix) gets
 * libsasl's default, which refuses any authzid but the authentication
 * identity and has no side effects: the plugin runs it itself and logs the
 * refusal (user_mismatch) with the token's fingerprint. A host's own policy
 * (slapd's authz rules, Cyrus's admins and proxyservers) keeps state and is
 * never called twice: the plugin logs that it left the decision to it, at
 * a level those hosts show.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

enum xo_state {
	XO_START,      /* waiting for the client's message */
	XO_ERROR_SENT, /* RFC 7628 3.2.2: error challenge sent */
};

struct xo_conn {
	struct xo_server_glob *glob;
	enum oidc_wire_mech mech;
	enum xo_state state;
	bool asked;           /* empty challenge sent for the initial response */
	int fail_rc;          /* result once the client acknowledges the error */
	char first_fp[17];    /* fingerprint of the first message */
	size_t first_len;
	char challenge[OIDC_WIRE_CHALLENGE_MAX];
};

/*
 * Lazy init under the lock: the config may name files readable only by the
 * user the host drops to, and slapd calls us from several threads. One log
 * line per process (per plug_init) says what is wrong.
 */
static struct oidc_ctx *glob_ctx(struct xo_server_glob *g, const sasl_utils_t *utils)
{
	struct oidc_ctx *ctx;

	pthread_mutex_lock(&g->lock);
	/* a refused guard: nothing that reaches a library may run */
	if (!g->tried && g->guard == OIDC_OK && !g->opts.configured) {
		g->tried = true;
		g->refused = OIDC_E_CONFIG;
		utils->log(utils->conn, SASL_LOG_NOTE,
			   "oidc-auth sasl: OAUTHBEARER and XOAUTH2 not offered: no oidc_config "
			   "or other oidc_ option in this application's SASL configuration");
	} else if (!g->tried && g->guard == OIDC_OK) {
		char *why = NULL;
		enum oidc_status st;

		g->tried = true;
		st = xo_context_build(&g->opts, &g->ctx, &g->scope, &g->openid_default,
				      &why);
		if (st != OIDC_OK) {
			g->refused = st;
			utils->log(utils->conn, SASL_LOG_ERR,
				   "oidc-auth sasl: OAUTHBEARER and XOAUTH2 answer every login "
				   "with a temporary failure until this is fixed: %s",
				   why ? why : oidc_status_text(st));
		}
		free(why);
	}
	ctx = g->ctx;
	pthread_mutex_unlock(&g->lock);
	return ctx;
}

/*
 * Which failure is safe depends on the host, so there is one rule for all:
 * an application whose SASL configuration names no oidc_ option does not
 * use us (the package may be installed for another one), and does not see
 * the mechanisms. An application that does name them keeps seeing them even
 * when the configuration is refused: Exim refuses its whole configuration
 * (and stops, local submission included) when a cyrus_sasl authenticator's
 * mechanism is missing, Postfix's smtpd with no mechanism left exits at
 * every connection, Cyrus would silently stop offering them. Each login
 * then fails with a temporary error (step_refused).
 */
int xo_server_avail(void *glob_context, sasl_server_params_t *sparams,
		    void **conn_context)
{
	struct xo_server_glob *g = glob_context;

	(void)conn_context;
	/* refused by the guard: offered, so each attempt says why it fails */
	if (g->guard != OIDC_OK)
		return SASL_OK;
	if (glob_ctx(g, sparams->utils) || g->opts.configured)
		return SASL_OK;
	return SASL_NOMECH;
}

static int server_new(void *glob_context, sasl_server_params_t *sparams,
		      enum oidc_wire_mech mech, void **conn_context)
{
	struct xo_conn *c = sparams->utils->malloc(sizeof(*c));

	if (!c)
		return SASL_NOMEM;
	memset(c, 0, sizeof(*c));
	c->glob = glob_context;
	c->mech = mech;
	*conn_context = c;
	return SASL_OK;
}

int xo_server_new_oauthbearer(void *glob_context, sasl_server_params_t *sparams,
			      const char *challenge, unsigned challen,
			      void **conn_context)
{
	(void)challenge;
	(void)challen;
	return server_new(glob_context, sparams, OIDC_WIRE_OAUTHBEARER, conn_context);
}

int xo_server_new_xoauth2(void *glob_context, sasl_server_params_t *sparams,
			  const char *challenge, unsigned challen, void **conn_context)
{
	(void)challenge;
	(void)challen;
	return server_new(glob_context, sparams, OIDC_WIRE_XOAUTH2, conn_context);
}

void xo_server_dispose(void *conn_context, const sasl_utils_t *utils)
{
	if (conn_context)
		utils->free(conn_context);
}

static const char *mech_name(const struct xo_conn *c)
{
	return c->mech == OIDC_WIRE_OAUTHBEARER ? "OAUTHBEARER" : "XOAUTH2";
}

/*
 * One audit line per decision; every field sanitised and truncated. err:
 * its detail is appended for class internal only (configuration, cache_dir),
 * never for a refused token, whose detail may quote unverified claims.
 */
static void audit_log(const struct xo_conn *c, sasl_server_params_t *sparams,
		      const char *result, const char *reason, const char *authzid,
		      const struct oidc_audit *a, const struct oidc_error *err)
{
	char user[XO_LOG_FIELD_MAX], az[XO_LOG_FIELD_MAX], detail[OIDC_DETAIL_MAX];
	bool show = err && err->detail[0] &&
		    oidc_status_class(err->status) == OIDC_CLASS_INTERNAL;
	int level = c->glob->opts.log_allow;

	oidc_log_escape(user, sizeof(user), a->user);
	oidc_log_escape(az, sizeof(az), authzid);
	oidc_log_escape(detail, sizeof(detail), show ? err->detail : "");
	/* What the hosts show by default (sasl_xoauth2(8), AUDIT LOG):
	 * Postfix ERR, FAIL, WARN; slapd ERR, FAIL; Cyrus IMAPd all of these
	 * and NOTE. Refusals at FAIL, temporary and internal failures at ERR:
	 * every host shows them. An accepted login at oidc_sasl_log_allow
	 * (NOTE: Postfix logs sasl_username= itself), except one whose
	 * authzid the host's own policy decides next: ERR, so that its
	 * refusal has our line (fingerprint) beside it on every host. */
	if (!strcmp(result, "deny"))
		level = SASL_LOG_FAIL;
	else if (strcmp(result, "allow") != 0)
		level = SASL_LOG_ERR;
	else if (!strcmp(reason, "ok_authzid_to_proxy_policy"))
		level = SASL_LOG_ERR;
	sparams->utils->log(sparams->utils->conn, level,
			    "oidc-auth sasl: mech=%s result=%s reason=%s user=\"%s\" "
			    "authzid=\"%s\" iss=\"%s\" kid=\"%s\" token=sha256:%s%s%s%s%s%s%s",
			    mech_name(c), result, reason, user, az, a->iss, a->kid,
			    a->token_sha256[0] ? a->token_sha256 : "-",
			    show ? " detail=\"" : "", detail, show ? "\"" : "",
			    a->note[0] ? " note=\"" : "", a->note, a->note[0] ? "\"" : "");
}

/*
 * Is proc libsasl's default proxy policy? libsasl hands it out when the
 * host registered none; it lives in libsasl2 itself (the object that
 * defines sasl_errstring), a host's own policy in the host or its
 * libraries. Anything we cannot tell counts as the host's.
 */
static bool proxy_policy_is_libsasl(sasl_authorize_t *proc)
{
	Dl_info policy, lib;

	/* POSIX dladdr: a function's address as a plain pointer */
	if (!proc || !dladdr((void *)proc, &policy) ||
	    !dladdr((void *)sasl_errstring, &lib))
		return false;
	return policy.dli_fbase && policy.dli_fbase == lib.dli_fbase;
}

/*
 * Before SASL_OK for a proxy request: run libsasl's default policy, which
 * the host would run next, to log its verdict. SASL_OK when it allows, or
 * when the host has a policy of its own (*deferred set: the host decides).
 */
static int proxy_check(sasl_server_params_t *sparams, const sasl_out_params_t *oparams,
		       bool *deferred)
{
	const sasl_utils_t *u = sparams->utils;
	sasl_authorize_t *proc = NULL;
	void *pctx = NULL;

	*deferred = true;
	if (u->getcallback(u->conn, SASL_CB_PROXY_POLICY, (sasl_callback_ft *)&proc,
			   &pctx) != SASL_OK || !proxy_policy_is_libsasl(proc))
		return SASL_OK;
	*deferred = false;
	return proc(u->conn, pctx, oparams->user, oparams->ulen, oparams->authid,
		    oparams->alen, sparams->user_realm,
		    sparams->user_realm ? (unsigned)strlen(sparams->user_realm) : 0,
		    sparams->propctx);
}

/* oidc_openid_configuration_map: "domain=URL ..." chosen by the domain of
 * the requested identity; then oidc_openid_configuration; then derived. */
static const char *openid_for(const struct xo_server_glob *g, const char *authzid,
			      char *buf, size_t cap)
{
	const char *at = strrchr(authzid, '@');
	const char *p = g->opts.openid_config_map;

	if (at && at[1] && p) {
		size_t dlen = strlen(at + 1);

		while (*p) {
			size_t n = strcspn(p, " \t,");

			if (n > dlen + 1 && p[dlen] == '=' &&
			    strncasecmp(p, at + 1, dlen) == 0 && n - dlen - 1 < cap) {
				memcpy(buf, p + dlen + 1, n - dlen - 1);
				buf[n - dlen - 1] = '\0';
				return buf;
			}
			p += n;
			p += strspn(p, " \t,");
		}
	}
	return g->opts.openid_config ? g->opts.openid_config : g->openid_default;
}

/* Send the error challenge; the exchange fails with rc once answered. */
static int send_error(struct xo_conn *c, sasl_server_params_t *sparams,
		      enum oidc_wire_error e, int rc, const char *authzid,
		      const char **out, unsigned *outlen)
{
	char url[512];
	size_t n;

	n = oidc_wire_challenge(c->mech, e, c->glob->scope,
				openid_for(c->glob, authzid, url, sizeof(url)),
				c->challenge, sizeof(c->challenge));
	if (n == 0)
		n = oidc_wire_challenge(c->mech, e, NULL, NULL, c->challenge,
					sizeof(c->challenge));
	if (n == 0)
		return SASL_FAIL;
	c->state = XO_ERROR_SENT;
	c->fail_rc = rc;
	*out = c->challenge;
	*outlen = (unsigned)n;
	(void)sparams;
	return SASL_CONTINUE;
}

static bool host_allowed(const struct xo_server_glob *g, const char *host)
{
	const char *p = g->opts.hosts;
	size_t hlen = strlen(host);

	if (!p || !*host)
		return true;
	while (*p) {
		size_t n = strcspn(p, " \t,");

		if (n == hlen && strncasecmp(p, host, n) == 0)
			return true;
		p += n;
		p += strspn(p, " \t,");
	}
	return false;
}

/*
 * The token said who it is: hand both identities to the host. own: the
 * requested identity is the token's user (see step_first), so there is no
 * proxy request for the host to decide.
 */
static int accept_user(struct xo_conn *c, sasl_server_params_t *sparams,
		       const char *user, const char *authzid, bool own,
		       sasl_out_params_t *oparams)
{
	unsigned flags = SASL_CU_AUTHID | SASL_CU_EXTERNALLY_VERIFIED;
	int rc;

	(void)c;
	if (own)
		flags |= SASL_CU_AUTHZID;
	rc = sparams->canon_user(sparams->utils->conn, user, 0, flags, oparams);
	if (rc != SASL_OK)
		return rc;
	if (!(flags & SASL_CU_AUTHZID)) {
		/* the host's proxy policy decides after we return */
		rc = sparams->canon_user(sparams->utils->conn, authzid, 0,
					 SASL_CU_AUTHZID | SASL_CU_EXTERNALLY_VERIFIED,
					 oparams);
		if (rc != SASL_OK)
			return rc;
	}
	oparams->doneflag = 1;
	oparams->mech_ssf = 0;
	oparams->maxoutbuf = 0;
	oparams->encode_context = NULL;
	oparams->encode = NULL;
	oparams->decode_context = NULL;
	oparams->decode = NULL;
	oparams->param_version = 0;
	return SASL_OK;
}

/*
 * The configuration was refused: nothing can be validated, and the client's
 * token may well be good. A temporary failure (SASL_TRYAGAIN: Postfix 454,
 * Cyrus NO; Exim's cyrus_sasl and sendmail make every failure 535) keeps
 * clients from discarding their token or counting a wrong password, and
 * relaying clients queue the mail instead of bouncing it. The audit line
 * says which status refused it; the line of glob_ctx says what to fix.
 * Nothing of it goes to the client.
 */
static int step_refused(struct xo_conn *c, sasl_server_params_t *sparams,
			const char *in, unsigned inlen)
{
	struct oidc_audit audit = { 0 };
	struct oidc_wire_msg msg;
	const char *authzid = "";

	if (oidc_wire_parse(c->mech, in, inlen, &msg) == OIDC_OK) {
		authzid = msg.authzid;
		if (msg.token_len)
			oidc_token_fingerprint(msg.token, msg.token_len, audit.token_sha256);
	}
	audit_log(c, sparams, "tempfail", oidc_status_name(c->glob->refused), authzid,
		  &audit, NULL);
	sparams->utils->seterror(sparams->utils->conn, SASL_NOLOG,
				 "the server's oidc-auth configuration is refused");
	return SASL_TRYAGAIN;
}

static int step_first(struct xo_conn *c, sasl_server_params_t *sparams,
		      const char *in, unsigned inlen, const char **out,
		      unsigned *outlen, sasl_out_params_t *oparams)
{
	struct oidc_audit audit = { 0 };
	struct oidc_error err = { 0 };
	struct oidc_result *res = NULL;
	struct oidc_wire_msg msg;
	struct oidc_ctx *ctx;
	enum oidc_status st;
	bool own, deferred;
	int rc;

	if (c->glob->guard != OIDC_OK) {
		/* before anything that reaches a library (the fingerprint is
		 * SHA-256 through libcrypto); the first time, the line that
		 * names the function */
		xo_guard(sparams->utils);
		audit_log(c, sparams, "error", oidc_status_name(c->glob->guard), "", &audit, NULL);
		sparams->utils->seterror(sparams->utils->conn, 0,
					 "oidc-auth: refusing to run in this process (%s)",
					 oidc_status_name(c->glob->guard));
		return SASL_FAIL;
	}
	ctx = glob_ctx(c->glob, sparams->utils);
	if (!ctx && !c->glob->opts.configured)
		return SASL_NOMECH;
	if (!ctx)
		return step_refused(c, sparams, in, inlen);
	oidc_token_fingerprint(in, inlen, c->first_fp);
	c->first_len = inlen;
	if (oidc_wire_parse(c->mech, in, inlen, &msg) != OIDC_OK) {
		audit_log(c, sparams, "deny", "bad_request", "", &audit, NULL);
		return send_error(c, sparams, OIDC_WIRE_INVALID_REQUEST, SASL_BADPROT, "",
				  out, outlen);
	}
	if (!host_allowed(c->glob, msg.host) ||
	    (c->glob->opts.port >= 0 && msg.port >= 0 && msg.port != c->glob->opts.port)) {
		audit_log(c, sparams, "deny", "wrong_host", msg.authzid, &audit, NULL);
		return send_error(c, sparams, OIDC_WIRE_INVALID_REQUEST, SASL_BADPROT,
				  msg.authzid, out, outlen);
	}
	if (msg.probe) {
		/* RFC 7628 4.3: discovery, nothing to validate */
		audit_log(c, sparams, "deny", "discovery", msg.authzid, &audit, NULL);
		return send_error(c, sparams, OIDC_WIRE_INVALID_TOKEN, SASL_BADAUTH,
				  msg.authzid, out, outlen);
	}
	st = oidc_validate(ctx, msg.token, msg.token_len, NULL, &res, &audit, &err);
	switch (oidc_status_class(st)) {
	case OIDC_CLASS_OK:
		/* empty, equal, or what username_map makes the token's user
		 * (a client's alice@example.com with strip_domain:example.com) */
		own = !msg.authzid[0] || !strcmp(msg.authzid, oidc_result_username(res)) ||
		      oidc_result_names_user(ctx, res, msg.authzid);
		rc = accept_user(c, sparams, oidc_result_username(res), msg.authzid, own,
				 oparams);
		oidc_result_free(&res);
		if (rc != SASL_OK) {
			audit_log(c, sparams, "deny", "canon_user", msg.authzid, &audit, NULL);
			return rc;
		}
		if (own) {
			audit_log(c, sparams, "allow", "ok", msg.authzid, &audit, NULL);
			return SASL_OK;
		}
		/* another authzid: the proxy policy has the last word */
		rc = proxy_check(sparams, oparams, &deferred);
		if (rc != SASL_OK) {
			audit_log(c, sparams, "deny", oidc_status_name(OIDC_E_USER_MISMATCH),
				  msg.authzid, &audit, NULL);
			return rc;
		}
		audit_log(c, sparams, "allow", deferred ? "ok_authzid_to_proxy_policy" :
			  "ok", msg.authzid, &audit, NULL);
		return SASL_OK;
	case OIDC_CLASS_DENY:
		audit_log(c, sparams, "deny", oidc_status_name(st), msg.authzid, &audit, NULL);
		return send_error(c, sparams, OIDC_WIRE_INVALID_TOKEN, SASL_BADAUTH,
				  msg.authzid, out, outlen);
	case OIDC_CLASS_FORBIDDEN:
		audit_log(c, sparams, "deny", oidc_status_name(st), msg.authzid, &audit, NULL);
		return send_error(c, sparams, OIDC_WIRE_INSUFFICIENT_SCOPE, SASL_BADAUTH,
				  msg.authzid, out, outlen);
	case OIDC_CLASS_BADREQ:
		audit_log(c, sparams, "deny", oidc_status_name(st), msg.authzid, &audit, NULL);
		return send_error(c, sparams, OIDC_WIRE_INVALID_REQUEST, SASL_BADPROT,
				  msg.authzid, out, outlen);
	case OIDC_CLASS_UNAVAILABLE:
		/* a temporary failure: Postfix answers 454, the client retries */
		audit_log(c, sparams, "tempfail", oidc_status_name(st), msg.authzid,
			  &audit, NULL);
		sparams->utils->seterror(sparams->utils->conn, 0,
					 "identity provider unavailable");
		return SASL_TRYAGAIN;
	default:
		if (st == OIDC_E_NOMEM) {
			/* the one internal status that passes by itself */
			audit_log(c, sparams, "tempfail", oidc_status_name(st), msg.authzid,
				  &audit, &err);
			sparams->utils->seterror(sparams->utils->conn, 0, "out of memory");
			return SASL_TRYAGAIN;
		}
		/* class internal: this server's configuration or the
		 * provider's answer is wrong (also a bug).
		 * Postfix answers SASL_FAIL with 454, "try again later",
		 * which waiting does not fix: SASL_CONFIGERR is a permanent
		 * failure to every host (Postfix 535). */
		audit_log(c, sparams, "error", oidc_status_name(st), msg.authzid, &audit,
			  &err);
		sparams->utils->seterror(sparams->utils->conn, 0,
					 "server configuration error (see the audit line)");
		return SASL_CONFIGERR;
	}
}

int xo_server_step(void *conn_context, sasl_server_params_t *sparams,
		   const char *clientin, unsigned clientinlen, const char **serverout,
		   unsigned *serveroutlen, sasl_out_params_t *oparams)
{
	struct xo_conn *c = conn_context;
	char fp[17];

	*serverout = NULL;
	*serveroutlen = 0;
	if (c->state == XO_ERROR_SENT) {
		/* RFC 7628 3.2.3: whatever comes now, this exchange has failed;
		 * never a second attempt inside one exchange */
		if (clientin && clientinlen) {
			oidc_token_fingerprint(clientin, clientinlen, fp);
			if (clientinlen == c->first_len && !strcmp(fp, c->first_fp))
				return c->fail_rc;
		}
		if (oidc_wire_is_error_ack(c->mech, clientin ? clientin : "",
					   clientin ? clientinlen : 0, NULL, 0))
			return c->fail_rc;
		return SASL_BADPROT;
	}
	if (!clientin || clientinlen == 0) {
		/* no initial response: ask for it once with an empty challenge */
		if (c->asked)
			return SASL_BADPROT;
		c->asked = true;
		*serverout = "";
		return SASL_CONTINUE;
	}
	return step_first(c, sparams, clientin, clientinlen, serverout, serveroutlen,
			  oparams);
}
