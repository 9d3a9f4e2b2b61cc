/* SPDX-License-Identifier: MIT */
/*
 * pam_oidc.c - the PAM entry points: auth (a token as the password, or the
 * RFC 8628 device flow), account (authorization from this login's
 * validated result), session (chosen claims into the PAM environment).
 *
 * Everything lives in the pam handle (pam_set_data): no globals (but the
 * symbol guard's verdict, once per process), nothing that outlives
 * pam_end, no output but pam_syslog and the conversation (syslog(3) when
 * the guard finds libpam's own functions bound elsewhere).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pam_oidc.h"

#define TOKEN_PROMPT "OIDC token: "
#define AUTO_PROMPT "OIDC token (or Enter to log in with a browser): "
#define ENV_VALUE_MAX 1024

static const char *mode_name(enum pam_oidc_mode m)
{
	switch (m) {
	case PAM_OIDC_MODE_TOKEN:
		return "token";
	case PAM_OIDC_MODE_DEVICE:
		return "device";
	case PAM_OIDC_MODE_AUTO:
		return "auto";
	}
	return "?";
}

static void login_cleanup(pam_handle_t *pamh, void *data, int status)
{
	struct pam_oidc_login *login = data;

	(void)pamh;
	(void)status;
	if (!login)
		return;
	oidc_result_free(&login->res);
	if (login->token) {
		explicit_bzero(login->token, strlen(login->token));
		free(login->token);
	}
	free(login);
}

/* Keep the decision for account and session; takes res and token. */
static void remember_login(pam_handle_t *pamh, enum oidc_status st,
			   const char *user, struct oidc_result **res,
			   char **token, const struct oidc_audit *audit)
{
	struct pam_oidc_login *login = calloc(1, sizeof(*login));

	if (!login) {
		oidc_result_free(res);
		st = OIDC_E_NOMEM; /* wipes the token below */
	}
	/* only a validated token is kept, for account_required_* */
	if (st == OIDC_OK) {
		login->token = *token;
		*token = NULL;
	} else if (*token) {
		explicit_bzero(*token, strlen(*token));
		free(*token);
		*token = NULL;
	}
	if (!login)
		return;
	login->status = st;
	snprintf(login->user, sizeof(login->user), "%s", user);
	login->audit = *audit;
	login->res = *res;
	*res = NULL;
	if (pam_set_data(pamh, PAM_OIDC_DATA_LOGIN, login, login_cleanup) !=
	    PAM_SUCCESS)
		login_cleanup(pamh, login, 0);
}

static int can_converse(pam_handle_t *pamh)
{
	const void *item = NULL;
	const struct pam_conv *conv;

	if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS || !item)
		return 0;
	conv = item;
	return conv->conv != NULL;
}

static void debug_detail(pam_handle_t *pamh, const struct pam_oidc_opts *o,
			 const struct oidc_error *err)
{
	if (o->debug && err->status != OIDC_OK && err->detail[0])
		pam_syslog(pamh, LOG_DEBUG, "%s: %s",
			   oidc_status_name(err->status), err->detail);
}

/* OIDC_<CLAIM> from a validated string claim; others are skipped. */
static int put_claim(pam_handle_t *pamh, const struct oidc_result *res,
		     const char *claim, size_t n)
{
	char name[80], buf[sizeof(name) + ENV_VALUE_MAX + 2];
	const char *v;
	size_t i;

	if (n + sizeof("OIDC_") >= sizeof(name))
		return PAM_SUCCESS;
	memcpy(name, claim, n);
	name[n] = '\0';
	v = oidc_result_claim_string(res, name);
	if (!v || strlen(v) > ENV_VALUE_MAX)
		return PAM_SUCCESS;
	for (i = 0; v[i]; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return PAM_SUCCESS;
	}
	snprintf(buf, sizeof(buf), "OIDC_");
	for (i = 0; i < n; i++)
		buf[5 + i] = (name[i] >= 'a' && name[i] <= 'z') ?
				     (char)(name[i] - 'a' + 'A') : name[i];
	snprintf(buf + 5 + n, sizeof(buf) - 5 - n, "=%s", v);
	return pam_putenv(pamh, buf);
}

/* session_env: OIDC_<CLAIM> for each listed claim; PAM_SESSION_ERR when
 * pam_putenv fails. */
static int export_claims(pam_handle_t *pamh, const struct oidc_result *res,
			 const char *list)
{
	const char *p, *end;

	for (p = list; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if (put_claim(pamh, res, p, (size_t)(end - p)) != PAM_SUCCESS)
			return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

/*
 * The symbol guard (oidc.h oidc_guard_check), before anything else the
 * module does: PAM_SUCCESS, or PAM_SERVICE_ERR with the audit line, and
 * once per process the line that names the function. When the function
 * bound elsewhere is one of libpam's, nothing goes through libpam: the
 * lines go to syslog(3) directly.
 */
static int guard(pam_handle_t *pamh, const char *mode)
{
	struct oidc_error err = { OIDC_OK, "" };
	int report = 0, via_pam;
	enum oidc_status st;

	st = oidc_guard_check(&oidc_guard_table, &report, &err);
	if (st == OIDC_OK)
		return PAM_SUCCESS;
	via_pam = oidc_guard_library_ok(&oidc_guard_table, "libpam.so.0");
	if (report && via_pam)
		pam_syslog(pamh, LOG_AUTHPRIV | LOG_ERR, "%s: %s", oidc_status_name(st),
			   err.detail);
	else if (report)
		syslog(LOG_AUTHPRIV | LOG_ERR, "pam_oidc: %s: %s", oidc_status_name(st),
		       err.detail);
	if (via_pam)
		pam_oidc_audit(pamh, "error", oidc_status_name(st), mode, NULL, NULL, &err);
	else
		syslog(LOG_AUTHPRIV | LOG_NOTICE,
		       "pam_oidc: result=error reason=%s mode=%s token=-",
		       oidc_status_name(st), mode);
	return PAM_SERVICE_ERR;
}

PAM_OIDC_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags,
					int argc, const char **argv)
{
	struct pam_oidc_opts opts;
	struct pam_oidc_handle *h = NULL;
	struct oidc_result *res = NULL;
	struct oidc_audit audit;
	struct oidc_error err = { OIDC_OK, "" };
	enum oidc_status st;
	enum pam_oidc_mode mode;
	const char *user = NULL, *tok = NULL;
	char *kept = NULL;
	size_t len;
	int rc;

	(void)flags;
	memset(&audit, 0, sizeof(audit));
	rc = guard(pamh, "-");
	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_oidc_parse_args(pamh, argc, argv, &opts);
	if (rc != PAM_SUCCESS) {
		pam_oidc_audit(pamh, "error", "config_error", "-", NULL, NULL, NULL);
		return rc;
	}
	rc = pam_get_user(pamh, &user, NULL);
	if (rc != PAM_SUCCESS || !user || !*user)
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	/* a previous attempt on this handle must not authorize this one */
	pam_set_data(pamh, PAM_OIDC_DATA_LOGIN, NULL, NULL);
	rc = pam_oidc_get_handle(pamh, argc, argv, &opts, 0, &h);
	if (rc != PAM_SUCCESS) {
		pam_oidc_audit(pamh, "error", "config_error",
			       mode_name(opts.mode), user, NULL, NULL);
		return rc;
	}
	mode = opts.mode;
	if (mode != PAM_OIDC_MODE_DEVICE) {
		rc = pam_get_authtok(pamh, PAM_AUTHTOK, &tok,
				     opts.prompt ? opts.prompt :
				     mode == PAM_OIDC_MODE_AUTO ? AUTO_PROMPT :
								  TOKEN_PROMPT);
		if (rc != PAM_SUCCESS) {
			pam_oidc_audit(pamh, "deny", "no_token", mode_name(mode),
				       user, NULL, NULL);
			return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
		}
		if (mode == PAM_OIDC_MODE_AUTO)
			mode = (tok && *tok) || !can_converse(pamh) ?
				       PAM_OIDC_MODE_TOKEN : PAM_OIDC_MODE_DEVICE;
	}
	if (mode == PAM_OIDC_MODE_DEVICE) {
		st = pam_oidc_device_login(pamh, &opts, h, user, &res, &kept,
					   &audit, &err);
	} else {
		len = tok ? strlen(tok) : 0;
		if (!pam_oidc_looks_like_token(tok ? tok : "", len,
					       h->opaque_tokens)) {
			/* the start of a JWT that a client cut (OpenSSH at
			 * 1023 bytes) is no password: say what happened */
			if (oidc_token_cut_limit(tok ? tok : "", len)) {
				oidc_token_fingerprint(tok, len,
						       audit.token_sha256);
				pam_oidc_audit(pamh, "deny",
					       oidc_status_name(
						       OIDC_E_TOKEN_TRUNCATED),
					       "token", user, &audit, NULL);
				return PAM_AUTH_ERR;
			}
			/* a password: only password-allowed users fall through */
			if (pam_oidc_password_allowed(user, &opts)) {
				pam_oidc_audit(pamh, "ignore",
					       "password_fallthrough", "token",
					       user, NULL, NULL);
				return PAM_IGNORE;
			}
			pam_oidc_audit(pamh, "deny", "password_not_allowed",
				       "token", user, NULL, NULL);
			return PAM_AUTH_ERR;
		}
		st = oidc_validate(h->ctx, tok, len,
				   opts.user_case == PAM_OIDC_CASE_EXACT ? user :
									   NULL,
				   &res, &audit, &err);
		debug_detail(pamh, &opts, &err);
		if (st == OIDC_OK && !(kept = strdup(tok)))
			st = OIDC_E_NOMEM;
	}
	if (st == OIDC_OK &&
	    !pam_oidc_user_matches(oidc_result_username(res), user,
				   opts.user_case)) {
		st = OIDC_E_USER_MISMATCH;
		oidc_result_free(&res);
	}
	/* user_case=lower: the account that logs in is PAM's spelling, which
	 * the core has not seen (a token's DAEMON must not become daemon) */
	if (st == OIDC_OK && strcmp(oidc_result_username(res), user) != 0) {
		st = oidc_result_check_account(h->ctx, res, user, &err);
		debug_detail(pamh, &opts, &err);
		if (st != OIDC_OK)
			oidc_result_free(&res);
	}
	pam_oidc_audit(pamh, st == OIDC_OK ? "allow" : "deny",
		       oidc_status_name(st), mode_name(mode), user, &audit, &err);
	rc = pam_oidc_status_to_pam(st, 0);
	if (st != OIDC_OK)
		oidc_result_free(&res);
	/* session_env on the auth line: export now. OpenSSH authenticates in
	 * a child process and hands only the PAM environment back, so the
	 * session phase never sees this login's claims there. */
	if (st == OIDC_OK && opts.session_env &&
	    export_claims(pamh, res, opts.session_env) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_WARNING, "session_env: pam_putenv failed");
	remember_login(pamh, st, user, &res, &kept, &audit);
	return rc;
}

/*
 * No credentials to establish. Success even for a login this process did
 * not see: OpenSSH authenticates in a child and calls pam_setcred in the
 * parent, and a lone PAM_IGNORE would turn into PAM_PERM_DENIED there.
 */
PAM_OIDC_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/*
 * account_required_claims / account_required_scopes: the token of this
 * login once more through the core, with that policy as its
 * required_claims / required_scopes (the core's syntax and semantics).
 */
static enum oidc_status account_policy(pam_handle_t *pamh, int argc,
				       const char **argv,
				       const struct pam_oidc_opts *opts,
				       const struct pam_oidc_login *login)
{
	struct pam_oidc_handle *h = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	enum oidc_status st;

	if (!login->token)
		return OIDC_E_INTERNAL;
	if (pam_oidc_get_handle(pamh, argc, argv, opts, 1, &h) != PAM_SUCCESS)
		return OIDC_E_CONFIG;
	st = oidc_validate(h->ctx, login->token, strlen(login->token), NULL,
			   NULL, NULL, &err);
	debug_detail(pamh, opts, &err);
	return st;
}

PAM_OIDC_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				     const char **argv)
{
	struct pam_oidc_opts opts;
	struct pam_oidc_handle *h = NULL;
	const struct pam_oidc_login *login;
	const void *data = NULL, *item = NULL;
	enum oidc_status st;
	struct oidc_error err = { OIDC_OK, "" };
	const char *user = "";
	int rc;

	(void)flags;
	rc = guard(pamh, "account");
	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_oidc_parse_args(pamh, argc, argv, &opts);
	if (rc != PAM_SUCCESS) {
		pam_oidc_audit(pamh, "error", "config_error", "account", NULL,
			       NULL, NULL);
		return rc;
	}
	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS && item)
		user = item;
	if (pam_get_data(pamh, PAM_OIDC_DATA_LOGIN, &data) != PAM_SUCCESS ||
	    !data) {
		/* not our login (ssh keys, another auth module) */
		if (!opts.account_unknown_deny) {
			if (opts.debug)
				pam_syslog(pamh, LOG_DEBUG,
					   "no token login on this handle");
			return PAM_IGNORE;
		}
		pam_oidc_audit(pamh, "deny", "not_authenticated_by_oidc",
			       "account", user, NULL, NULL);
		return PAM_PERM_DENIED;
	}
	login = data;
	st = login->status;
	if (st == OIDC_OK && strcmp(login->user, user) != 0)
		st = OIDC_E_USER_MISMATCH; /* PAM_USER changed after auth */
	if (st == OIDC_OK &&
	    pam_oidc_get_handle(pamh, argc, argv, &opts, 0, &h) != PAM_SUCCESS)
		st = OIDC_E_CONFIG;
	/* still within exp, with the leeway that accepted it at auth */
	if (st == OIDC_OK) {
		st = oidc_result_check_expiry(h->ctx, login->res, &err);
		debug_detail(pamh, &opts, &err);
	}
	if (st == OIDC_OK && (opts.account_claims || opts.account_scopes))
		st = account_policy(pamh, argc, argv, &opts, login);
	pam_oidc_audit(pamh, st == OIDC_OK ? "allow" : "deny",
		       oidc_status_name(st), "account", user, &login->audit, NULL);
	if (st == OIDC_OK)
		return PAM_SUCCESS;
	return oidc_status_class(st) == OIDC_CLASS_INTERNAL ? PAM_SERVICE_ERR :
							      PAM_PERM_DENIED;
}

PAM_OIDC_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags,
					int argc, const char **argv)
{
	struct pam_oidc_opts opts;
	const struct pam_oidc_login *login;
	const void *data = NULL;
	int rc;

	(void)flags;
	/* no login of ours to export: the auth phase refused it */
	if (guard(pamh, "session") != PAM_SUCCESS)
		return PAM_IGNORE;
	rc = pam_oidc_parse_args(pamh, argc, argv, &opts);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!opts.session_env ||
	    pam_get_data(pamh, PAM_OIDC_DATA_LOGIN, &data) != PAM_SUCCESS ||
	    !data)
		return PAM_IGNORE;
	login = data;
	if (login->status != OIDC_OK || !login->res)
		return PAM_IGNORE;
	return export_claims(pamh, login->res, opts.session_env);
}

PAM_OIDC_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags,
					 int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}
