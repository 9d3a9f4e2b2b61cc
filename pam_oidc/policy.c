/* SPDX-License-Identifier: MIT */
/*
 * policy.c - the adapter's own decisions: is this input a token at all,
 * may this user fall through to a password module, does the mapped name
 * match the PAM user, and which PAM code a core status becomes.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_modules.h>

#include "pam_oidc.h"

#define NSS_BUF_MAX (1 << 20)
#define GROUPS_MAX 4096
/* below this an opaque-looking string is taken for a password */
#define OPAQUE_MIN_LEN 20

static int is_b64url(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * A JWS compact token is three base64url segments joined by two dots
 * (RFC 7515 7.1); header and payload are never empty. An opaque token
 * (only when token_types has opaque) is an RFC 6750 2.1 b64token of at
 * least OPAQUE_MIN_LEN characters.
 */
int pam_oidc_looks_like_token(const char *s, size_t len, int opaque_tokens)
{
	size_t i, dots = 0, seg = 0;
	int jws = 1, b64tok = 1, pad = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (seg == 0 && dots < 2)
				jws = 0;
			dots++;
			seg = 0;
		} else if (is_b64url(c)) {
			seg++;
		} else {
			jws = 0;
		}
		if (c == '=')
			pad = 1;
		else if (pad || !(is_b64url(c) || c == '.' || c == '~' ||
				  c == '+' || c == '/'))
			b64tok = 0;
	}
	/* the header is a JSON object: base64url of "{" starts with 'e' */
	if (jws && dots == 2 && s[0] == 'e')
		return 1;
	return opaque_tokens && b64tok && len >= OPAQUE_MIN_LEN;
}

/* Is item one of the comma-separated entries of list (exact)? */
int pam_oidc_list_contains(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list, *end;

	if (!list)
		return 0;
	while (*p) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) == n && memcmp(p, item, n) == 0)
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* Is user a member (primary or supplementary) of one of the groups? */
static int in_groups(const char *user, const char *groups)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	gid_t *gids = NULL;
	char *buf = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t bufsz = sz > 0 ? (size_t)sz : 16384;
	int ngroups = 64, found = 0, i;

	for (;;) {
		char *nb = realloc(buf, bufsz);

		if (!nb)
			goto out;
		buf = nb;
		if (getpwnam_r(user, &pw, buf, bufsz, &pwp) == 0)
			break;
		bufsz *= 2;
		if (bufsz > NSS_BUF_MAX)
			goto out;
	}
	if (!pwp)
		goto out;
	for (;;) {
		gid_t *ng = realloc(gids, (size_t)ngroups * sizeof(*gids));
		int want = ngroups;

		if (!ng)
			goto out;
		gids = ng;
		if (getgrouplist(user, pw.pw_gid, gids, &want) >= 0) {
			ngroups = want;
			break;
		}
		if (want <= ngroups || want > GROUPS_MAX)
			goto out;
		ngroups = want;
	}
	for (i = 0; i < ngroups && !found; i++) {
		for (;;) {
			int rc = getgrgid_r(gids[i], &gr, buf, bufsz, &grp);
			char *nb;

			if (rc == 0)
				break;
			bufsz *= 2;
			nb = bufsz > NSS_BUF_MAX ? NULL : realloc(buf, bufsz);
			if (!nb)
				goto out;
			buf = nb;
		}
		if (grp && pam_oidc_list_contains(groups, grp->gr_name))
			found = 1;
	}
out:
	free(gids);
	free(buf);
	return found;
}

int pam_oidc_password_allowed(const char *user,
			      const struct pam_oidc_opts *opts)
{
	/* "*": tokens are an alternative for everyone, passwords stay the
	 * next module's business (the pam-auth-update profile's case). */
	if (pam_oidc_list_contains(opts->password_users, user) ||
	    pam_oidc_list_contains(opts->password_users, "*"))
		return 1;
	return opts->password_groups && in_groups(user, opts->password_groups);
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int pam_oidc_user_matches(const char *mapped, const char *pam_user,
			  enum pam_oidc_user_case user_case)
{
	size_t i;

	if (user_case == PAM_OIDC_CASE_EXACT)
		return strcmp(mapped, pam_user) == 0;
	for (i = 0; mapped[i] && pam_user[i]; i++) {
		if (ascii_lower(mapped[i]) != ascii_lower(pam_user[i]))
			return 0;
	}
	return mapped[i] == pam_user[i];
}

/* design.md 2: adapters map the class, never single codes */
int pam_oidc_status_to_pam(enum oidc_status st, int account_phase)
{
	switch (oidc_status_class(st)) {
	case OIDC_CLASS_OK:
		return PAM_SUCCESS;
	case OIDC_CLASS_DENY:
	case OIDC_CLASS_BADREQ:
		return PAM_AUTH_ERR;
	case OIDC_CLASS_FORBIDDEN:
		return account_phase ? PAM_PERM_DENIED : PAM_AUTH_ERR;
	case OIDC_CLASS_UNAVAILABLE:
		return PAM_AUTHINFO_UNAVAIL;
	case OIDC_CLASS_INTERNAL:
		return PAM_SERVICE_ERR;
	case OIDC_CLASS_PENDING:
		/* not a decision: never success */
		return PAM_AUTH_ERR;
	}
	return PAM_SERVICE_ERR;
}
