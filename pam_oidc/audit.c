/* SPDX-License-Identifier: MIT */
/*
 * audit.c - the one audit line per decision (design.md 6), through
 * pam_syslog at LOG_AUTHPRIV. Values are quoted, escaped by the core's one
 * rule (oidc_log_escape) and truncated: the PAM user and claims of a
 * refused token are attacker-controlled.
 * Never a token, only its fingerprint.
 */
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "pam_oidc.h"

void pam_oidc_audit(pam_handle_t *pamh, const char *result,
		    const char *reason, const char *mode, const char *pam_user,
		    const struct oidc_audit *a, const struct oidc_error *err)
{
	char user[65], detail[OIDC_DETAIL_MAX];
	static const struct oidc_audit none;
	bool show = err && err->detail[0] &&
		    oidc_status_class(err->status) == OIDC_CLASS_INTERNAL;

	oidc_log_escape(user, sizeof(user), pam_user);
	/* Only the server's own problems (configuration, cache_dir, the
	 * provider's answers): the detail of a refused token may quote its
	 * unverified claims. The note (stale keys) is the server's side too. */
	oidc_log_escape(detail, sizeof(detail), show ? err->detail : "");
	if (!a)
		a = &none;
	pam_syslog(pamh, LOG_AUTHPRIV | LOG_NOTICE,
		   "result=%s reason=%s mode=%s user=\"%s\" mapped=\"%s\" "
		   "issuer_name=\"%s\" iss=\"%s\" kid=\"%s\" alg=\"%s\" "
		   "jti=\"%s\" token=%s%s%s%s%s%s%s%s",
		   result, reason, mode, user, a->user, a->issuer_name, a->iss,
		   a->kid, a->alg, a->jti,
		   a->token_sha256[0] ? "sha256:" : "-", a->token_sha256,
		   show ? " detail=\"" : "", detail, show ? "\"" : "",
		   a->note[0] ? " note=\"" : "", a->note, a->note[0] ? "\"" : "");
}
