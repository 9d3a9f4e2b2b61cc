/* SPDX-License-Identifier: MIT */
/*
 * jansson_util.h - jansson for tests only. The core reads JSON with jdoc
 * and links no JSON library (a host that exports jansson's names, as
 * postgres exports json_object, must not reach into the plugins); tests
 * still build and compare documents with jansson, an independent parser.
 */
#ifndef OIDC_JANSSON_UTIL_H
#define OIDC_JANSSON_UTIL_H

#include <stdio.h>
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

/*
 * A jansson object from len bytes, as strictly as the tests need: JSON
 * objects only, duplicate members refused. OIDC_E_MALFORMED.
 */
static inline enum oidc_status tj_parse_object(const void *buf, size_t len, json_t **out,
					       struct oidc_error *err)
{
	json_error_t jerr;
	json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!v || !json_is_object(v)) {
		json_decref(v);
		if (err) {
			err->status = OIDC_E_MALFORMED;
			snprintf(err->detail, sizeof(err->detail), "invalid JSON");
		}
		return OIDC_E_MALFORMED;
	}
	*out = v;
	return OIDC_OK;
}

/* Borrowed string member or NULL when absent or not a string. */
static inline const char *tj_str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

/* A new jansson value equal to node (and its subtree), or NULL (out of
 * memory, NULL arguments): to compare jdoc's values with jansson's. */
static inline json_t *tj_from_jdoc(const struct oidc_jdoc *doc, const struct oidc_jnode *node)
{
	const struct oidc_jnode *c;
	json_t *v = NULL, *child;

	if (!doc || !node)
		return NULL;
	switch ((enum oidc_jtype)node->type) {
	case OIDC_JNULL:
		return json_null();
	case OIDC_JFALSE:
		return json_false();
	case OIDC_JTRUE:
		return json_true();
	case OIDC_JINT:
		return json_integer((json_int_t)node->v.i);
	case OIDC_JREAL:
		return json_real(node->v.d);
	case OIDC_JSTRING:
		return json_stringn(node->v.s, node->len);
	case OIDC_JARRAY:
		v = json_array();
		for (c = oidc_jnode_first(doc, node); v && c; c = oidc_jnode_next(doc, node, c)) {
			child = tj_from_jdoc(doc, c);
			if (!child || json_array_append_new(v, child) != 0) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	case OIDC_JOBJECT:
		v = json_object();
		for (c = oidc_jnode_first(doc, node); v && c; c = oidc_jnode_next(doc, node, c)) {
			child = c->key ? tj_from_jdoc(doc, c) : NULL;
			/* setn_new takes child, also when it fails. */
			if (!child || json_object_setn_new(v, c->key, c->key_len, child) != 0) {
				json_decref(v);
				return NULL;
			}
		}
		return v;
	}
	return NULL;
}

#endif /* OIDC_JANSSON_UTIL_H */
