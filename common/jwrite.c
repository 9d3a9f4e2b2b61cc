/* SPDX-License-Identifier: MIT */
/*
 * jwrite.c - the JSON writer of jdoc.h: cache entries, the token file, the
 * claim set the CLI prints, provider answers handed on as text. Compact
 * output as jansson's json_dumps(JSON_COMPACT) gives it (so files written
 * before stay byte for byte the same), RFC 8259 7 escaping, and only text
 * jdoc reads back: a string that is not UTF-8 or holds a NUL, or a real
 * that is not finite, fails the writer instead of writing something the
 * reader would refuse.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jdoc_priv.h"

#define JW_CAP_MIN 256
#define JW_REAL_MAX 40     /* "%.17g" of a double: at most 24 bytes */

void oidc_jw_init(struct oidc_jwriter *w, size_t max, bool secret)
{
	memset(w, 0, sizeof(*w));
	w->max = max ? max : OIDC_JW_MAX_DEFAULT;
	w->secret = secret;
}

void oidc_jw_clear(struct oidc_jwriter *w)
{
	if (!w)
		return;
	if (w->buf && w->secret)
		oidc_free_secret(w->buf, w->cap);
	else
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->comma = false;
}

static void jw_fail(struct oidc_jwriter *w)
{
	w->failed = true;
}

/* Room for more bytes and the closing NUL; false once the writer failed. */
static bool jw_reserve(struct oidc_jwriter *w, size_t more)
{
	size_t need, cap;
	char *nb;

	if (w->failed)
		return false;
	if (more > w->max - w->len) {
		jw_fail(w);
		return false;
	}
	need = w->len + more + 1;
	if (need <= w->cap)
		return true;
	cap = w->cap ? w->cap : JW_CAP_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/* A secret never stays behind in a buffer realloc let go of. */
	if (w->secret) {
		nb = malloc(cap);
		if (nb && w->len)
			memcpy(nb, w->buf, w->len);
		if (nb && w->buf)
			oidc_free_secret(w->buf, w->cap);
	} else {
		nb = realloc(w->buf, cap);
	}
	if (!nb) {
		jw_fail(w);
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

static void jw_put(struct oidc_jwriter *w, const char *s, size_t n)
{
	if (!jw_reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void jw_putc(struct oidc_jwriter *w, char c)
{
	jw_put(w, &c, 1);
}

/* The comma before a value or member that is not its container's first. */
static void jw_before(struct oidc_jwriter *w)
{
	if (w->comma)
		jw_putc(w, ',');
}

/* RFC 8259 7: the quoted, escaped string. */
static void jw_quoted(struct oidc_jwriter *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run;

	if (!s && len) {
		jw_fail(w);
		return;
	}
	jw_putc(w, '"');
	while (i < len && !w->failed) {
		unsigned char c = p[i], seq[5] = { 0 };
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
		size_t n;

		/* Plain ASCII goes out in runs. */
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x80 &&
			      p[run] != '"' && p[run] != '\\';
		     run++)
			;
		if (run > i) {
			jw_put(w, s + i, run - i);
			i = run;
			continue;
		}
		if (c >= 0x80) {
			/* A copy padded with NULs: a sequence cut short by
			 * len fails the same check as in the parser. */
			memcpy(seq, p + i, len - i < 4 ? len - i : 4);
			n = oidc_jdoc_utf8_seq(seq);
			if (!n) {
				jw_fail(w);
				return;
			}
			jw_put(w, s + i, n);
			i += n;
			continue;
		}
		switch (c) {
		case '"': jw_put(w, "\\\"", 2); break;
		case '\\': jw_put(w, "\\\\", 2); break;
		case '\b': jw_put(w, "\\b", 2); break;
		case '\f': jw_put(w, "\\f", 2); break;
		case '\n': jw_put(w, "\\n", 2); break;
		case '\r': jw_put(w, "\\r", 2); break;
		case '\t': jw_put(w, "\\t", 2); break;
		case '\0':
			/* C5: jdoc refuses \u0000, so never write one. */
			jw_fail(w);
			return;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jw_put(w, esc, 6);
			break;
		}
		i++;
	}
	jw_putc(w, '"');
}

void oidc_jw_object_begin(struct oidc_jwriter *w)
{
	jw_before(w);
	jw_putc(w, '{');
	w->comma = false;
}

void oidc_jw_object_end(struct oidc_jwriter *w)
{
	jw_putc(w, '}');
	w->comma = true;
}

void oidc_jw_array_begin(struct oidc_jwriter *w)
{
	jw_before(w);
	jw_putc(w, '[');
	w->comma = false;
}

void oidc_jw_array_end(struct oidc_jwriter *w)
{
	jw_putc(w, ']');
	w->comma = true;
}

void oidc_jw_key(struct oidc_jwriter *w, const char *name, size_t len)
{
	jw_before(w);
	jw_quoted(w, name, len);
	jw_putc(w, ':');
	/* the value that follows is the same member: no comma */
	w->comma = false;
}

void oidc_jw_string(struct oidc_jwriter *w, const char *s, size_t len)
{
	jw_before(w);
	jw_quoted(w, s, len);
	w->comma = true;
}

void oidc_jw_int(struct oidc_jwriter *w, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	jw_before(w);
	jw_put(w, num, (size_t)n);
	w->comma = true;
}

/*
 * jansson's jsonp_dtostr: "%.17g" (enough digits to read the same double
 * back), the decimal point as '.' whatever LC_NUMERIC says (the host owns
 * the locale; any bytes that are not digits, signs or the exponent are
 * its decimal point), ".0" when neither a point nor an exponent is left,
 * and the exponent without '+' or leading zeros.
 */
void oidc_jw_real(struct oidc_jwriter *w, double v)
{
	char raw[JW_REAL_MAX], out[JW_REAL_MAX + 4];
	bool point = false, in_exp = false, exp_digit = false;
	size_t o = 0;
	int n;

	if (!isfinite(v)) {
		jw_fail(w);
		return;
	}
	n = snprintf(raw, sizeof(raw), "%.17g", v);
	if (n <= 0 || (size_t)n >= sizeof(raw)) {
		jw_fail(w);
		return;
	}
	for (int i = 0; i < n; i++) {
		char c = raw[i];

		if (in_exp) {
			if (c == '+' || (c == '0' && !exp_digit))
				continue;
			if (c >= '0' && c <= '9')
				exp_digit = true;
			out[o++] = c;
		} else if (c == 'e') {
			in_exp = point = true;
			out[o++] = c;
		} else if ((c >= '0' && c <= '9') || c == '-') {
			out[o++] = c;
		} else if (!o || out[o - 1] != '.') {
			out[o++] = '.';
			point = true;
		}
	}
	if (!point) {
		out[o++] = '.';
		out[o++] = '0';
	}
	jw_before(w);
	jw_put(w, out, o);
	w->comma = true;
}

void oidc_jw_bool(struct oidc_jwriter *w, bool v)
{
	jw_before(w);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
	w->comma = true;
}

void oidc_jw_null(struct oidc_jwriter *w)
{
	jw_before(w);
	jw_put(w, "null", 4);
	w->comma = true;
}

void oidc_jw_member_str(struct oidc_jwriter *w, const char *name, const char *s)
{
	if (!name || !s) {
		jw_fail(w);
		return;
	}
	oidc_jw_key(w, name, strlen(name));
	oidc_jw_string(w, s, strlen(s));
}

void oidc_jw_member_int(struct oidc_jwriter *w, const char *name, int64_t v)
{
	if (!name) {
		jw_fail(w);
		return;
	}
	oidc_jw_key(w, name, strlen(name));
	oidc_jw_int(w, v);
}

/* Byte order of member names, the shorter first on a common prefix: what
 * jansson's JSON_SORT_KEYS (and strcmp, names holding no NUL) gives. */
static int jw_key_order(const void *a, const void *b)
{
	const struct oidc_jnode *x = *(const struct oidc_jnode *const *)a;
	const struct oidc_jnode *y = *(const struct oidc_jnode *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	return x->key_len < y->key_len ? -1 : x->key_len > y->key_len;
}

static void jw_members(struct oidc_jwriter *w, const struct oidc_jdoc *doc,
		       const struct oidc_jnode *obj, bool sort_keys)
{
	const struct oidc_jnode **order = NULL, *c;
	size_t n = 0;

	if (sort_keys && obj->len > 1) {
		order = malloc(obj->len * sizeof(*order));
		if (!order) {
			jw_fail(w);
			return;
		}
		for (c = oidc_jnode_first(doc, obj); c && n < obj->len;
		     c = oidc_jnode_next(doc, obj, c))
			order[n++] = c;
		qsort(order, n, sizeof(*order), jw_key_order);
	}
	if (order) {
		for (size_t i = 0; i < n && !w->failed; i++) {
			oidc_jw_key(w, order[i]->key, order[i]->key_len);
			oidc_jw_node(w, doc, order[i], sort_keys);
		}
		free(order);
		return;
	}
	for (c = oidc_jnode_first(doc, obj); c && !w->failed;
	     c = oidc_jnode_next(doc, obj, c)) {
		if (!c->key) {
			jw_fail(w);
			return;
		}
		oidc_jw_key(w, c->key, c->key_len);
		oidc_jw_node(w, doc, c, sort_keys);
	}
}

void oidc_jw_node(struct oidc_jwriter *w, const struct oidc_jdoc *doc,
		  const struct oidc_jnode *node, bool sort_keys)
{
	const struct oidc_jnode *c;

	if (!doc || !node) {
		jw_fail(w);
		return;
	}
	switch ((enum oidc_jtype)node->type) {
	case OIDC_JNULL:
		oidc_jw_null(w);
		return;
	case OIDC_JFALSE:
		oidc_jw_bool(w, false);
		return;
	case OIDC_JTRUE:
		oidc_jw_bool(w, true);
		return;
	case OIDC_JINT:
		oidc_jw_int(w, node->v.i);
		return;
	case OIDC_JREAL:
		oidc_jw_real(w, node->v.d);
		return;
	case OIDC_JSTRING:
		oidc_jw_string(w, node->v.s, node->len);
		return;
	case OIDC_JARRAY:
		oidc_jw_array_begin(w);
		for (c = oidc_jnode_first(doc, node); c && !w->failed;
		     c = oidc_jnode_next(doc, node, c))
			oidc_jw_node(w, doc, c, sort_keys);
		oidc_jw_array_end(w);
		return;
	case OIDC_JOBJECT:
		oidc_jw_object_begin(w);
		jw_members(w, doc, node, sort_keys);
		oidc_jw_object_end(w);
		return;
	}
	jw_fail(w);
}

char *oidc_jw_finish(struct oidc_jwriter *w, size_t *len_out)
{
	char *text;

	if (!w)
		return NULL;
	if (!jw_reserve(w, 0)) {
		oidc_jw_clear(w);
		return NULL;
	}
	w->buf[w->len] = '\0';
	text = w->buf;
	if (len_out)
		*len_out = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	w->comma = false;
	return text;
}
