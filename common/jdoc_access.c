/* SPDX-License-Identifier: MIT */
/*
 * jdoc_access.c - reading a parsed jdoc (jdoc.h): members, NumericDates,
 * integers, iteration.
 */
#include <math.h>

#include "jdoc_priv.h"

const struct oidc_jnode *oidc_jdoc_root(const struct oidc_jdoc *doc)
{
	if (!doc || doc->n == 0 || doc->nodes[0].type != OIDC_JOBJECT)
		return NULL;
	return &doc->nodes[0];
}

const struct oidc_jnode *oidc_jobj_get(const struct oidc_jdoc *doc,
				       const struct oidc_jnode *obj,
				       const char *name)
{
	const struct oidc_jnode *n, *end;
	uint64_t filter;
	size_t name_len;

	if (!doc || !obj || !name || obj->type != OIDC_JOBJECT)
		return NULL;
	for (name_len = 0; name[name_len]; name_len++)
		;
	/* The parser's filter (0 in a document built by hand: no filter). */
	filter = (uint64_t)obj->v.i;
	if (filter &&
	    !(filter & UINT64_C(1) << (oidc_jdoc_name_hash(name, name_len) & 63)))
		return NULL;
	end = doc->nodes + obj->end;
	/* Scalars step to the next node without waiting for n->end. Names
	 * are short: a byte loop beats a call to memcmp. */
	for (n = obj + 1; n < end;) {
		if (n->key_len == name_len) {
			size_t i = 0;

			while (i < name_len && n->key[i] == name[i])
				i++;
			if (i == name_len)
				return n;
		}
		if (n->type < OIDC_JARRAY)
			n++;
		else
			n = doc->nodes + n->end;
	}
	return NULL;
}

const char *oidc_jobj_str(const struct oidc_jdoc *doc,
			  const struct oidc_jnode *obj, const char *name)
{
	const struct oidc_jnode *v = oidc_jobj_get(doc, obj, name);

	return v && v->type == OIDC_JSTRING ? v->v.s : NULL;
}

const struct oidc_jnode *oidc_jdoc_get(const struct oidc_jdoc *doc,
				       const char *name)
{
	return oidc_jobj_get(doc, oidc_jdoc_root(doc), name);
}

const char *oidc_jdoc_str(const struct oidc_jdoc *doc, const char *name)
{
	return oidc_jobj_str(doc, oidc_jdoc_root(doc), name);
}

bool oidc_jnode_int(const struct oidc_jnode *v, int64_t *out)
{
	if (!v || v->type != OIDC_JINT)
		return false;
	*out = v->v.i;
	return true;
}

int oidc_jobj_numericdate(const struct oidc_jdoc *doc,
			  const struct oidc_jnode *obj, const char *name,
			  int64_t *out)
{
	return oidc_jnode_numericdate(oidc_jobj_get(doc, obj, name), out);
}

int oidc_jnode_numericdate(const struct oidc_jnode *v, int64_t *out)
{
	const int64_t lim = INT64_C(4611686018427387904); /* 2^62 */
	double d;

	if (!v)
		return 0;
	if (v->type == OIDC_JINT) {
		*out = v->v.i > lim ? lim : v->v.i < -lim ? -lim : v->v.i;
		return 1;
	}
	if (v->type != OIDC_JREAL || !isfinite(v->v.d))
		return -1;
	/* RFC 7519 2: seconds; a fraction never moves a date forward. */
	d = floor(v->v.d);
	*out = d > (double)lim ? lim : d < -(double)lim ? -lim : (int64_t)d;
	return 1;
}

const struct oidc_jnode *oidc_jnode_first(const struct oidc_jdoc *doc,
					  const struct oidc_jnode *parent)
{
	if (!doc || !parent ||
	    (parent->type != OIDC_JARRAY && parent->type != OIDC_JOBJECT) ||
	    parent->len == 0)
		return NULL;
	return parent + 1;
}

const struct oidc_jnode *oidc_jnode_next(const struct oidc_jdoc *doc,
					 const struct oidc_jnode *parent,
					 const struct oidc_jnode *child)
{
	if (!doc || !parent || !child || child->end >= parent->end)
		return NULL;
	return &doc->nodes[child->end];
}
