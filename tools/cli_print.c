/* SPDX-License-Identifier: MIT */
/*
 * cli_print.c - how the oidc-auth tool shows a valid token and a
 * configuration, as text for people and as JSON for scripts. Claims come
 * from the token's issuer: every line goes through cli_line (cli_out.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"
#include "cli.h"

/* Claims worth showing; never the whole claim set in text mode. */
static const char *const shown_claims[] = {
	"iss", "sub", "aud", "azp", "scope", "scp", "exp", "iat", "nbf", "jti",
	"tid", "preferred_username", "email", "amr", "acr",
};

static void print_claim_text(const char *name, const json_t *v, int64_t now)
{
	char when[64];

	if (json_is_string(v)) {
		cli_line(stdout, "  %-9s %s", name, json_string_value(v));
	} else if (json_is_integer(v) && (!strcmp(name, "exp") ||
					  !strcmp(name, "iat") ||
					  !strcmp(name, "nbf"))) {
		time_t t = (time_t)json_integer_value(v);
		struct tm tm;
		long long delta = (long long)json_integer_value(v) - now;
		if (gmtime_r(&t, &tm) &&
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			cli_line(stdout, "  %-9s %s (%s%lld s)", name, when,
				 delta >= 0 ? "in " : "", delta);
	} else if (v) {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			cli_line(stdout, "  %-9s %s", name, s);
		free(s);
	}
}

int cli_print_valid(const struct oidc_result *res,
		    const struct oidc_audit *audit, int64_t now, bool json)
{
	char *all = oidc_result_claims_json(res);
	json_t *claims = all ? json_loads(all, 0, NULL) : NULL;
	size_t n = sizeof(shown_claims) / sizeof(shown_claims[0]);

	free(all);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}",
				      "result", "valid",
				      "user", oidc_result_username(res),
				      "issuer", oidc_result_issuer_name(res),
				      "alg", oidc_result_alg(res),
				      "token_sha256", audit->token_sha256);
		json_t *shown = json_object();
		if (o && shown) {
			json_object_set_new(o, "kid", audit->kid[0] ?
					    json_string(audit->kid) : json_null());
			if (audit->note[0])
				json_object_set_new(o, "note", json_string(audit->note));
			for (size_t i = 0; i < n; i++) {
				json_t *v = json_object_get(claims,
							    shown_claims[i]);
				if (v)
					json_object_set(shown, shown_claims[i], v);
			}
			json_object_set(o, "claims", shown);
		}
		cli_json(stdout, o && shown ? o : NULL);
		json_decref(shown);
		json_decref(o);
	} else {
		cli_line(stdout, "valid");
		cli_line(stdout, "  %-9s %s", "user:", oidc_result_username(res));
		cli_line(stdout, "  %-9s %s", "section:", oidc_result_issuer_name(res));
		cli_line(stdout, "  %-9s %s%s%s", "alg:", oidc_result_alg(res),
			 audit->kid[0] ? "  kid: " : "", audit->kid);
		for (size_t i = 0; i < n; i++) {
			char label[32];
			snprintf(label, sizeof(label), "%s:", shown_claims[i]);
			print_claim_text(label, json_object_get(claims,
								shown_claims[i]),
					 now);
		}
		cli_line(stdout, "  %-9s sha256:%s", "token:", audit->token_sha256);
		if (audit->note[0])
			cli_line(stdout, "  %-9s %s", "note:", audit->note);
	}
	json_decref(claims);
	return 0;
}

struct config_printer {
	bool json;
	const char *last_section;
	bool started;
	json_t *root;
};

static void print_config_entry(void *arg, const char *section,
			       const char *key, const char *value)
{
	struct config_printer *p = arg;
	const char *name = section ? section : "default";

	if (p->json) {
		json_t *sec = json_object_get(p->root, name);
		if (!sec) {
			sec = json_object();
			json_object_set_new(p->root, name, sec);
		}
		json_object_set_new(sec, key, json_string(value));
		return;
	}
	if (!p->started || strcmp(p->last_section, name) != 0) {
		if (p->started)
			fputc('\n', stdout);
		cli_line(stdout, "[%s%s]", section ? "issuer " : "", name);
		p->started = true;
	}
	p->last_section = name;
	cli_line(stdout, "%s = %s", key, value);
}

/* What the configuration lets issuers do with user names: comment lines
 * (the text output still parses back), or a "notes" array. */
static void print_note(void *arg, const char *section, const char *note,
		       const char *text)
{
	json_t *notes = arg;

	if (notes) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "section",
				      section ? section : "default", "note", note,
				      "text", text);
		if (o)
			json_array_append_new(notes, o);
		return;
	}
	cli_line(stdout, "# note: %s%s%s%s: %s", section ? "[issuer " : "",
		 section ? section : "", section ? "] " : "", note, text);
}

int cli_print_config(const struct oidc_config *cfg, const char *path,
		     bool json)
{
	struct config_printer p = { json, "", false, NULL };
	json_t *notes = NULL;

	if (json) {
		p.root = json_object();
		notes = json_array();
	} else {
		cli_line(stdout, "# effective configuration of %s", path);
	}
	oidc_config_notes(cfg, print_note, notes);
	oidc_config_visit(cfg, print_config_entry, &p);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:O, s:O}", "result", "ok",
				      "file", path, "sections", p.root,
				      "notes", notes);
		cli_json(stdout, o);
		json_decref(o);
		json_decref(p.root);
		json_decref(notes);
	}
	return 0;
}
