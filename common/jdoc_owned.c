/* SPDX-License-Identifier: MIT */
/*
 * jdoc_owned.c - jdoc documents over a copy they own (jdoc.h), for every
 * JSON document that does not come from a token: key sets, discovery
 * metadata, introspection and userinfo answers, token endpoint answers,
 * cache entries and token files. The copy gets the NUL sentinel the
 * in-place parser needs, and the caller's buffer stays as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void drop_text(struct oidc_jdoc_owned *od)
{
	if (od->text)
		oidc_free_secret(od->text, od->text_len + 1);
	od->text = NULL;
	od->text_len = 0;
}

enum oidc_status oidc_jdoc_parse_copy(struct oidc_jdoc_owned *od,
				      const void *buf, size_t len,
				      struct oidc_error *err)
{
	enum oidc_status st;
	char *text;

	if (!od || (!buf && len))
		return oidc_err(err, OIDC_E_INTERNAL, "no JSON document or buffer");
	od->doc.n = 0;    /* empty on every failure */
	drop_text(od);
	text = len < SIZE_MAX ? malloc(len + 1) : NULL;
	if (!text) {
		oidc_jdoc_clear(&od->doc);
		return oidc_err(err, OIDC_E_NOMEM, "JSON text of %zu bytes", len);
	}
	if (len)
		memcpy(text, buf, len);
	st = oidc_jdoc_parse(&od->doc, text, len, err);
	if (st != OIDC_OK) {
		/* Nothing to free on the caller's error paths. */
		oidc_free_secret(text, len + 1);
		oidc_jdoc_clear(&od->doc);
		return st;
	}
	od->text = text;
	od->text_len = len;
	return OIDC_OK;
}

void oidc_jdoc_owned_clear(struct oidc_jdoc_owned *od)
{
	if (!od)
		return;
	oidc_jdoc_clear(&od->doc);
	drop_text(od);
}

enum oidc_status oidc_jshared_parse(const void *buf, size_t len,
				    struct oidc_jshared **out,
				    struct oidc_error *err)
{
	struct oidc_jshared *sh;
	enum oidc_status st;

	if (!out)
		return oidc_err(err, OIDC_E_INTERNAL, "no output");
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return oidc_err(err, OIDC_E_NOMEM, "JSON document");
	st = oidc_jdoc_parse_copy(&sh->own, buf, len, err);
	if (st != OIDC_OK) {
		oidc_jdoc_owned_clear(&sh->own);
		free(sh);
		return st;
	}
	atomic_init(&sh->refs, 1);
	*out = sh;
	return OIDC_OK;
}

struct oidc_jshared *oidc_jshared_ref(struct oidc_jshared *sh)
{
	/* Relaxed: whoever hands sh out holds a reference already. */
	if (sh)
		atomic_fetch_add_explicit(&sh->refs, 1, memory_order_relaxed);
	return sh;
}

void oidc_jshared_unref(struct oidc_jshared **shp)
{
	struct oidc_jshared *sh;

	if (!shp || !*shp)
		return;
	sh = *shp;
	*shp = NULL;
	/* acq_rel: every holder's reads happen before the last one frees. */
	if (atomic_fetch_sub_explicit(&sh->refs, 1, memory_order_acq_rel) != 1)
		return;
	oidc_jdoc_owned_clear(&sh->own);
	free(sh);
}
