/* SPDX-License-Identifier: MIT */
/*
 * token_source.c - tokens for the client plugin when the application does
 * not hand one over: oidc_token_file (read at each use: an agent may
 * rewrite it), or oidc_token_grant = client_credentials | refresh_token
 * through the core's token endpoint client, cached in memory and renewed
 * XO_RENEW_BEFORE seconds before it expires.
 *
 * oidc_refresh_token_file holds the bare refresh token or is the JSON token
 * file "oidc-auth login" writes (then "oidc-auth token" and the plugin share
 * it, with the same lock). Refresh-token rotation (RFC 6749 6; RFC 9700 4.14.2): a provider that
 * rotates refuses the old refresh token afterwards, and some (oidc-provider,
 * Okta, Auth0) revoke the whole grant when a used one comes back. A host
 * runs many client processes (Postfix: one smtp process per delivery
 * batch), each starting from oidc_refresh_token_file, so a rotated token
 * kept in memory only would be replayed by the next process. Therefore a
 * refresh runs under an exclusive lock on PATH.lock, starts from the token
 * now in the file (another process may have rotated it), and a rotated
 * token is written back atomically (temp file in the same directory,
 * fsync, rename; mode 0600). When the directory is not writable the token
 * is kept in memory and a warning says what to fix.
 *
 * Both files hold secrets and are read through the core's one reader
 * (oidc_trusted_file_read): another user's file, a file others can read, a
 * symbolic link or a directory others can write is refused, and the reason
 * reaches the log (client.c) and the application's error text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "token_source.h"

#define XO_TOKEN_FILE_MAX 65536
#define XO_RENEW_BEFORE 30   /* seconds before exp */
#define XO_NO_EXP_REUSE 60   /* reuse a token without expires_in this long */
#define XO_LOCK_WAIT_MS 30000 /* longest wait for another process's refresh */

enum xo_grant {
	XO_GRANT_CLIENT_CREDENTIALS,
	XO_GRANT_REFRESH_TOKEN,
};

struct xo_token_source {
	pthread_mutex_t lock;
	const sasl_utils_t *utils; /* the plugin's global utils: warnings */
	enum xo_grant grant;
	bool tried;             /* lazy context build attempted */
	struct oidc_ctx *ctx;
	char why[OIDC_DETAIL_MAX + 64];
	char *refresh;          /* current refresh token */
	bool refresh_json;      /* the file is oidc-auth login's JSON token file */
	char *access;           /* cached access token */
	int64_t renew_at;       /* ctx clock: get a new one from then on */
};

static void wipe_free(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/*
 * The whole file through the core's reader of secrets: a regular file of
 * this user (or root), mode 0600 or stricter, not a symbolic link, in a
 * directory nobody else can write (oidc_trusted_file_read). Trailing
 * whitespace removed; an empty file is refused. On failure why says what
 * to fix, prefixed with the option's name.
 */
static int read_token_file(const char *option, const char *path, char **tok_out,
			   size_t *len_out, char *why, size_t why_cap)
{
	struct oidc_error err = { OIDC_OK, "" };
	char *buf = NULL;
	size_t len = 0, read_len = 0;

	if (oidc_trusted_file_read(path, OIDC_FILE_SECRET, XO_TOKEN_FILE_MAX, &buf, &read_len,
				   &err) != OIDC_OK) {
		snprintf(why, why_cap, "%s refused: %s", option, err.detail);
		return SASL_FAIL;
	}
	len = read_len;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	if (len == 0) {
		explicit_bzero(buf, read_len + 1);
		free(buf);
		snprintf(why, why_cap, "%s: %s is empty", option, path);
		return SASL_FAIL;
	}
	buf[len] = '\0';
	*tok_out = buf;
	*len_out = len;
	return SASL_OK;
}

/*
 * oidc_refresh_token_file: the bare refresh token, or the JSON token file
 * of "oidc-auth login" (its refresh_token member); *json says which, so a
 * rotated token is written back in the same form.
 */
static int read_refresh_file(const char *path, char **tok_out, bool *json, char *why,
			     size_t why_cap)
{
	char *buf = NULL;
	size_t len;

	*tok_out = NULL;
	if (read_token_file("oidc_refresh_token_file", path, &buf, &len, why, why_cap) !=
	    SASL_OK)
		return SASL_FAIL;
	*json = buf[0] == '{';
	if (*json) {
		*tok_out = oidc_tokens_json_refresh(buf, len);
		explicit_bzero(buf, len);
		free(buf);
		if (!*tok_out)
			snprintf(why, why_cap, "oidc_refresh_token_file: %s is a JSON token "
				 "file without refresh_token", path);
		return *tok_out ? SASL_OK : SASL_FAIL;
	}
	*tok_out = buf;
	return SASL_OK;
}

int xo_token_source_new(const sasl_utils_t *utils, const struct xo_options *opts,
			struct xo_token_source **src_out)
{
	struct xo_token_source *src;

	*src_out = NULL;
	if (!opts->token_grant)
		return SASL_OK;
	src = calloc(1, sizeof(*src));
	if (!src)
		return SASL_NOMEM;
	if (pthread_mutex_init(&src->lock, NULL) != 0) {
		free(src);
		return SASL_FAIL;
	}
	src->utils = utils;
	if (!strcmp(opts->token_grant, "refresh_token")) {
		src->grant = XO_GRANT_REFRESH_TOKEN;
	} else if (!strcmp(opts->token_grant, "client_credentials")) {
		src->grant = XO_GRANT_CLIENT_CREDENTIALS;
	} else {
		/* reported at first use: plug_init must not fail */
		src->tried = true;
		snprintf(src->why, sizeof(src->why),
			 "oidc_token_grant: must be client_credentials or refresh_token");
	}
	*src_out = src;
	return SASL_OK;
}

void xo_token_source_free(struct xo_token_source **src)
{
	if (!src || !*src)
		return;
	oidc_ctx_free(&(*src)->ctx);
	wipe_free(&(*src)->refresh);
	wipe_free(&(*src)->access);
	pthread_mutex_destroy(&(*src)->lock);
	free(*src);
	*src = NULL;
}

/* Under the lock: the context and, for refresh_token, the first token. */
static void source_init(struct xo_token_source *src, const struct xo_options *opts)
{
	char *scope = NULL, *openid = NULL, *why = NULL;

	src->tried = true;
	if (xo_context_build(opts, &src->ctx, &scope, &openid, &why) != OIDC_OK) {
		snprintf(src->why, sizeof(src->why), "%s", why ? why : "configuration refused");
		free(why);
		return;
	}
	free(scope);
	free(openid);
	if (src->grant == XO_GRANT_REFRESH_TOKEN && !opts->refresh_token_file) {
		snprintf(src->why, sizeof(src->why), "oidc_refresh_token_file: missing");
		oidc_ctx_free(&src->ctx);
	}
}

/* The file in the form it was read: the bare token and a newline, or the
 * JSON token file with the new tokens. 0 or -1 with errno. */
static int write_refresh(const char *path, const struct oidc_tokens *t, bool json)
{
	size_t len = strlen(t->refresh_token);
	char *text = json ? oidc_tokens_json(t, NULL) : malloc(len + 2);
	int rc, e;

	if (!text) {
		errno = ENOMEM;
		return -1;
	}
	if (json) {
		len = strlen(text);
	} else {
		memcpy(text, t->refresh_token, len);
		text[len++] = '\n';
		text[len] = '\0';
	}
	rc = oidc_file_replace(path, text, len);
	e = errno;
	explicit_bzero(text, len);
	free(text);
	errno = e;
	return rc;
}

/* Under the lock: one request to the token endpoint. */
static int source_fetch(struct xo_token_source *src, const struct xo_options *opts)
{
	struct oidc_tokens *t = NULL;
	struct oidc_error err = { 0 };
	enum oidc_status st;
	int64_t now = oidc_ctx_now(src->ctx);
	int lock_fd = -1, lock_err = 0;

	if (src->grant == XO_GRANT_REFRESH_TOKEN) {
		char *cur = NULL;
		bool cur_json;

		lock_fd = oidc_file_lock(opts->refresh_token_file, XO_LOCK_WAIT_MS);
		if (lock_fd < 0 && errno == EWOULDBLOCK) {
			snprintf(src->why, sizeof(src->why),
				 "oidc_refresh_token_file: %.200s.lock held by another "
				 "process for %d s", opts->refresh_token_file,
				 XO_LOCK_WAIT_MS / 1000);
			return SASL_TRYAGAIN;
		}
		if (lock_fd < 0)
			lock_err = errno; /* cannot create it: unlocked, warn below */
		/* the file, read at every refresh: another process may have
		 * rotated it; the one in memory serves when it is gone */
		if (read_refresh_file(opts->refresh_token_file, &cur, &cur_json, src->why,
				      sizeof(src->why)) == SASL_OK) {
			src->refresh_json = cur_json;
			wipe_free(&src->refresh);
			src->refresh = cur;
		} else if (!src->refresh) {
			if (lock_fd >= 0)
				close(lock_fd);
			return SASL_FAIL;
		} else if (src->utils) {
			src->utils->log(NULL, SASL_LOG_WARN, "oidc-auth: %s; using the refresh "
					"token this process already has", src->why);
		}
		st = oidc_token_refresh(src->ctx, NULL, src->refresh, &t, &err);
	} else {
		st = oidc_token_client_credentials(src->ctx, NULL, &t, &err);
	}
	if (st != OIDC_OK) {
		if (lock_fd >= 0)
			close(lock_fd);
		snprintf(src->why, sizeof(src->why), "token endpoint: %s (%s)",
			 err.detail[0] ? err.detail : oidc_status_text(st),
			 oidc_status_name(st));
		return oidc_status_class(st) == OIDC_CLASS_UNAVAILABLE ? SASL_TRYAGAIN
								       : SASL_FAIL;
	}
	if (src->grant == XO_GRANT_REFRESH_TOKEN && t->refresh_token &&
	    strcmp(t->refresh_token, src->refresh)) {
		int e = lock_err;
		char eb[128];

		/* rotated: the next process must start from the new one */
		if (!e && write_refresh(opts->refresh_token_file, t, src->refresh_json) != 0)
			e = errno;
		wipe_free(&src->refresh);
		src->refresh = t->refresh_token;
		t->refresh_token = NULL;
		if (e && src->utils)
			src->utils->log(NULL, SASL_LOG_WARN,
					"oidc-auth: the provider rotated the refresh token but "
					"oidc_refresh_token_file %s was not rewritten (%s): "
					"make its directory writable by this user, or other "
					"processes present the old token and may lose the grant",
					opts->refresh_token_file,
					strerror_r(e, eb, sizeof(eb)));
	}
	if (lock_fd >= 0)
		close(lock_fd);
	wipe_free(&src->access);
	src->access = t->access_token;
	t->access_token = NULL;
	if (t->expires_at > 0)
		src->renew_at = t->expires_at - XO_RENEW_BEFORE;
	else
		src->renew_at = now + XO_NO_EXP_REUSE;
	oidc_tokens_free(&t);
	return SASL_OK;
}

static int source_get(struct xo_token_source *src, const struct xo_options *opts,
		      char **tok_out, size_t *len_out, char *why, size_t why_cap)
{
	int rc = SASL_OK;

	pthread_mutex_lock(&src->lock);
	if (!src->tried)
		source_init(src, opts);
	if (!src->ctx) {
		rc = SASL_FAIL;
	} else if (!src->access || oidc_ctx_now(src->ctx) >= src->renew_at) {
		rc = source_fetch(src, opts);
	}
	if (rc == SASL_OK) {
		*tok_out = strdup(src->access);
		*len_out = *tok_out ? strlen(*tok_out) : 0;
		if (!*tok_out)
			rc = SASL_NOMEM;
	} else {
		snprintf(why, why_cap, "%s", src->why);
	}
	pthread_mutex_unlock(&src->lock);
	return rc;
}

int xo_token_source_get(struct xo_token_source *src, const struct xo_options *opts,
			char **tok_out, size_t *len_out, char *why, size_t why_cap)
{
	*tok_out = NULL;
	*len_out = 0;
	if (why_cap)
		why[0] = '\0';
	/* a client configuration that was refused must not fall back to the
	 * password callback as if nothing were configured */
	if (opts->error) {
		snprintf(why, why_cap, "%s", opts->error);
		return SASL_FAIL;
	}
	if (opts->token_file)
		return read_token_file("oidc_token_file", opts->token_file, tok_out, len_out,
				       why, why_cap);
	if (src)
		return source_get(src, opts, tok_out, len_out, why, why_cap);
	return SASL_OK;
}
