/* SPDX-License-Identifier: MIT */
/*
 * pam_oidc.h - internals of the PAM adapter (not installed, not included by
 * anything outside pam_oidc/). The adapter only talks to the core through
 * common/oidc.h.
 */
#ifndef PAM_OIDC_H
#define PAM_OIDC_H

#include <stddef.h>

#include <security/pam_modules.h>

#include "oidc.h"

#define PAM_OIDC_EXPORT __attribute__((visibility("default")))

/*
 * Audit reasons of the adapter itself, besides the core's status names
 * (documented in docs/troubleshooting.md, checked by tests/docs):
 * reason=password_not_allowed reason=password_fallthrough reason=no_token
 * reason=not_authenticated_by_oidc
 */

/* pam_set_data names: one per handle, shared by auth, account and session */
#define PAM_OIDC_DATA_CTX "pam_oidc/ctx"
#define PAM_OIDC_DATA_LOGIN "pam_oidc/login"
/* the context of account_required_claims / account_required_scopes */
#define PAM_OIDC_DATA_ACCT_CTX "pam_oidc/account-ctx"

/* A module argument list stays far below this (libpam lines are <= 1 KiB). */
#define PAM_OIDC_ARGS_MAX 8192
#define PAM_OIDC_LIST_MAX 64

enum pam_oidc_mode {
	PAM_OIDC_MODE_TOKEN,
	PAM_OIDC_MODE_DEVICE,
	PAM_OIDC_MODE_AUTO,
};

enum pam_oidc_qr {
	PAM_OIDC_QR_UTF8,
	PAM_OIDC_QR_ASCII,
	PAM_OIDC_QR_OFF,
};

enum pam_oidc_user_case {
	PAM_OIDC_CASE_EXACT,
	PAM_OIDC_CASE_LOWER,
};

/*
 * The module's own arguments for one pam_sm_* call. Strings are borrowed
 * from argv, which libpam keeps for the life of the handle.
 */
struct pam_oidc_opts {
	int debug;
	int use_first_pass;
	int try_first_pass;
	enum pam_oidc_mode mode;
	enum pam_oidc_user_case user_case;
	int account_unknown_deny;
	enum pam_oidc_qr qr;
	const char *config_path;
	const char *password_users;   /* list: "a,b" */
	const char *password_groups;  /* list: "g1,g2" */
	const char *session_env;      /* list of claim names */
	const char *account_claims;   /* account_required_claims */
	const char *account_scopes;   /* account_required_scopes */
	const char *prompt;           /* token/auto prompt, NULL: default */
};

/* The validation context of a handle, built once from the arguments. */
struct pam_oidc_handle {
	char *argkey;           /* the argv it was built from, NUL-separated */
	size_t argkey_len;
	struct oidc_ctx *ctx;
	int opaque_tokens;      /* token_types includes opaque */
	int accept_id_tokens;   /* accept_id_tokens = yes */
};

/* What this module decided at auth time, for account and session. */
struct pam_oidc_login {
	enum oidc_status status;
	char user[257];         /* PAM user the decision was about */
	struct oidc_audit audit; /* of the auth decision */
	struct oidc_result *res; /* only when status == OIDC_OK */
	char *token;            /* the token validated, for account policy;
				 * wiped when the handle ends */
};

/* args.c */
int pam_oidc_parse_args(pam_handle_t *pamh, int argc, const char **argv,
			struct pam_oidc_opts *opts);
/*
 * The validation context for these arguments, kept in the pam handle.
 * account_policy: the context of the account group's own policy
 * (account_required_* become required_claims / required_scopes).
 */
int pam_oidc_get_handle(pam_handle_t *pamh, int argc, const char **argv,
			const struct pam_oidc_opts *opts, int account_policy,
			struct pam_oidc_handle **h_out);

/* policy.c */
int pam_oidc_looks_like_token(const char *s, size_t len, int opaque_tokens);
int pam_oidc_list_contains(const char *list, const char *item);
int pam_oidc_password_allowed(const char *user,
			      const struct pam_oidc_opts *opts);
int pam_oidc_user_matches(const char *mapped, const char *pam_user,
			  enum pam_oidc_user_case user_case);
int pam_oidc_status_to_pam(enum oidc_status st, int account_phase);

/* audit.c */
/* err: its detail is appended (detail="...") for class internal only. */
void pam_oidc_audit(pam_handle_t *pamh, const char *result,
		    const char *reason, const char *mode, const char *pam_user,
		    const struct oidc_audit *a, const struct oidc_error *err);

/* device.c: RFC 8628 login through the conversation; fills audit and err. */
enum oidc_status pam_oidc_device_login(pam_handle_t *pamh,
				       const struct pam_oidc_opts *opts,
				       struct pam_oidc_handle *h,
				       const char *pam_user,
				       struct oidc_result **res_out,
				       char **token_out,
				       struct oidc_audit *audit,
				       struct oidc_error *err);

#endif /* PAM_OIDC_H */
