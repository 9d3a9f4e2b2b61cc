/* SPDX-License-Identifier: MIT */
/*
 * claims.c - the claims policy of one issuer over a claim set (checklist
 * D2, D3, D4, D5, D7, D8, E1): sender binding, typ, the binding to this
 * service (binding.c), the three NumericDates, azp, required scopes and
 * required claims. One policy, by the same code, for the claims of a
 * verified JWT and for what the provider answered about an opaque token
 * (issue 13); what differs between them is the table "kinds" below.
 *
 * Every comparison is exact and byte-wise except typ, which RFC 7515 4.1.9
 * makes a case-insensitive media type. Details never carry token strings
 * except aud, azp and typ, truncated and sanitised by oidc_err (they come from
 * a verified token and tell the administrator what the IdP sent).
 */
#include <inttypes.h>
#include <strings.h>
#include <string.h>

#include "claims_priv.h"

/* RFC 7515 4.1.9: media types compare case-insensitively. Own ASCII
 * folding: strcasecmp follows the host's locale (Turkish dotless i). */
static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
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
 * What differs between the claim sets this file judges, in one place (every
 * other rule is the same for all of them):
 *
 *                   JWT (signed)         introspection          tokeninfo
 *                                        (RFC 7662 2.2)         (Google)
 *   genuine         the signature        "active": true, the    HTTP 200 (400:
 *                   (validate.c)         JSON literal           inactive)
 *                                        (introspect.c)         (introspect.c)
 *   typ header      accept_typ           - (no header)          -
 *   token_type      -                    Bearer when present    -
 *   iss             validate.c, before   equal to issuer when   the same
 *                   any other claim      present (not for a
 *                                        {tenantid} issuer)
 *   exp             required             optional (RFC 7662     required
 *                                        2.2; the provider says
 *                                        it is active now)
 *   NumericDates    JSON numbers         JSON numbers           numbers or
 *                                                               decimal strings
 *   ID tokens       accept_id_tokens     never                  never
 *
 * The same for all: cnf refused, the binding to this service (aud or
 * accept_clients, token_use; binding.c), nbf and iat with one leeway, azp,
 * required_scopes over scope and scp, required_claims, and then the user
 * name (identity.c).
 */
struct kind_rules {
	const char *name;        /* for details */
	bool typ_header;         /* the JWS typ against accept_typ */
	bool token_type;         /* token_type, when present, is Bearer */
	bool iss_here;           /* iss compared here when present */
	bool exp_required;
	bool dates_as_digits;    /* "1712345678" counts as a NumericDate */
	bool id_tokens;          /* may be an ID token (accept_id_tokens) */
};

static const struct kind_rules kinds[] = {
	[OIDC_CLAIMS_JWT] = { "token", true, false, false, true, false, true },
	[OIDC_CLAIMS_INTROSPECTION] = { "introspection answer", false, true, true,
					false, false, false },
	[OIDC_CLAIMS_TOKENINFO] = { "tokeninfo answer", false, false, true, true,
				    true, false },
};

static void find_claims(const struct oidc_jdoc *doc,
			const struct oidc_jnode *root, struct oidc_claim_refs *c)
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
			else if (memcmp(n->key, "iss", 3) == 0)
				c->iss = n;
		} else if (n->key_len == 5 && memcmp(n->key, "scope", 5) == 0) {
			c->scope = n;
		} else if (n->key_len == 9 && memcmp(n->key, "client_id", 9) == 0) {
			c->client_id = n;
		} else if (n->key_len == 9 && memcmp(n->key, "token_use", 9) == 0) {
			c->token_use = n;
		} else if (n->key_len == 10 && memcmp(n->key, "token_type", 10) == 0) {
			c->token_type = n;
		}
	}
}

/* RFC 9449 6 / RFC 8705 3: a cnf-bound token used without its proof is a
 * stolen token as far as we can tell; we check no proofs, so refuse all. */
static enum oidc_status check_binding(const struct oidc_claim_refs *c,
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

/* RFC 7662 2.2, RFC 6749 7.1: a Bearer token. DPoP and other types need a
 * proof we cannot see. ("access_token" is what some providers put there.) */
static enum oidc_status check_token_type(const struct oidc_claim_refs *c,
					 struct oidc_error *err)
{
	const struct oidc_jnode *v = c->token_type;

	if (!v)
		return OIDC_OK;
	if (v->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "token_type is not a string");
	if (v->len == 6 && strncasecmp(v->v.s, "bearer", 6) == 0)
		return OIDC_OK;
	if (oidc_jstr_equals(v, "access_token"))
		return OIDC_OK;
	return oidc_err(err, OIDC_E_WRONG_TYP, "token_type %.20s is not Bearer",
			v->v.s);
}

/* An answer's iss, when it has one, is the configured issuer's (D1). A
 * {tenantid} issuer has no one value to compare with. */
static enum oidc_status check_answer_iss(const struct oidc_issuer_cfg *ic,
					 const struct oidc_claim_refs *c,
					 struct oidc_error *err)
{
	if (!c->iss)
		return OIDC_OK;
	if (c->iss->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "iss is not a string");
	if (!ic->is_template && !oidc_jstr_equals(c->iss, ic->issuer))
		return oidc_err(err, OIDC_E_WRONG_ISSUER, "iss \"%.100s\" is not "
				"%.100s", c->iss->v.s, ic->issuer);
	return OIDC_OK;
}

int oidc_claims_date(enum oidc_claims_kind kind, const struct oidc_jnode *v,
		     int64_t *out)
{
	const int64_t lim = INT64_C(1) << 62;
	int64_t n = 0;

	if (!v || v->type != OIDC_JSTRING || !kinds[kind].dates_as_digits)
		return oidc_jnode_numericdate(v, out);
	/* Google's tokeninfo sends "exp": "1712345678": digits only, no sign,
	 * at most 18 of them (no overflow), clamped like a number. */
	if (v->len == 0 || v->len > 18)
		return -1;
	for (uint32_t i = 0; i < v->len; i++) {
		if (v->v.s[i] < '0' || v->v.s[i] > '9')
			return -1;
		n = n * 10 + (v->v.s[i] - '0');
	}
	*out = n > lim ? lim : n;
	return 1;
}

/*
 * RFC 7519 4.1.4-4.1.6 with one leeway (checklist D3, D4). The comparisons
 * go through le_difference/gt_sum so INT64_MIN/MAX "now" or leeway cannot
 * wrap; oidc_jnode_numericdate clamps the claims themselves.
 */
static enum oidc_status check_times(const struct oidc_issuer_cfg *ic,
				    enum oidc_claims_kind kind,
				    const struct oidc_claim_refs *c, int64_t now,
				    struct oidc_error *err)
{
	int64_t exp = 0, nbf = 0, iat = 0;
	int r;

	r = oidc_claims_date(kind, c->exp, &exp);
	if (r == 0 && kinds[kind].exp_required)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "exp is missing from the %s",
				kinds[kind].name);
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "exp of the %s is not a date",
				kinds[kind].name);
	if (r > 0 && le_difference(exp, now, ic->leeway))
		return oidc_err(err, OIDC_E_EXPIRED,
				"expired: exp=%" PRId64 " now=%" PRId64
				" leeway=%" PRId64, exp, now, ic->leeway);

	r = oidc_claims_date(kind, c->nbf, &nbf);
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "nbf is not a number");
	if (r > 0 && gt_sum(nbf, now, ic->leeway))
		return oidc_err(err, OIDC_E_NOT_YET_VALID,
				"not yet valid: nbf=%" PRId64 " now=%" PRId64
				" leeway=%" PRId64, nbf, now, ic->leeway);

	r = oidc_claims_date(kind, c->iat, &iat);
	if (r < 0)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "iat is not a number");
	if (r > 0 && gt_sum(iat, now, ic->leeway))
		return oidc_err(err, OIDC_E_ISSUED_IN_FUTURE,
				"issued in the future: iat=%" PRId64
				" now=%" PRId64 " leeway=%" PRId64, iat, now,
				ic->leeway);
	return OIDC_OK;
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
		if (oidc_jstr_equals(e, want))
			return 1;
	return 0;
}

/* Checklist D7: exact scope tokens, so "mail.read" is not
 * "mail.readwrite"; the union of scope and scp counts. */
static enum oidc_status check_scopes(const struct oidc_issuer_cfg *ic,
				     const struct oidc_jdoc *doc,
				     const struct oidc_claim_refs *c,
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

static bool claim_req_holds(const struct oidc_jdoc *doc,
			    const struct oidc_jnode *claims,
			    const struct oidc_claim_req *req)
{
	const struct oidc_jnode *v = oidc_jobj_get(doc, claims, req->claim);

	if (!v)
		return false;
	if (v->type != OIDC_JARRAY)
		return oidc_jstr_listed(&req->values, v);
	for (const struct oidc_jnode *e = oidc_jnode_first(doc, v); e;
	     e = oidc_jnode_next(doc, v, e))
		if (oidc_jstr_listed(&req->values, e))
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
		return oidc_jstr_equals(aud, want);
	}
	if (aud->type != OIDC_JARRAY)
		return false;
	for (const struct oidc_jnode *e = oidc_jnode_first(doc, aud); e;
	     e = oidc_jnode_next(doc, aud, e)) {
		(*n)++;
		found = found || oidc_jstr_equals(e, want);
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
			const struct oidc_claim_refs *c, const char *typ)
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
				       const struct oidc_claim_refs *c, const char *typ,
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
	if (c->azp && !oidc_jstr_equals(c->azp, ic->client_id))
		return oidc_err(err, c->azp->type == OIDC_JSTRING ? OIDC_E_WRONG_AZP
				: OIDC_E_BAD_CLAIM, "ID token azp is not our client_id");
	/* OIDC Core 2: iat is required in an ID token. */
	if (!c->iat)
		return oidc_err(err, OIDC_E_MISSING_CLAIM, "ID token without iat");
	return OIDC_OK;
}

/* The policy over one claim set of the given kind (table "kinds"). */
static enum oidc_status check_set(const struct oidc_issuer_cfg *ic,
				  enum oidc_claims_kind kind,
				  const struct oidc_jdoc *claims, const char *typ,
				  int64_t now, bool with_required,
				  struct oidc_error *err)
{
	const struct kind_rules *k = &kinds[kind];
	const struct oidc_jnode *root = oidc_jdoc_root(claims);
	struct oidc_claim_refs c;
	bool id_token;
	enum oidc_status st;

	if (!ic || !root)
		return oidc_err(err, OIDC_E_INTERNAL, "claims check without "
				"config or claim object");
	find_claims(claims, root, &c);
	id_token = k->id_tokens && is_id_token(ic, claims, &c, typ);
	st = check_binding(&c, err);
	if (st == OIDC_OK && id_token)
		st = check_id_token(ic, claims, &c, typ, err);
	else if (st == OIDC_OK && k->typ_header)
		st = check_typ(ic, typ, err);
	if (st == OIDC_OK && k->token_type)
		st = check_token_type(&c, err);
	if (st == OIDC_OK && k->iss_here)
		st = check_answer_iss(ic, &c, err);
	if (st == OIDC_OK && !id_token)
		st = oidc_binding_audience(ic, claims, &c, err);
	if (st == OIDC_OK)
		st = check_times(ic, kind, &c, now, err);
	if (st == OIDC_OK && !id_token)
		st = oidc_binding_azp(ic, &c, err);
	if (st == OIDC_OK)
		st = check_scopes(ic, claims, &c, err);
	if (st == OIDC_OK && with_required)
		st = check_required_claims(ic, claims, root, err);
	return st;
}

enum oidc_status oidc_claims_check(const struct oidc_issuer_cfg *ic,
				   const struct oidc_jdoc *claims, const char *typ,
				   int64_t now, struct oidc_error *err)
{
	/* userinfo = enrich: required_claims once the userinfo answer is
	 * merged in (oidc_claims_required). */
	return check_set(ic, OIDC_CLAIMS_JWT, claims, typ, now,
			 !ic || ic->userinfo_mode != OIDC_USERINFO_ENRICH, err);
}

enum oidc_status oidc_claims_check_answer(const struct oidc_issuer_cfg *ic,
					  enum oidc_claims_kind kind,
					  const struct oidc_jdoc *claims, int64_t now,
					  struct oidc_error *err)
{
	if (kind != OIDC_CLAIMS_INTROSPECTION && kind != OIDC_CLAIMS_TOKENINFO)
		return oidc_err(err, OIDC_E_INTERNAL, "not an answer kind");
	return check_set(ic, kind, claims, NULL, now, false, err);
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
