/* SPDX-License-Identifier: MIT */
/*
 * namespace.c - who owns a local user name when several issuers are
 * trusted. Every [issuer] section, and every tenant of a {tenantid}
 * section, is an owner; two owners must not be able to produce the same
 * local name unless the administrator said so in both sections
 * (username_namespace with the same label). Otherwise a partner's provider
 * could mint tokens for the names of the staff's provider, or one Entra
 * tenant for another tenant's users.
 *
 * oidc_config_finish() proves it (oidc_namespace_check): each section's
 * username_map is run over a "shape" of the names it can produce, and the
 * shapes of two owners must not meet:
 *   ANY     any name (no rule narrows it: sub, lowercase only)
 *   NO_AT   names without '@': after strip_domain:D, both the stripped
 *           user part and a name that had no '@' and passed unchanged
 *   SUFFIX  user@D for one domain D (after keep_domain:D)
 *   FINITE  the names of a map file, put through the rules after it
 *   EMPTY   nothing passes (rules that contradict each other)
 * The shapes over-approximate (every name the rules can produce is in the
 * shape), so the check is sound; a collision it reports may be one no
 * token reaches, and then the administrator narrows the rules or declares
 * the sharing. Names meet when they are equal without ASCII case: hosts
 * and directories may fold case.
 *
 * oidc_config_notes() says in words what each issuer may do with names,
 * for check-config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define LABEL_MAX 63
#define NOTE_MAX 512
#define WHAT_MAX 160

enum ns_kind { NS_EMPTY, NS_ANY, NS_NO_AT, NS_SUFFIX, NS_FINITE };

struct ns_shape {
	enum ns_kind kind;
	const char *domain;   /* NS_SUFFIX: keep_domain's argument, borrowed */
	char **names;         /* NS_FINITE: exact while rules run, then ASCII
				 lower case, sorted and unique */
	size_t n;
	const char *file;     /* NS_FINITE: the map file that bounds it */
};

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *a, const char *b)
{
	for (; *a && lower(*a) == lower(*b); a++, b++)
		;
	return lower(*a) == lower(*b);
}

/* "...@DOMAIN", DOMAIN compared without ASCII case. */
static bool in_domain(const char *name, const char *domain)
{
	size_t nl = strlen(name), dl = strlen(domain);

	return nl > dl && name[nl - dl - 1] == '@' && ieq(name + nl - dl, domain);
}

static void shape_clear(struct ns_shape *sh)
{
	for (size_t i = 0; i < sh->n; i++)
		free(sh->names[i]);
	free(sh->names);
	memset(sh, 0, sizeof(*sh));
}

/* Could a name of shape sh be name? (exact for FINITE, else the shape) */
static bool shape_has(const struct ns_shape *sh, const char *name)
{
	switch (sh->kind) {
	case NS_EMPTY:
		return false;
	case NS_ANY:
		return true;
	case NS_NO_AT:
		return !strchr(name, '@');
	case NS_SUFFIX:
		return in_domain(name, sh->domain);
	case NS_FINITE:
		for (size_t i = 0; i < sh->n; i++)
			if (strcmp(sh->names[i], name) == 0)
				return true;
		return false;
	}
	return true;
}

/* r over each name of a FINITE shape: the names it refuses drop out. */
static enum oidc_status finite_apply(struct ns_shape *sh, const struct oidc_map_rule *r)
{
	char buf[OIDC_USERNAME_MAX + 1];
	size_t kept = 0;

	for (size_t i = 0; i < sh->n; i++) {
		size_t len = strlen(sh->names[i]);
		enum oidc_status st = OIDC_E_BAD_USERNAME;
		char *nn;

		if (len <= OIDC_USERNAME_MAX) {
			memcpy(buf, sh->names[i], len + 1);
			st = oidc_identity_apply_rule(r, buf, &len, NULL);
		}
		if (st != OIDC_OK) {
			free(sh->names[i]);
			continue;
		}
		nn = strdup(buf);
		if (!nn)
			return OIDC_E_NOMEM;
		free(sh->names[i]);
		sh->names[kept++] = nn;
	}
	sh->n = kept;
	return OIDC_OK;
}

/* map_file: the "to" names of the entries a name of sh can reach. */
static enum oidc_status finite_from_map(struct ns_shape *sh, const struct oidc_map_rule *r)
{
	struct ns_shape out = { NS_FINITE, NULL, NULL, 0, r->arg };

	if (r->n_entries) {
		out.names = calloc(r->n_entries, sizeof(*out.names));
		if (!out.names)
			return OIDC_E_NOMEM;
	}
	for (size_t i = 0; i < r->n_entries; i++) {
		if (!shape_has(sh, r->entries[i].from))
			continue;
		out.names[out.n] = strdup(r->entries[i].to);
		if (!out.names[out.n]) {
			shape_clear(&out);
			return OIDC_E_NOMEM;
		}
		out.n++;
	}
	shape_clear(sh);
	*sh = out;
	return OIDC_OK;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names ic's tokens can become, whatever claim holds them. */
static enum oidc_status shape_of(const struct oidc_issuer_cfg *ic, struct ns_shape *sh)
{
	enum oidc_status st = OIDC_OK;
	size_t kept = 0;

	memset(sh, 0, sizeof(*sh));
	sh->kind = NS_ANY;
	for (size_t i = 0; i < ic->n_username_map && st == OIDC_OK; i++) {
		const struct oidc_map_rule *r = &ic->username_map[i];

		if (sh->kind == NS_EMPTY)
			break;
		if (sh->kind == NS_FINITE && r->op != OIDC_MAP_FILE) {
			st = finite_apply(sh, r);
			continue;
		}
		switch (r->op) {
		case OIDC_MAP_LOWERCASE:
			break;
		case OIDC_MAP_STRIP_DOMAIN:
			if (sh->kind == NS_SUFFIX && !ieq(sh->domain, r->arg))
				sh->kind = NS_EMPTY;
			else
				sh->kind = NS_NO_AT;
			break;
		case OIDC_MAP_KEEP_DOMAIN:
			if (sh->kind == NS_NO_AT ||
			    (sh->kind == NS_SUFFIX && !ieq(sh->domain, r->arg))) {
				sh->kind = NS_EMPTY;
			} else {
				sh->kind = NS_SUFFIX;
				sh->domain = r->arg;
			}
			break;
		case OIDC_MAP_FILE:
			st = finite_from_map(sh, r);
			break;
		}
	}
	if (st != OIDC_OK || sh->kind != NS_FINITE)
		return st;
	for (size_t i = 0; i < sh->n; i++)
		for (char *p = sh->names[i]; *p; p++)
			*p = lower(*p);
	if (sh->n > 1)
		qsort(sh->names, sh->n, sizeof(*sh->names), name_cmp);
	for (size_t i = 0; i < sh->n; i++) {
		if (kept && strcmp(sh->names[kept - 1], sh->names[i]) == 0)
			free(sh->names[i]);
		else
			sh->names[kept++] = sh->names[i];
	}
	sh->n = kept;
	if (!sh->n)
		sh->kind = NS_EMPTY;
	return OIDC_OK;
}

/* The shape in words: "any name without '@'". */
static void describe(const struct ns_shape *sh, char *buf, size_t cap)
{
	switch (sh->kind) {
	case NS_EMPTY:
		snprintf(buf, cap, "no name at all (the username_map rules refuse "
			 "every name)");
		return;
	case NS_ANY:
		snprintf(buf, cap, "any name");
		return;
	case NS_NO_AT:
		snprintf(buf, cap, "any name without '@'");
		return;
	case NS_SUFFIX:
		snprintf(buf, cap, "names ending in @%s", sh->domain);
		return;
	case NS_FINITE:
		if (sh->n == 1)
			snprintf(buf, cap, "only '%.64s' (map file %s)", sh->names[0],
				 sh->file);
		else
			snprintf(buf, cap, "only the %zu names of map file %s", sh->n,
				 sh->file);
		return;
	}
}

/* A FINITE name that also fits other, into what; false when none does. */
static bool finite_meets(const struct ns_shape *fin, const struct ns_shape *other,
			 char *what, size_t cap)
{
	for (size_t i = 0; i < fin->n; i++) {
		const char *s = fin->names[i];

		if ((other->kind == NS_NO_AT && !strchr(s, '@')) ||
		    (other->kind == NS_SUFFIX && in_domain(s, other->domain))) {
			snprintf(what, cap, "'%.64s'", s);
			return true;
		}
	}
	return false;
}

/* Two sorted lower-case lists: the first name in both. */
static bool finites_meet(const struct ns_shape *a, const struct ns_shape *b,
			 char *what, size_t cap)
{
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		int c = strcmp(a->names[i], b->names[j]);

		if (c == 0) {
			snprintf(what, cap, "'%.64s'", a->names[i]);
			return true;
		}
		if (c < 0)
			i++;
		else
			j++;
	}
	return false;
}

/* Can one name (without ASCII case) come out of both? what: which. */
static bool shapes_meet(const struct ns_shape *a, const struct ns_shape *b,
			char *what, size_t cap)
{
	if (a->kind == NS_EMPTY || b->kind == NS_EMPTY)
		return false;
	if (a->kind > b->kind) {
		const struct ns_shape *t = a;

		a = b;
		b = t;
	}
	switch (a->kind) {
	case NS_ANY:
		describe(b, what, cap);
		return true;
	case NS_NO_AT:
		if (b->kind == NS_NO_AT) {
			describe(a, what, cap);
			return true;
		}
		return b->kind == NS_FINITE && finite_meets(b, a, what, cap);
	case NS_SUFFIX:
		if (b->kind == NS_SUFFIX) {
			if (!ieq(a->domain, b->domain))
				return false;
			describe(a, what, cap);
			return true;
		}
		return finite_meets(b, a, what, cap);
	case NS_FINITE:
		return finites_meet(a, b, what, cap);
	case NS_EMPTY:
		break;
	}
	return false;
}

static const char *label_of(const struct oidc_issuer_cfg *ic)
{
	return ic->username_namespace.n ? ic->username_namespace.v[0] : NULL;
}

/* "[issuer NAME] key: " or "key: " without sections. */
static const char *where(const struct oidc_config *cfg, const struct oidc_issuer_cfg *ic,
			 char *buf, size_t cap)
{
	if (!cfg->n_sections)
		return "";
	snprintf(buf, cap, "[issuer %s] ", ic->name);
	return buf;
}

static bool label_ok(const char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return len > 0 && len <= LABEL_MAX;
}

/* The values of the two keys, and that they are set where they belong. */
static enum oidc_status check_keys(const struct oidc_config *cfg, struct oidc_error *err)
{
	static const char *const section_only[] = { "username_namespace",
						     "allow_system_users" };
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n = oidc_config_issuers(cfg, &list), idx = 0;
	char w[96];

	/* A top-level value is copied into every section: an explicit
	 * statement must be made for the section it is about. */
	for (size_t k = 0; cfg->n_sections &&
			   k < sizeof(section_only) / sizeof(section_only[0]); k++)
		if (oidc_option_find(section_only[k], &idx) &&
		    (cfg->top.set_bits & (UINT64_C(1) << idx)))
			return oidc_err(err, OIDC_E_CONFIG, "%s: set it inside each "
					"[issuer] section it is meant for, not at the "
					"top level (it would apply to every issuer)",
					section_only[k]);
	for (size_t i = 0; i < n; i++) {
		const struct oidc_issuer_cfg *ic = list[i];

		if (ic->username_namespace.n > 1 ||
		    (ic->username_namespace.n && !label_ok(ic->username_namespace.v[0])))
			return oidc_err(err, OIDC_E_CONFIG, "%susername_namespace: one "
					"label of 1-%d of A-Z a-z 0-9 . _ -",
					where(cfg, ic, w, sizeof(w)), LABEL_MAX);
		for (size_t k = 0; k < ic->allow_system_users.n; k++) {
			const char *u = ic->allow_system_users.v[k];

			if (strpbrk(u, "*?[]") || strlen(u) > OIDC_USERNAME_MAX)
				return oidc_err(err, OIDC_E_CONFIG, "%sallow_system_users: "
						"'%.40s' is not an account name; list "
						"the accounts themselves, no patterns",
						where(cfg, ic, w, sizeof(w)), u);
		}
	}
	return OIDC_OK;
}

/* Owners whose names may meet: two sections, or two tenants of one. */
static enum oidc_status check_owners(const struct oidc_config *cfg,
				     const struct oidc_issuer_cfg *const *list,
				     const struct ns_shape *shapes, size_t n,
				     struct oidc_error *err)
{
	char what[WHAT_MAX], w[96];

	for (size_t i = 0; i < n; i++) {
		const struct oidc_issuer_cfg *ic = list[i];

		if (!ic->is_template || ic->allowed_tenants.n < 2 || label_of(ic) ||
		    shapes[i].kind == NS_EMPTY)
			continue;
		describe(&shapes[i], what, sizeof(what));
		return oidc_err(err, OIDC_E_CONFIG, "%sallowed_tenants: %zu tenants "
				"share one username_map, so each can take the others' "
				"names (%s); give each tenant its own [issuer] section, "
				"or set username_namespace to share names",
				where(cfg, ic, w, sizeof(w)), ic->allowed_tenants.n, what);
	}
	for (size_t j = 1; j < n; j++) {
		for (size_t i = 0; i < j; i++) {
			const char *la = label_of(list[i]), *lb = label_of(list[j]);

			if (la && lb && strcmp(la, lb) == 0)
				continue;
			if (!shapes_meet(&shapes[i], &shapes[j], what, sizeof(what)))
				continue;
			return oidc_err(err, OIDC_E_CONFIG, "[issuer %s] username_map: "
					"its tokens can take names of [issuer %s] (both "
					"can produce %s); keep them apart (keep_domain:, "
					"map files that do not overlap) or set one "
					"username_namespace in both to share",
					list[j]->name, list[i]->name, what);
		}
	}
	return OIDC_OK;
}

static size_t owner_count(const struct oidc_issuer_cfg *const *list, size_t n)
{
	size_t owners = 0;

	for (size_t i = 0; i < n; i++)
		owners += list[i]->is_template && list[i]->allowed_tenants.n ?
				  list[i]->allowed_tenants.n : 1;
	return owners;
}

static void shapes_free(struct ns_shape *shapes, size_t n)
{
	for (size_t i = 0; shapes && i < n; i++)
		shape_clear(&shapes[i]);
	free(shapes);
}

static enum oidc_status shapes_new(const struct oidc_issuer_cfg *const *list, size_t n,
				   struct ns_shape **out)
{
	struct ns_shape *shapes = calloc(n ? n : 1, sizeof(*shapes));

	if (!shapes)
		return OIDC_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (shape_of(list[i], &shapes[i]) != OIDC_OK) {
			shapes_free(shapes, n);
			return OIDC_E_NOMEM;
		}
	}
	*out = shapes;
	return OIDC_OK;
}

enum oidc_status oidc_namespace_check(const struct oidc_config *cfg, struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n = oidc_config_issuers(cfg, &list);
	struct ns_shape *shapes = NULL;
	enum oidc_status st = check_keys(cfg, err);

	if (st != OIDC_OK || owner_count(list, n) < 2)
		return st;
	if (shapes_new(list, n, &shapes) != OIDC_OK)
		return oidc_err(err, OIDC_E_NOMEM, "user name check: out of memory");
	st = check_owners(cfg, list, shapes, n, err);
	shapes_free(shapes, n);
	return st;
}

/* ---- check-config's notes ---- */

/* The other sections with ic's label, "[issuer a], [issuer b]". */
static void sharers(const struct oidc_issuer_cfg *const *list, size_t n,
		    const struct oidc_issuer_cfg *ic, char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < cap; i++) {
		if (list[i] == ic || !label_of(list[i]) ||
		    strcmp(label_of(list[i]), label_of(ic)) != 0)
			continue;
		o += (size_t)snprintf(buf + o, cap - o, "%s[issuer %s]", o ? ", " : "",
				      list[i]->name);
	}
}

static void issuer_notes(const struct oidc_config *cfg,
			 const struct oidc_issuer_cfg *const *list, size_t n,
			 size_t i, const struct ns_shape *sh, oidc_config_note_fn fn,
			 void *arg)
{
	const struct oidc_issuer_cfg *ic = list[i];
	const char *sec = cfg->n_sections ? ic->name : NULL;
	char text[NOTE_MAX], what[WHAT_MAX], others[WHAT_MAX];

	if (owner_count(list, n) > 1) {
		describe(sh, what, sizeof(what));
		snprintf(text, sizeof(text), "its tokens can become %s", what);
		fn(arg, sec, "user_names", text);
	}
	if (label_of(ic)) {
		sharers(list, n, ic, others, sizeof(others));
		if (!others[0] && ic->is_template)
			snprintf(others, sizeof(others), "its own tenants");
		if (others[0])
			snprintf(text, sizeof(text), "username_namespace %s: shares "
				 "names with %s; a token of one may log in as a name "
				 "the users of another have", label_of(ic), others);
		else
			snprintf(text, sizeof(text), "username_namespace %s: no other "
				 "issuer has this label, nothing is shared", label_of(ic));
		fn(arg, sec, "shared_names", text);
	}
	if (ic->is_template) {
		snprintf(text, sizeof(text), "accepts %zu tenant%s of the {tenantid} "
			 "issuer (allowed_tenants)%s", ic->allowed_tenants.n,
			 ic->allowed_tenants.n == 1 ? "" : "s",
			 ic->allowed_tenants.n > 1 ? " with one username_map: they "
			 "share all names" : "; another tenant with its own "
			 "names needs its own [issuer] section");
		fn(arg, sec, "tenants", text);
	}
	if (oidc_strlist_contains(&ic->username_claim, "email"))
		fn(arg, sec, "email_username", "user names may come from the email "
		   "claim (only with email_verified true): safe only if the provider "
		   "verifies every address and nobody can set one they do not "
		   "own; prefer a name the provider assigns");
	for (size_t k = 0; k < ic->n_username_map; k++) {
		const struct oidc_map_rule *r = &ic->username_map[k];

		if (r->op != OIDC_MAP_STRIP_DOMAIN)
			continue;
		snprintf(text, sizeof(text), "strip_domain:%s also lets names "
			 "without '@' through unchanged: the provider chooses those "
			 "local names itself", r->arg);
		fn(arg, sec, "strip_domain", text);
	}
	if (ic->allow_system_users.n) {
		size_t o = (size_t)snprintf(text, sizeof(text), "tokens may log in as "
					    "these system accounts:");

		for (size_t k = 0; k < ic->allow_system_users.n && o < sizeof(text); k++)
			o += (size_t)snprintf(text + o, sizeof(text) - o, " %s",
					      ic->allow_system_users.v[k]);
		fn(arg, sec, "system_users", text);
	}
	oidc_binding_notes(ic, sec, fn, arg);
}

enum oidc_status oidc_config_notes(const struct oidc_config *cfg,
				   oidc_config_note_fn fn, void *arg)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n;
	struct ns_shape *shapes = NULL;

	if (!cfg || !fn || !cfg->finished)
		return OIDC_E_INTERNAL;
	n = oidc_config_issuers(cfg, &list);
	if (shapes_new(list, n, &shapes) != OIDC_OK)
		return OIDC_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		issuer_notes(cfg, list, n, i, &shapes[i], fn, arg);
	shapes_free(shapes, n);
	return OIDC_OK;
}
