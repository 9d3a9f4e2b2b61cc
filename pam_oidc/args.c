/* SPDX-License-Identifier: MIT */
/*
 * args.c - module arguments and the per-handle validation context.
 *
 * Arguments are the module's own words (debug, mode=, ...) plus any key of
 * oidc-auth.conf(5) as key=value, applied after the config= file. Anything
 * the core refuses is a configuration error: the module fails closed and
 * says which argument was wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "pam_oidc.h"

/* Module-owned keys, never passed to the core. */
static const char *const module_keys[] = {
	"config", "mode", "user_case", "password_users", "password_groups",
	"account_unknown", "session_env", "qr", "account_required_claims",
	"account_required_scopes", "prompt",
};

static int is_module_key(const char *arg, size_t keylen)
{
	size_t i;

	for (i = 0; i < sizeof(module_keys) / sizeof(module_keys[0]); i++) {
		if (strlen(module_keys[i]) == keylen &&
		    memcmp(module_keys[i], arg, keylen) == 0)
			return 1;
	}
	return 0;
}

/* A list of names: items of [A-Za-z0-9._@-] separated by commas. */
static int valid_name_list(const char *v, int env_names)
{
	size_t n = 0, items = 0;
	const char *p;

	for (p = v;; p++) {
		char c = *p;

		if (c == ',' || c == '\0') {
			if (n == 0)
				return 0;
			items++;
			n = 0;
			if (c == '\0')
				break;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' ||
		      (!env_names && (c == '.' || c == '-' || c == '@'))))
			return 0;
		if (++n > 64)
			return 0;
	}
	return items <= PAM_OIDC_LIST_MAX;
}

static int bad_arg(pam_handle_t *pamh, const char *arg, const char *why)
{
	pam_syslog(pamh, LOG_ERR, "config error: argument %.64s: %s", arg,
		   why);
	return PAM_SERVICE_ERR;
}

static int parse_one(pam_handle_t *pamh, const char *arg,
		     struct pam_oidc_opts *o)
{
	const char *eq = strchr(arg, '=');
	const char *v;

	if (!eq) {
		if (strcmp(arg, "debug") == 0)
			o->debug = 1;
		else if (strcmp(arg, "use_first_pass") == 0)
			o->use_first_pass = 1;
		else if (strcmp(arg, "try_first_pass") == 0)
			o->try_first_pass = 1;
		else
			return bad_arg(pamh, arg, "unknown argument");
		return PAM_SUCCESS;
	}
	v = eq + 1;
	if (!is_module_key(arg, (size_t)(eq - arg)))
		return PAM_SUCCESS; /* a core key: applied by build_ctx */
	if (*v == '\0')
		return bad_arg(pamh, arg, "empty value");
	if (strncmp(arg, "config=", 7) == 0) {
		if (v[0] != '/')
			return bad_arg(pamh, arg, "must be an absolute path");
		o->config_path = v;
	} else if (strncmp(arg, "mode=", 5) == 0) {
		if (strcmp(v, "token") == 0)
			o->mode = PAM_OIDC_MODE_TOKEN;
		else if (strcmp(v, "device") == 0)
			o->mode = PAM_OIDC_MODE_DEVICE;
		else if (strcmp(v, "auto") == 0)
			o->mode = PAM_OIDC_MODE_AUTO;
		else
			return bad_arg(pamh, arg, "must be token, device or auto");
	} else if (strncmp(arg, "user_case=", 10) == 0) {
		if (strcmp(v, "exact") == 0)
			o->user_case = PAM_OIDC_CASE_EXACT;
		else if (strcmp(v, "lower") == 0)
			o->user_case = PAM_OIDC_CASE_LOWER;
		else
			return bad_arg(pamh, arg, "must be exact or lower");
	} else if (strncmp(arg, "account_unknown=", 16) == 0) {
		if (strcmp(v, "ignore") == 0)
			o->account_unknown_deny = 0;
		else if (strcmp(v, "deny") == 0)
			o->account_unknown_deny = 1;
		else
			return bad_arg(pamh, arg, "must be ignore or deny");
	} else if (strncmp(arg, "prompt=", 7) == 0) {
		/* shown to people: printable ASCII only, like the core's texts;
		 * spaces through the [prompt=...] bracket syntax of pam.d */
		for (const char *c = v; *c; c++)
			if (*c < 0x20 || *c > 0x7e || c - v >= 128)
				return bad_arg(pamh, arg, "printable ASCII, at most 128 "
					       "characters");
		o->prompt = v;
	} else if (strncmp(arg, "qr=", 3) == 0) {
		if (strcmp(v, "utf8") == 0)
			o->qr = PAM_OIDC_QR_UTF8;
		else if (strcmp(v, "ascii") == 0)
			o->qr = PAM_OIDC_QR_ASCII;
		else if (strcmp(v, "off") == 0)
			o->qr = PAM_OIDC_QR_OFF;
		else
			return bad_arg(pamh, arg, "must be utf8, ascii or off");
	} else if (strncmp(arg, "account_required_claims=", 24) == 0) {
		o->account_claims = v; /* checked by the core's parser */
	} else if (strncmp(arg, "account_required_scopes=", 24) == 0) {
		o->account_scopes = v;
	} else if (strncmp(arg, "session_env=", 12) == 0) {
		if (!valid_name_list(v, 1))
			return bad_arg(pamh, arg, "claim names [A-Za-z0-9_]");
		o->session_env = v;
	} else if (strncmp(arg, "password_users=", 15) == 0) {
		if (strcmp(v, "*") != 0 && !valid_name_list(v, 0))
			return bad_arg(pamh, arg, "comma-separated user names, or *");
		o->password_users = v;
	} else {
		if (!valid_name_list(v, 0))
			return bad_arg(pamh, arg, "comma-separated group names");
		o->password_groups = v;
	}
	return PAM_SUCCESS;
}

int pam_oidc_parse_args(pam_handle_t *pamh, int argc, const char **argv,
			struct pam_oidc_opts *opts)
{
	int i, rc;

	memset(opts, 0, sizeof(*opts));
	opts->mode = PAM_OIDC_MODE_TOKEN;
	for (i = 0; i < argc; i++) {
		rc = parse_one(pamh, argv[i], opts);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	return PAM_SUCCESS;
}

struct visit_state {
	int opaque;
	int accept_id;
};

static void visit_key(void *arg, const char *section, const char *key,
		      const char *value)
{
	struct visit_state *vs = arg;

	(void)section;
	if (!value)
		return;
	if (strcmp(key, "token_types") == 0 && strstr(value, "opaque"))
		vs->opaque = 1;
	if (strcmp(key, "accept_id_tokens") == 0 && strcmp(value, "yes") == 0)
		vs->accept_id = 1;
}

static void handle_free(struct pam_oidc_handle *h)
{
	if (!h)
		return;
	oidc_ctx_free(&h->ctx);
	free(h->argkey);
	free(h);
}

static void handle_cleanup(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	handle_free(data);
}

/* argv joined with NUL separators: a context is reused only for equal args */
static char *make_argkey(int argc, const char **argv, size_t *len_out)
{
	size_t len = 0, off = 0, n;
	char *key;
	int i;

	for (i = 0; i < argc; i++) {
		len += strlen(argv[i]) + 1;
		if (len > PAM_OIDC_ARGS_MAX)
			return NULL;
	}
	key = malloc(len + 1);
	if (!key)
		return NULL;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]) + 1;
		memcpy(key + off, argv[i], n);
		off += n;
	}
	key[off] = '\0';
	*len_out = len;
	return key;
}

static enum oidc_status build_ctx(int argc, const char **argv,
				  const struct pam_oidc_opts *opts,
				  int account_policy, struct pam_oidc_handle *h,
				  struct oidc_error *err)
{
	struct oidc_config *cfg = NULL;
	struct visit_state vs = { 0, 0 };
	enum oidc_status st;
	char key[128];
	const char *eq;
	size_t klen;
	int i;

	st = oidc_config_new(&cfg, err);
	if (st != OIDC_OK)
		return st;
	if (opts->config_path) {
		st = oidc_config_load_file(cfg, opts->config_path, err);
		if (st != OIDC_OK)
			goto out;
	}
	for (i = 0; i < argc; i++) {
		eq = strchr(argv[i], '=');
		if (!eq)
			continue;
		klen = (size_t)(eq - argv[i]);
		if (is_module_key(argv[i], klen))
			continue;
		if (klen == 0 || klen >= sizeof(key)) {
			st = OIDC_E_CONFIG;
			if (err) {
				err->status = st;
				snprintf(err->detail, sizeof(err->detail),
					 "argument with a bad key");
			}
			goto out;
		}
		memcpy(key, argv[i], klen);
		key[klen] = '\0';
		st = oidc_config_set(cfg, NULL, key, eq + 1, err);
		if (st != OIDC_OK)
			goto out;
	}
	/* the account group's policy, in the core's own syntax and checks */
	if (account_policy && opts->account_claims)
		st = oidc_config_set(cfg, NULL, "required_claims",
				     opts->account_claims, err);
	if (st == OIDC_OK && account_policy && opts->account_scopes)
		st = oidc_config_set(cfg, NULL, "required_scopes",
				     opts->account_scopes, err);
	if (st != OIDC_OK)
		goto out;
	st = oidc_config_finish(cfg, err);
	if (st != OIDC_OK)
		goto out;
	oidc_config_visit(cfg, visit_key, &vs);
	h->opaque_tokens = vs.opaque;
	h->accept_id_tokens = vs.accept_id;
	/* oidc_ctx_new takes cfg, also on failure */
	st = oidc_ctx_new(&h->ctx, cfg, err);
	cfg = NULL;
out:
	oidc_config_free(&cfg);
	return st;
}

int pam_oidc_get_handle(pam_handle_t *pamh, int argc, const char **argv,
			const struct pam_oidc_opts *opts, int account_policy,
			struct pam_oidc_handle **h_out)
{
	const char *name = account_policy ? PAM_OIDC_DATA_ACCT_CTX :
					    PAM_OIDC_DATA_CTX;
	const void *data = NULL;
	struct pam_oidc_handle *h = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	enum oidc_status st;
	size_t klen = 0;
	char *key;

	key = make_argkey(argc, argv, &klen);
	if (!key)
		return bad_arg(pamh, "(all)", "too long or out of memory");
	if (pam_get_data(pamh, name, &data) == PAM_SUCCESS &&
	    data) {
		h = (struct pam_oidc_handle *)data;
		if (h->argkey_len == klen && memcmp(h->argkey, key, klen) == 0) {
			free(key);
			*h_out = h;
			return PAM_SUCCESS;
		}
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		free(key);
		return PAM_BUF_ERR;
	}
	h->argkey = key;
	h->argkey_len = klen;
	st = build_ctx(argc, argv, opts, account_policy, h, &err);
	if (st != OIDC_OK) {
		pam_syslog(pamh, LOG_ERR, "config error: %s (%s)",
			   err.detail[0] ? err.detail : oidc_status_text(st),
			   oidc_status_name(st));
		handle_free(h);
		return pam_oidc_status_to_pam(st, 0);
	}
	/* replaces (and frees) a context built from other arguments */
	if (pam_set_data(pamh, name, h, handle_cleanup) !=
	    PAM_SUCCESS) {
		handle_free(h);
		return PAM_BUF_ERR;
	}
	*h_out = h;
	return PAM_SUCCESS;
}
