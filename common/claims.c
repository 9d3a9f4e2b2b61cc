/* SPDX-License-Identifier: MIT */
/*
 * claims.c - the claims policy of one issuer over a verified claim set
 * (checklist D2, D3, D4, D5, D7, D8, E1): sender binding, typ, aud, the
 * three NumericDates, azp, required scopes and required claims.
 *
 * Every comparison is exact and byte-wise except typ, which RFC 7515 4.1.9
 * makes a case-insensitive media type. Details never carry token strings
 * except aud, azp and typ, truncated and sanitised by oidc_err (they come from
 * a verified token and tell the administrator what the IdP sent).
 */
#include <inttypes.h>
#include <strings.h>
#include <string.h>

#include "internal.h"

/*
 * Audiences of Microsoft's own APIs. A token for them is not for us, and
 * Graph tokens cannot be verified by anyone but Graph (checklist E1); the
 * distinct status tells the administrator to request a token for this
 * service instead. The legacy Azure AD Graph (graph.windows.net) is the same
 * mistake with an older default resource, so it gets the same hint.
 */
static const char *const graph_audiences[] = {
	OIDC_GRAPH_APP_ID,                      /* Microsoft Graph, v2 tokens */
	"https://graph.microsoft.com",          /* Microsoft Graph, v1 tokens */
	"https://graph.microsoft.com/",
	"00000002-0000-0000-c000-000000000000", /* Azure AD Graph (legacy) */
	"https://graph.windows.net",
	"https://graph.windows.net/",
};

/* RFC 7515 4.1.9: media types compare case-insensitively. Own ASCII
 * folding: strcasecmp follows the host's locale (Turkish dotless i). */
static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* A JSON string equal to s, byte for byte over its whole length. */
static bool jstr_equals(const struct oidc_jnode *v, const char *s)
{
	size_t n = strlen(s);

	return v && v->type == OIDC_JSTRING && v->len == n &&
	       memcmp(v->v.s, s, n) == 0;
}

/* a <= b - c, exactly, for any int64 values (no overflow). */
static bool le_difference(int64_t a, int64_t b, int64_t c)
{
	if (c >= 0 && b < INT64_MIN + c)
		return false;   /* b - c is below INT64_MIN <= a */
	if (c < 0 && b > INT64_MAX + c)
		return true;    /* b - c is above INT64_MAX >= a */
	return a <= b - c;
}

/* a > b + c, exactly, for any int64 values (no overflow). */
static bool gt_sum(int64_t a, int64_t b, int64_t c)
{
	if (c >= 0 && b > INT64_MAX - c)
		return false;   /* b + c is above INT64_MAX >= a */
	if (c < 0 && b < INT64_MIN - c)
		return true;    /* b + c is below INT64_MIN <= a */
	return a > b + c;
}

/*
 * The registered claims the policy reads, found in one pass over the claim
 * set instead of one search each (the parser refused duplicate names, so
 * the one found is the only one).
 */
struct claim_refs {
	const struct oidc_jnode *cnf, *aud, *exp, *nbf, *iat, *azp, *scope, *scp;
	const struct oidc_jnode *client_id;
};

static void find_claims(const struct oidc_jdoc *doc,
			const struct oidc_jnode *root, struct claim_refs *c)
{
	const struct oidc_jnode *nodes = doc->nodes;

	memset(c, 0, sizeof(*c));
	/* jdoc.h: the members are root+1.. and each one's end is the next. */
	for (uint32_t i = (uint32_t)(root - nodes) + 1; i < root->end;
	     i = nodes[i].end) {
		const struct oidc_jnode *n = &nodes[i];

		if (n->key_len == 3) {
			if (memcmp(n->key, "aud", 3) == 0)
				c->aud = n;
			else if (memcmp(n->key, "exp", 3) == 0)
				c->exp = n;
			else if (memcmp(n->key, "nbf", 3) == 0)
				c->nbf = n;
			else if (memcmp(n->key, "iat", 3) == 0)
				c->iat = n;
			else if (memcmp(n->key, "azp", 3) == 0)
				c->azp = n;
			else if (memcmp(n->key, "cnf", 3) == 0)
				c->cnf = n;
			else if (memcmp(n->key, "scp", 3) == 0)
				c->scp = n;
		} else if (n->key_len == 5 && memcmp(n->key, "scope", 5) == 0) {
			c->scope = n;
		} else if (n->key_len == 9 && memcmp(n->key, "client_id", 9) == 0) {
			c->client_id = n;
		}
	}
}

/* RFC 9449 6 / RFC 8705 3: a cnf-bound token used without its proof is a
 * stolen token as far as we can tell; we check no proofs, so refuse all. */
static enum oidc_status check_binding(const struct claim_refs *c,
				      struct oidc_error *err)
{
	if (c->cnf)
		return oidc_err(err, OIDC_E_TOKEN_BOUND,
				"token is sender-constrained (cnf), binding "
				"cannot be checked here");
	return OIDC_OK;
}

/*
 * RFC 8725 3.11, RFC 9068 2.1: typ "at+jwt" (any case, with or without
 * "application/") keeps logout, DPoP proof and SET tokens out. The list is
 * normalised by the config; "absent" there stands for no typ at all, which
 * a typ header spelling "absent" must not match.
 */
static enum oidc_status check_typ(const struct oidc_issuer_cfg *ic,
				  const char *typ, struct oidc_error *err)
{
	static const char app[] = "application/";
	const size_t app_len = sizeof(app) - 1;
	const char *t = typ;
	size_t i;

	if (!typ) {
		if (oidc_strlist_contains(&ic->accept_typ, "absent"))
			return OIDC_OK;
		return oidc_err(err, OIDC_E_WRONG_TYP,
				"token has no typ and accept_typ lacks absent");
	}
	for (i = 0; i < app_len && t[i]; i++)
		if (ascii_lower(t[i]) != app[i])
			break;
	if (i == app_len)
		t += app_len;
	for (size_t k = 0; *t && k < ic->accept_typ.n; k++) {
		const char *want = ic->accept_typ.v[k];
		size_t j = 0;

		if (strcmp(want, "absent") == 0)
			continue;
		while (want[j] && t[j] && ascii_lower(t[j]) == want[j])
			j++;
		if (!want[j] && !t[j])
			return OIDC_OK;
	}
	return oidc_err(err, OIDC_E_WRONG_TYP, "typ %.40s is not accepted",
			typ);
}

static bool is_graph_audience(const struct oidc_jnode *v)
{
	for (size_t i = 0; i < sizeof(graph_audiences) /
			       sizeof(graph_audiences[0]); i++)
		if (jstr_equals(v, graph_audiences[i]))
			return true;
	return false;
}

bool oidc_claims_aud_is_graph(const struct oidc_jdoc *claims)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims);
	const struct oidc_jnode *aud = root ? oidc_jobj_get(claims, root, "aud") : NULL;

	if (!aud || aud->type != OIDC_JARRAY)
		return is_graph_audience(aud);
	for (const struct oidc_jnode *v = oidc_jnode_first(claims, aud); v;
	     v = oidc_jnode_next(claims, aud, v))
		if (is_graph_audience(v))
			return true;
	return false;
}

static bool audience_configured(const struct oidc_issuer_cfg *ic,
				const struct oidc_jnode *v)
{
	for (size_t i = 0; i < ic->audience.n; i++)
		if (jstr_equals(v, ic->audience.v[i]))
			return true;
	return false;
}

/* RFC 7519 4.1.3, RFC 9068 4: aud is required and must name us exactly. */
static enum oidc_status check_audience(const struct oidc_issuer_cfg *ic,
				       const struct oidc_jdoc *doc,
				       const struct oidc_jnode *aud,
				       struct oidc_error *err)
{
	const struct oidc_jnode *first = aud, *v;
	bool is_array, graph = false;
	size_t n = 1, i;

	if (!aud)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "aud is missing");
	is_array = aud->type == OIDC_JARRAY;
	if (is_array) {
		n = aud->len;
		if (n == 0)
			return oidc_err(err, OIDC_E_BAD_CLAIM,
					"aud is an empty array");
		first = oidc_jnode_first(doc, aud);
	} else if (aud->type != OIDC_JSTRING) {
		return oidc_err(err, OIDC_E_BAD_CLAIM,
				"aud is neither a string nor an array");
	}
	/* Type-check every element before matching, so the verdict cannot
	 * depend on where a junk element sits. */
	for (v = first, i = 0; v; v = is_array ? oidc_jnode_next(doc, aud, v) : NULL,
	     i++) {
		if (v->type != OIDC_JSTRING)
			return oidc_err(err, OIDC_E_BAD_CLAIM,
					"aud element %zu is not a string", i);
	}
	for (v = first; v; v = is_array ? oidc_jnode_next(doc, aud, v) : NULL) {
		if (audience_configured(ic, v))
			return OIDC_OK;
		graph = graph || is_graph_audience(v);
	}
	if (graph)
		return oidc_err(err, OIDC_E_GRAPH_AUDIENCE,
				"aud is Microsoft Graph (%.60s), not this "
				"service", first->v.s);
	return oidc_err(err, OIDC_E_WRONG_AUDIENCE,
			"aud %.80s%s is not a configured audience",
			first->v.s, n > 1 ? " (and others)" : "");
}

/*
 * RFC 7519 4.1.4-4.1.6 with one leeway (checklist D3, D4). The comparisons
 * go through le_difference/gt_sum so INT64_MIN/MAX "now" or leeway cannot
 * wrap; oidc_jnode_numericdate clamps the claims themselves.
 */
static enum oidc_status check_times(const struct oidc_issuer_cfg *ic,
				    const struct claim_refs *c, int64_t now,
				    struct oidc_error *err)
{
	int64_t exp = 0, nbf = 0, iat = 0;
	int r;

	r = oidc_jnode_numericdate(c->exp, &exp);
	if (r == 0)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "exp is missing");
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "exp is not a number");
	if (le_difference(exp, now, ic->leeway))
		return oidc_err(err, OIDC_E_EXPIRED,
				"expired: exp=%" PRId64 " now=%" PRId64
				" leeway=%" PRId64, exp, now, ic->leeway);

	r = oidc_jnode_numericdate(c->nbf, &nbf);
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "nbf is not a number");
	if (r > 0 && gt_sum(nbf, now, ic->leeway))
		return oidc_err(err, OIDC_E_NOT_YET_VALID,
				"not yet valid: nbf=%" PRId64 " now=%" PRId64
				" leeway=%" PRId64, nbf, now, ic->leeway);

	r = oidc_jnode_numericdate(c->iat, &iat);
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "iat is not a number");
	if (r > 0 && gt_sum(iat, now, ic->leeway))
		return oidc_err(err, OIDC_E_ISSUED_IN_FUTURE,
				"issued in the future: iat=%" PRId64
				" now=%" PRId64 " leeway=%" PRId64, iat, now,
				ic->leeway);
	return OIDC_OK;
}

/* One claim naming the client (azp or client_id) against the azp list. */
static enum oidc_status client_listed(const struct oidc_issuer_cfg *ic,
				      const struct oidc_jnode *v, const char *name,
				      struct oidc_error *err)
{
	if (v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "%s is not a string", name);
	for (size_t i = 0; i < ic->azp.n; i++)
		if (jstr_equals(v, ic->azp.v[i]))
			return OIDC_OK;
	return oidc_err(err, OIDC_E_WRONG_AZP, "%s %.60s is not allowed", name,
			v->v.s);
}

/*
 * The client the token was issued to: azp (OIDC Core 2) or client_id
 * (RFC 9068 2.2, the claim of JWT access tokens; glewlwyd, LemonLDAP::NG
 * and oidc-provider send only that one). Absent both fails: a list means
 * "only these clients". A token carrying both must have both listed, so two
 * claims that disagree never let a token through on the friendlier one.
 */
static enum oidc_status check_azp(const struct oidc_issuer_cfg *ic,
				  const struct claim_refs *c,
				  struct oidc_error *err)
{
	enum oidc_status st;

	if (ic->azp.n == 0)
		return OIDC_OK;
	if (!c->azp && !c->client_id)
		return oidc_err(err, OIDC_E_WRONG_AZP,
				"neither azp nor client_id is present");
	if (c->azp) {
		st = client_listed(ic, c->azp, "azp", err);
		if (st != OIDC_OK)
			return st;
	}
	return c->client_id ? client_listed(ic, c->client_id, "client_id", err)
			    : OIDC_OK;
}

/* want is one of the space-separated tokens of s[0..len) (RFC 6749 3.3). */
static bool scope_string_has(const char *s, size_t len, const char *want)
{
	size_t want_len = strlen(want);

	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && s[j] != ' ')
			j++;
		if (j - i == want_len && memcmp(s + i, want, want_len) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

/*
 * Scopes of one claim: a space-separated string (RFC 8693 4.2, Entra
 * "scp"), or an array of strings (Okta "scp", Spring's "scope"), each
 * element a whole scope. 1 found, 0 not found, -1 wrong type.
 */
static int scope_claim_has(const struct oidc_jdoc *doc,
			   const struct oidc_jnode *v, const char *want)
{
	const struct oidc_jnode *e;

	if (!v)
		return 0;
	if (v->type == OIDC_JSTRING)
		return scope_string_has(v->v.s, v->len, want);
	if (v->type != OIDC_JARRAY)
		return -1;
	for (e = oidc_jnode_first(doc, v); e; e = oidc_jnode_next(doc, v, e))
		if (e->type != OIDC_JSTRING)
			return -1;
	for (e = oidc_jnode_first(doc, v); e; e = oidc_jnode_next(doc, v, e))
		if (jstr_equals(e, want))
			return 1;
	return 0;
}

/* Checklist D7: exact scope tokens, so "mail.read" is not
 * "mail.readwrite"; the union of scope and scp counts. */
static enum oidc_status check_scopes(const struct oidc_issuer_cfg *ic,
				     const struct oidc_jdoc *doc,
				     const struct claim_refs *c,
				     struct oidc_error *err)
{
	static const char *const names[] = { "scope", "scp" };
	const struct oidc_jnode *claim[] = { c->scope, c->scp };

	for (size_t i = 0; i < ic->required_scopes.n; i++) {
		const char *want = ic->required_scopes.v[i];
		bool found = false;

		for (size_t k = 0; k < 2; k++) {
			int r = scope_claim_has(doc, claim[k], want);
			if (r < 0)
				return oidc_err(err, OIDC_E_BAD_CLAIM,
						"%s is neither a string nor an "
						"array of strings", names[k]);
			found = found || r > 0;
		}
		if (!found)
			return oidc_err(err, OIDC_E_INSUFFICIENT_SCOPE,
					"required scope %.60s not granted",
					want);
	}
	return OIDC_OK;
}

/* A string equal to one of the values; numbers, booleans, objects and
 * null never match, since "1" and 1 or "true" and true are not the same. */
static bool value_matches(const struct oidc_jnode *v,
			  const struct oidc_strlist *values)
{
	for (size_t i = 0; i < values->n; i++)
		if (jstr_equals(v, values->v[i]))
			return true;
	return false;
}

static bool claim_req_holds(const struct oidc_jdoc *doc,
			    const struct oidc_jnode *claims,
			    const struct oidc_claim_req *req)
{
	const struct oidc_jnode *v = oidc_jobj_get(doc, claims, req->claim);

	if (!v)
		return false;
	if (v->type != OIDC_JARRAY)
		return value_matches(v, &req->values);
	for (const struct oidc_jnode *e = oidc_jnode_first(doc, v); e;
	     e = oidc_jnode_next(doc, v, e))
		if (value_matches(e, &req->values))
			return true;
	return false;
}

/* required_claims (groups, amr, acr, roles...): every clause must hold.
 * The detail names the claim from our config, never the token's value. */
static enum oidc_status check_required_claims(const struct oidc_issuer_cfg *ic,
					      const struct oidc_jdoc *doc,
					      const struct oidc_jnode *claims,
					      struct oidc_error *err)
{
	for (size_t i = 0; i < ic->n_required_claims; i++) {
		const struct oidc_claim_req *req = &ic->required_claims[i];

		if (!claim_req_holds(doc, claims, req))
			return oidc_err(err, OIDC_E_CLAIM_POLICY,
					"required claim %.60s does not match",
					req->claim);
	}
	return OIDC_OK;
}

/* An element of aud (string or array of strings) equal to want; counts
 * the elements into *n. */
static bool aud_has(const struct oidc_jdoc *doc, const struct oidc_jnode *aud,
		    const char *want, size_t *n)
{
	bool found = false;

	*n = 0;
	if (!aud || !want)
		return false;
	if (aud->type == OIDC_JSTRING) {
		*n = 1;
		return jstr_equals(aud, want);
	}
	if (aud->type != OIDC_JARRAY)
		return false;
	for (const struct oidc_jnode *e = oidc_jnode_first(doc, aud); e;
	     e = oidc_jnode_next(doc, aud, e)) {
		(*n)++;
		found = found || jstr_equals(e, want);
	}
	return found;
}

static bool aud_has_configured(const struct oidc_issuer_cfg *ic,
			       const struct oidc_jdoc *doc, const struct oidc_jnode *aud)
{
	size_t n;

	for (size_t i = 0; i < ic->audience.n; i++)
		if (aud_has(doc, aud, ic->audience.v[i], &n))
			return true;
	return false;
}

/*
 * With accept_id_tokens, a token is taken as an ID token when its aud
 * names our client_id and no configured audience (an access token for us
 * stays an access token: Entra's have aud = the API's client id and typ
 * "JWT"), and its typ is not the access token type of RFC 9068 (which an
 * ID token must never carry, RFC 9068 4).
 */
static bool is_id_token(const struct oidc_issuer_cfg *ic, const struct oidc_jdoc *doc,
			const struct claim_refs *c, const char *typ)
{
	size_t n;

	if (!ic->id_tokens || (typ && (strcasecmp(typ, "at+jwt") == 0 ||
				       strcasecmp(typ, "application/at+jwt") == 0)))
		return false;
	return aud_has(doc, c->aud, ic->client_id, &n) && !aud_has_configured(ic, doc, c->aud);
}

/* OIDC Core 3.1.3.7: the ID token rules that differ from an access token's. */
static enum oidc_status check_id_token(const struct oidc_issuer_cfg *ic,
				       const struct oidc_jdoc *doc,
				       const struct claim_refs *c, const char *typ,
				       struct oidc_error *err)
{
	size_t n;

	/* ID tokens are typed JWT or not at all (OIDC Core 2, RFC 7519 5.1). */
	if (typ && strcasecmp(typ, "JWT") != 0)
		return oidc_err(err, OIDC_E_WRONG_TYP, "ID token with typ %.40s", typ);
	(void)aud_has(doc, c->aud, ic->client_id, &n);
	/* (4) several audiences: azp must be present; (5) azp is our client. */
	if (n > 1 && !c->azp)
		return oidc_err(err, OIDC_E_WRONG_AZP, "ID token with several "
				"audiences and no azp");
	if (c->azp && !jstr_equals(c->azp, ic->client_id))
		return oidc_err(err, c->azp->type == OIDC_JSTRING ? OIDC_E_WRONG_AZP
				: OIDC_E_BAD_CLAIM, "ID token azp is not our client_id");
	/* OIDC Core 2: iat is required in an ID token. */
	if (!c->iat)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "ID token without iat");
	return OIDC_OK;
}

enum oidc_status oidc_claims_check(const struct oidc_issuer_cfg *ic,
				   const struct oidc_jdoc *claims, const char *typ,
				   int64_t now, struct oidc_error *err)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims);
	struct claim_refs c;
	bool id_token;
	enum oidc_status st;

	if (!ic || !root)
		return oidc_err(err, OIDC_E_INTERNAL, "claims check without "
				"config or claim object");
	find_claims(claims, root, &c);
	id_token = is_id_token(ic, claims, &c, typ);
	st = check_binding(&c, err);
	if (st == OIDC_OK)
		st = id_token ? check_id_token(ic, claims, &c, typ, err)
			      : check_typ(ic, typ, err);
	if (st == OIDC_OK && !id_token)
		st = check_audience(ic, claims, c.aud, err);
	if (st == OIDC_OK)
		st = check_times(ic, &c, now, err);
	if (st == OIDC_OK && !id_token)
		st = check_azp(ic, &c, err);
	if (st == OIDC_OK)
		st = check_scopes(ic, claims, &c, err);
	/* userinfo = enrich: checked once the userinfo answer is merged in
	 * (oidc_claims_required). */
	if (st == OIDC_OK && ic->userinfo_mode != OIDC_USERINFO_ENRICH)
		st = check_required_claims(ic, claims, root, err);
	return st;
}

enum oidc_status oidc_claims_required(const struct oidc_issuer_cfg *ic,
				      const struct oidc_jdoc *claims,
				      struct oidc_error *err)
{
	const struct oidc_jnode *root = oidc_jdoc_root(claims);

	if (!ic || !root)
		return oidc_err(err, OIDC_E_INTERNAL, "claims check without "
				"config or claim object");
	return check_required_claims(ic, claims, root, err);
}
