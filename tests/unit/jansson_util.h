/* SPDX-License-Identifier: MIT */
/*
 * jansson_util.h - jansson for tests only. The core reads JSON with jdoc
 * and links no JSON library (a host that exports jansson's names, as
 * postgres exports json_object, must not reach into the plugins); tests
 * still build and compare documents with jansson, an independent parser.
 */
#ifndef OIDC_JANSSON_UTIL_H
#define OIDC_JANSSON_UTIL_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/*
 * oidc_jwk_import for a JWK built with jansson: written out, wrapped as
 * {"jwk":VALUE} (so a value that is not an object reaches the importer as
 * it is) and read by jdoc; NULL goes to the importer as NULL. Statuses of
 * oidc_jwk_import; OIDC_E_NOMEM when jansson cannot write the value.
 */
static inline enum oidc_status tj_jwk_import(const json_t *jwk, struct oidc_key **key_out,
					     struct oidc_error *err)
{
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	json_t *wrap = jwk ? json_pack("{s:O}", "jwk", (json_t *)jwk) : NULL;
	char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
	enum oidc_status st = OIDC_E_NOMEM;

	if (!jwk)
		return oidc_jwk_import(NULL, NULL, key_out, err);
	if (text)
		st = oidc_jdoc_parse_copy(&od, text, strlen(text), err);
	if (st == OIDC_OK)
		st = oidc_jwk_import(&od.doc, oidc_jdoc_get(&od.doc, "jwk"), key_out, err);
	oidc_jdoc_owned_clear(&od);
	free(text);
	json_decref(wrap);
	return st;
}

#endif /* OIDC_JANSSON_UTIL_H */
