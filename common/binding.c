/* SPDX-License-Identifier: MIT */
/*
 * binding.c - is the token meant for this service? (issue 11 item 2,
 * checklist D2). One rule for a JWT's claims and for a provider's answer
 * about an opaque token (claims.c calls it for both):
 *
 *   aud present  it must name a configured audience, exactly; nothing
 *                overrides that (RFC 7519 4.1.3: a principal not named in
 *                a present aud MUST reject the token), so a token for
 *                another API is refused even when its client is listed.
 *   aud absent   only accept_clients, a list the administrator chose
 *                explicitly, can bind it: every client claim the token
 *                carries (azp, client_id) must be listed, and at least one
 *                must be there. Without accept_clients: no_audience.
 *                Such tokens exist: Cognito access tokens (client_id and
 *                token_use, no aud), LemonLDAP::NG introspection answers,
 *                oidc-provider's opaque tokens issued without a resource.
 *   token_use    when present (Cognito), "access": its ID tokens say "id".
 *                Checked first, like typ: an ID token is wrong_typ even
 *                when its aud (the app client) is not an audience either.
 *
 * The azp key stays what it was, an extra restriction on every token, and
 * never binds by itself. oidc_binding_notes() says all of it in words for
 * check-config.
 */
#include <stdio.h>
#include <string.h>

#include "claims_priv.h"

#define NOTE_MAX 512

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

bool oidc_jstr_equals(const struct oidc_jnode *v, const char *s)
{
	size_t n = strlen(s);

	return v && v->type == OIDC_JSTRING && v->len == n &&
	       memcmp(v->v.s, s, n) == 0;
}

static bool is_graph_audience(const struct oidc_jnode *v)
{
	for (size_t i = 0; i < sizeof(graph_audiences) /
			       sizeof(graph_audiences[0]); i++)
		if (oidc_jstr_equals(v, graph_audiences[i]))
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

bool oidc_jstr_listed(const struct oidc_strlist *l, const struct oidc_jnode *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (oidc_jstr_equals(v, l->v[i]))
			return true;
	return false;
}

/* RFC 7519 4.1.3, RFC 9068 4: a present aud must name us exactly. */
static enum oidc_status check_aud(const struct oidc_issuer_cfg *ic,
				  const struct oidc_jdoc *doc,
				  const struct oidc_jnode *aud,
				  struct oidc_error *err)
{
	const struct oidc_jnode *first = aud, *v;
	bool is_array = aud->type == OIDC_JARRAY, graph = false;
	size_t n = 1, i;

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
		if (oidc_jstr_listed(&ic->audience, v))
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
 * The client the token was issued to, against list (key names it in the
 * detail): azp (OIDC Core 2) or client_id (RFC 9068 2.2, RFC 7662 2.2; the
 * claim of Cognito, glewlwyd, LemonLDAP::NG and oidc-provider). At least
 * one must be present, and a token carrying both must have both listed,
 * so two claims that disagree never let it through on the friendlier one.
 */
static enum oidc_status clients_listed(const struct oidc_strlist *list,
				       const char *key,
				       const struct oidc_claim_refs *c,
				       enum oidc_status refused,
				       struct oidc_error *err)
{
	const struct oidc_jnode *claim[] = { c->azp, c->client_id };
	static const char *const names[] = { "azp", "client_id" };

	if (!c->azp && !c->client_id)
		return oidc_err(err, refused, "neither azp nor client_id is "
				"present (%s)", key);
	for (size_t k = 0; k < 2; k++) {
		if (!claim[k])
			continue;
		if (claim[k]->type != OIDC_JSTRING)
			return oidc_err(err, OIDC_E_BAD_CLAIM, "%s is not a string",
					names[k]);
		if (!oidc_jstr_listed(list, claim[k]))
			return oidc_err(err, refused, "%s %.60s is not in %s",
					names[k], claim[k]->v.s, key);
	}
	return OIDC_OK;
}

enum oidc_status oidc_binding_audience(const struct oidc_issuer_cfg *ic,
				       const struct oidc_jdoc *doc,
				       const struct oidc_claim_refs *c,
				       struct oidc_error *err)
{
	/*
	 * Cognito: "access" for access tokens, "id" for ID tokens. Judged
	 * before aud, as typ is (claims.c): what the token says it is comes
	 * first, so a Cognito ID token sent where access tokens are expected is
	 * wrong_typ ("send the access token"), not wrong_audience naming the
	 * app client the administrator listed in accept_clients.
	 */
	if (c->token_use && c->token_use->type != OIDC_JSTRING)
		return oidc_err(err, OIDC_E_BAD_CLAIM, "token_use is not a string");
	if (c->token_use && !oidc_jstr_equals(c->token_use, "access"))
		return oidc_err(err, OIDC_E_WRONG_TYP, "token_use %.20s is not "
				"access", c->token_use->v.s);
	if (c->aud)
		return check_aud(ic, doc, c->aud, err);
	if (ic->accept_clients.n == 0)
		return oidc_err(err, OIDC_E_NO_AUDIENCE, "no aud, and accept_clients "
				"is not set");
	return clients_listed(&ic->accept_clients, "accept_clients", c,
			      OIDC_E_CLIENT_NOT_ACCEPTED, err);
}

enum oidc_status oidc_binding_azp(const struct oidc_issuer_cfg *ic,
				  const struct oidc_claim_refs *c,
				  struct oidc_error *err)
{
	if (ic->azp.n == 0)
		return OIDC_OK;
	return clients_listed(&ic->azp, "azp", c, OIDC_E_WRONG_AZP, err);
}

/* ---- check-config's notes ---- */

/* "a, b, c" into buf (truncated with "..." when it does not fit). */
static void join(const struct oidc_strlist *l, char *buf, size_t cap)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", l->v[i]);

		if (n < 0 || (size_t)n >= cap - o) {
			if (cap > 4)
				memcpy(buf + cap - 4, "...", 4);
			return;
		}
		o += (size_t)n;
	}
}

void oidc_binding_notes(const struct oidc_issuer_cfg *ic, const char *sec,
			oidc_config_note_fn fn, void *arg)
{
	char text[NOTE_MAX], auds[NOTE_MAX / 3], clients[NOTE_MAX / 3];

	join(&ic->audience, auds, sizeof(auds));
	join(&ic->accept_clients, clients, sizeof(clients));
	if (ic->accept_clients.n) {
		snprintf(text, sizeof(text), "tokens issued to clients %s are accepted "
			 "without an audience naming this server (accept_clients: "
			 "their tokens have no aud); a token whose aud names another "
			 "service is still refused", clients);
		fn(arg, sec, "client_binding", text);
	}
	if (ic->accept_opaque && ic->userinfo_mode == OIDC_USERINFO_VALIDATE) {
		snprintf(text, sizeof(text), "opaque tokens are bound by the answer "
			 "of tokeninfo_endpoint %s: its aud must be %s%s; the userinfo "
			 "answer about the same sub then gives the user's claims",
			 ic->tokeninfo_endpoint, ic->audience.n ? "one of " : "",
			 ic->audience.n ? auds : "(no audience: only accept_clients)");
		fn(arg, sec, "tokeninfo_binding", text);
	} else if (ic->accept_opaque) {
		int n = snprintf(text, sizeof(text), ic->audience.n ?
				 "introspection answers with an aud must name one "
				 "of %s" : "introspection answers with an aud are "
				 "refused (no audience is configured)%s",
				 ic->audience.n ? auds : "");

		if (n >= 0 && (size_t)n < sizeof(text))
			snprintf(text + n, sizeof(text) - (size_t)n, ic->accept_clients.n ?
				 "; an answer without aud must come from %s "
				 "(accept_clients)" : "; an answer without aud is "
				 "refused (no_audience): if the provider never sends "
				 "one, list the clients in accept_clients%s",
				 ic->accept_clients.n ? clients : "");
		fn(arg, sec, "introspection_binding", text);
	}
	if (ic->userinfo_mode == OIDC_USERINFO_ENRICH)
		fn(arg, sec, "userinfo_enrich", "the userinfo answer adds claims the "
		   "token (or its introspection answer) lacks, for username_claim and "
		   "required_claims; it never binds a token to this service");
}
