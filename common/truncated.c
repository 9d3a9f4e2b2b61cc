/* SPDX-License-Identifier: MIT */
/*
 * truncated.c - tell a token that was cut on its way from a forged one.
 *
 * Some clients silently cut long input at a fixed length: the OpenSSH
 * client reads keyboard-interactive answers into a 1024-byte buffer (1023
 * characters), a terminal in canonical mode passes at most 4095 characters
 * per line (su, login, pamtester, Linux-PAM's misc_conv), WebDAV clients
 * built on neon (cadaver, davfs2) send at most 255 bytes of a password. A JWT cut there is
 * no longer a JWS, or its signature is short, and was reported as
 * malformed_token, bad_signature or (by the PAM module, which takes a
 * string with one dot for a password) password_not_allowed: all of which
 * send an administrator after a forgery or a password policy. The refusal
 * stays a refusal; only its reason changes, and only when the input is
 * exactly at such a limit and shaped like the start of a JWS.
 */
#include <string.h>

#include "internal.h"

/* The lengths known clients cut at (docs/token-size.md lists them). */
static const struct cut_limit {
	size_t len;
	const char *who;
} cut_limits[] = {
	/* neon's credential callback has char password[NE_ABUFSIZ = 256] */
	{ 255, "a neon WebDAV client (cadaver, davfs2)" },
	/* keyboard-interactive answers are read into char[1024] */
	{ 1023, "the OpenSSH client" },
	/* N_TTY_BUF_SIZE 4096 with the newline; misc_conv reads 4095 */
	{ 4095, "a terminal line (su, login, pamtester)" },
};

static bool b64url_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static const struct cut_limit *cut_limit_of(const char *token, size_t len)
{
	const struct cut_limit *limit = NULL;
	size_t dots = 0, seg = 0;

	if (!token)
		return NULL;
	for (size_t i = 0; i < sizeof(cut_limits) / sizeof(cut_limits[0]); i++)
		if (len == cut_limits[i].len)
			limit = &cut_limits[i];
	/* RFC 7515 7.1: a JWS starts with the base64url of a JSON object,
	 * and "{" always encodes to a leading 'e'. */
	if (!limit || token[0] != 'e')
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (token[i] == '.') {
			/* a cut leaves at most the two dots, none doubled */
			if (++dots > 2 || seg == 0)
				return NULL;
			seg = 0;
		} else if (b64url_char(token[i])) {
			seg++;
		} else {
			return NULL;
		}
	}
	return limit;
}

OIDC_EXPORT size_t oidc_token_cut_limit(const char *token, size_t len)
{
	const struct cut_limit *limit = cut_limit_of(token, len);

	return limit ? limit->len : 0;
}

enum oidc_status oidc_token_cut_refusal(enum oidc_status st,
					const char *token, size_t len,
					struct oidc_error *err)
{
	const struct cut_limit *limit;

	if (st != OIDC_E_MALFORMED && st != OIDC_E_BAD_SIGNATURE &&
	    st != OIDC_E_TOKEN_INACTIVE)
		return st;
	limit = cut_limit_of(token, len);
	if (!limit)
		return st;
	return oidc_err(err, OIDC_E_TOKEN_TRUNCATED,
			"%s at %zu bytes, where %s cuts input",
			oidc_status_name(st), limit->len, limit->who);
}
