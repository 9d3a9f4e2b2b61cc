/* SPDX-License-Identifier: MIT */
/*
 * identity.c - the username a verified token maps to (checklist D6): the
 * first configured claim present, "email" only when verified, checked for
 * length, control characters and UTF-8, then the username_map rules.
 *
 * Canonicalisation is deliberately small and documented in
 * oidc-auth.conf(5): "lowercase" folds ASCII letters only and leaves other
 * bytes alone (no Unicode case folding or NFC: that needs tables the core
 * does not carry, and a partial job would map two IdP users to one name);
 * "strip_domain:D" removes "@D" (D compared ASCII case-insensitively),
 * passes names without '@' unchanged and refuses any other domain;
 * "keep_domain:D" keeps "user@D" as it is and refuses every other name,
 * so the name still says which provider it came from (namespace.c);
 * "map_file:P" replaces a listed name and refuses an unlisted one.
 *
 * After the mapping, oidc_identity_check_account() keeps tokens away from
 * system accounts: root, and what the account database (NSS) says has
 * uid 0, a uid below min_user_uid or one of Debian's reserved uids.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* getpwnam_r's buffer: sysconf's hint, doubled on ERANGE up to this. */
#define PWBUF_START 4096
#define PWBUF_MAX (1024 * 1024)
/* systemd's UID ranges (also Debian's): 61184-65519 DynamicUser= service
 * accounts, 65534 nobody, 65535 the 16-bit (uid_t)-1 and the unused rest.
 * 60001-60513 below are systemd-homed's, people: not refused. */
#define UID_RESERVED_MIN 61184
#define UID_RESERVED_MAX 65535

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/*
 * Strict UTF-8 (RFC 3629 4: no overlongs, surrogates or code points above
 * U+10FFFF) without control characters: C0, DEL and C1 (U+0080-U+009F,
 * which some terminals obey as CSI and friends). NUL counts as C0, so a
 * string with an embedded NUL cannot pass either.
 */
static bool username_bytes_ok(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char b = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t more;

		if (b < 0x80) {
			if (b < 0x20 || b == 0x7f)
				return false;
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			more = 1;
			if (b == 0xc2)
				lo = 0xa0;      /* C1 controls */
		} else if (b >= 0xe0 && b <= 0xef) {
			more = 2;
			if (b == 0xe0)
				lo = 0xa0;      /* overlong */
			else if (b == 0xed)
				hi = 0x9f;      /* surrogates */
		} else if (b >= 0xf0 && b <= 0xf4) {
			more = 3;
			if (b == 0xf0)
				lo = 0x90;      /* overlong */
			else if (b == 0xf4)
				hi = 0x8f;      /* above U+10FFFF */
		} else {
			return false;
		}
		if (len - i <= more)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += more + 1;
	}
	return true;
}

/* "email_verified": the JSON literal true, nothing that looks like it. */
static bool email_verified(const struct oidc_jdoc *doc,
			   const struct oidc_jnode *root)
{
	const struct oidc_jnode *v = oidc_jobj_get(doc, root, "email_verified");

	return v && v->type == OIDC_JTRUE;
}

static enum oidc_status username_check(const char *s, size_t len,
				       const char *stage,
				       struct oidc_error *err)
{
	if (len == 0)
		return oidc_err(err, OIDC_E_BAD_USERNAME, "%s: empty username",
				stage);
	if (len > OIDC_USERNAME_MAX)
		return oidc_err(err, OIDC_E_BAD_USERNAME, "%s: username longer "
				"than %d bytes", stage, OIDC_USERNAME_MAX);
	if (!username_bytes_ok((const unsigned char *)s, len))
		return oidc_err(err, OIDC_E_BAD_USERNAME, "%s: username has a "
				"control character or invalid UTF-8", stage);
	return OIDC_OK;
}

/* "user@DOMAIN" -> "user". The first '@' splits, so "a@b@DOMAIN" has the
 * domain "b@DOMAIN" and is refused rather than becoming "a@b". */
static enum oidc_status strip_domain(const struct oidc_map_rule *r, char *buf,
				     size_t *len, struct oidc_error *err)
{
	const char *at = memchr(buf, '@', *len);
	size_t local_len, dom_len;

	if (!r->arg || !*r->arg)
		return oidc_err(err, OIDC_E_CONFIG,
				"strip_domain rule without a domain");
	if (!at)
		return OIDC_OK;
	local_len = (size_t)(at - buf);
	dom_len = *len - local_len - 1;
	if (dom_len != strlen(r->arg))
		goto other;
	for (size_t i = 0; i < dom_len; i++)
		if (ascii_lower(at[1 + i]) != ascii_lower(r->arg[i]))
			goto other;
	*len = local_len;
	buf[local_len] = '\0';
	return OIDC_OK;
other:
	return oidc_err(err, OIDC_E_BAD_USERNAME,
			"username is not in domain %.80s", r->arg);
}

/* "user@DOMAIN" stays "user@DOMAIN": one '@', a non-empty user part and
 * exactly DOMAIN (ASCII case-insensitively), else refused. */
static enum oidc_status keep_domain(const struct oidc_map_rule *r,
				    const char *buf, size_t len,
				    struct oidc_error *err)
{
	const char *at = memchr(buf, '@', len);
	size_t dom_len;

	if (!r->arg || !*r->arg)
		return oidc_err(err, OIDC_E_CONFIG,
				"keep_domain rule without a domain");
	if (!at || at == buf)
		goto other;
	dom_len = len - (size_t)(at - buf) - 1;
	if (dom_len != strlen(r->arg))
		goto other;
	for (size_t i = 0; i < dom_len; i++)
		if (ascii_lower(at[1 + i]) != ascii_lower(r->arg[i]))
			goto other;
	return OIDC_OK;
other:
	return oidc_err(err, OIDC_E_BAD_USERNAME,
			"username is not user@%.80s", r->arg);
}

/* Exact, case-sensitive lookup; put "lowercase" first for folded keys. */
static enum oidc_status map_file(const struct oidc_map_rule *r, char *buf,
				 size_t *len, struct oidc_error *err)
{
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct oidc_map_entry *e = &r->entries[i];
		size_t to_len;

		if (strlen(e->from) != *len || memcmp(e->from, buf, *len) != 0)
			continue;
		to_len = strlen(e->to);
		if (to_len > OIDC_USERNAME_MAX)
			return oidc_err(err, OIDC_E_BAD_USERNAME, "map file "
					"%.80s: mapped name too long",
					r->arg ? r->arg : "");
		memcpy(buf, e->to, to_len + 1);
		*len = to_len;
		return OIDC_OK;
	}
	return oidc_err(err, OIDC_E_BAD_USERNAME,
			"username is not listed in map file %.80s",
			r->arg ? r->arg : "");
}

enum oidc_status oidc_identity_apply_rule(const struct oidc_map_rule *r,
					  char *buf, size_t *len,
					  struct oidc_error *err)
{
	switch (r->op) {
	case OIDC_MAP_LOWERCASE:
		for (size_t i = 0; i < *len; i++)
			buf[i] = ascii_lower(buf[i]);
		return OIDC_OK;
	case OIDC_MAP_STRIP_DOMAIN:
		return strip_domain(r, buf, len, err);
	case OIDC_MAP_KEEP_DOMAIN:
		return keep_domain(r, buf, *len, err);
	case OIDC_MAP_FILE:
		return map_file(r, buf, len, err);
	}
	return oidc_err(err, OIDC_E_INTERNAL, "unknown username_map rule %d",
			(int)r->op);
}

enum oidc_status oidc_identity_map_name(const struct oidc_issuer_cfg *ic, const char *name,
					char out[OIDC_USERNAME_MAX + 1],
					struct oidc_error *err)
{
	size_t len = name ? strlen(name) : 0;
	enum oidc_status st = username_check(name ? name : "", len, "name", err);

	if (st != OIDC_OK)
		return st;
	memcpy(out, name, len + 1);
	for (size_t i = 0; i < ic->n_username_map; i++) {
		st = oidc_identity_apply_rule(&ic->username_map[i], out, &len, err);
		if (st != OIDC_OK)
			return st;
	}
	return username_check(out, len, "after username_map", err);
}

enum oidc_status oidc_identity_map(const struct oidc_issuer_cfg *ic,
				   const struct oidc_jdoc *claims, char **user_out,
				   struct oidc_error *err)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims), *v = NULL;
	char buf[OIDC_USERNAME_MAX + 1];
	const char *claim_name = NULL;
	enum oidc_status st;
	char *user = NULL;
	size_t len;

	if (!ic || !root || !user_out)
		return oidc_err(err, OIDC_E_INTERNAL, "identity map without "
				"config, claim object or output");
	for (size_t i = 0; i < ic->username_claim.n && !v; i++) {
		claim_name = ic->username_claim.v[i];
		v = oidc_jobj_get(claims, root, claim_name);
	}
	if (!v)
		return oidc_err(err, OIDC_E_NO_USERNAME,
				"no username_claim is present in the token");
	/* Present but unusable stops here: falling through to the next
	 * claim would let the token pick which claim names the user. */
	if (v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "%.60s is not a string",
				claim_name);
	/* nOAuth: an unverified (or tenant-editable) email names nobody. */
	if (strcmp(claim_name, "email") == 0 &&
	    !email_verified(claims, root))
		return oidc_err(err, OIDC_E_EMAIL_UNVERIFIED,
				"email is used as username but email_verified "
				"is not true");
	len = v->len;
	st = username_check(v->v.s, len, claim_name, err);
	if (st != OIDC_OK)
		return st;
	memcpy(buf, v->v.s, len);
	buf[len] = '\0';

	for (size_t i = 0; i < ic->n_username_map; i++) {
		st = oidc_identity_apply_rule(&ic->username_map[i], buf, &len, err);
		if (st != OIDC_OK)
			return st;
	}
	st = username_check(buf, len, "after username_map", err);
	if (st != OIDC_OK)
		return st;
	user = malloc(len + 1);
	if (!user)
		return oidc_err(err, OIDC_E_NOMEM, "username");
	memcpy(user, buf, len + 1);
	*user_out = user;
	return OIDC_OK;
}

static bool is_root_name(const char *s)
{
	static const char root[] = "root";

	for (size_t i = 0; i < sizeof(root); i++)
		if (ascii_lower(s[i]) != root[i])
			return false;
	return true;
}

/*
 * The account database's uid for name: 1 and *uid_out, 0 when it has no
 * such account, -1 when it could not tell (*errno_out). getpwnam_r(3):
 * "not found" may come as 0, ENOENT, ESRCH, EBADF or EPERM.
 */
static int account_uid(const char *name, uid_t *uid_out, int *errno_out)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t cap = hint > 0 && hint <= PWBUF_MAX ? (size_t)hint : PWBUF_START;
	struct passwd pw, *found = NULL;
	char *buf = NULL;
	int rc;

	for (;;) {
		buf = malloc(cap);
		if (!buf) {
			*errno_out = ENOMEM;
			return -1;
		}
		rc = getpwnam_r(name, &pw, buf, cap, &found);
		if (rc != ERANGE || cap >= PWBUF_MAX)
			break;
		/* the entry may hold a password hash: wipe what was read */
		oidc_free_secret(buf, cap);
		cap *= 2;
	}
	if (found)
		*uid_out = pw.pw_uid;
	oidc_free_secret(buf, cap);
	if (found)
		return 1;
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return 0;
	*errno_out = rc;
	return -1;
}

enum oidc_status oidc_identity_check_account(const struct oidc_issuer_cfg *ic,
					     struct oidc_account_memo *memo,
					     int64_t now, const char *user,
					     struct oidc_error *err)
{
	char eb[64];
	uid_t uid = 0;
	int found, e = 0;

	if (!ic || !user)
		return oidc_err(err, OIDC_E_INTERNAL, "account check without "
				"config or user");
	/* An explicit list of names, nothing else: no lookup needed. */
	if (oidc_strlist_contains(&ic->allow_system_users, user))
		return OIDC_OK;
	/* Without asking: root in any case (a case-folding host or
	 * directory may still take "Root" for root). */
	if (is_root_name(user))
		return oidc_err(err, OIDC_E_SYSTEM_USER, "%.64s is the superuser",
				user);
	/* For every successful validation (cache hits too: passwd changes,
	 * seen within the memo's TTL), never before the token is known to be
	 * good: NSS may be LDAP. */
	found = oidc_account_memo_get(memo, user, now, &uid);
	if (found < 0) {
		found = account_uid(user, &uid, &e);
		if (found < 0)
			return oidc_err(err, OIDC_E_ACCOUNT_LOOKUP, "getpwnam_r(%.64s): %s",
					user, strerror_r(e, eb, sizeof(eb)));
		oidc_account_memo_put(memo, user, now, found == 1, uid);
	}
	if (found && (uid == 0 || (int64_t)uid < ic->min_user_uid ||
		      (uid >= UID_RESERVED_MIN && uid <= UID_RESERVED_MAX)))
		return oidc_err(err, OIDC_E_SYSTEM_USER, "%.64s has uid %lu: "
				"below min_user_uid %lld, 0, or reserved "
				"(61184-65535)", user, (unsigned long)uid,
				(long long)ic->min_user_uid);
	return OIDC_OK;
}
