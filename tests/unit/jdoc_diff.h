/* SPDX-License-Identifier: MIT */
/*
 * jdoc_diff.h - the differential check of common/jdoc.c against jansson,
 * shared by tests/unit/test_jdoc_diff.c and tests/fuzz/fuzz_jdoc.c.
 *
 * Both parse the same bytes: jdoc on a writable copy, jansson with
 * JSON_REJECT_DUPLICATES (objects only: any other root counts as refused,
 * as tj_parse_object does). They must give the same verdict and,
 * when both accept, equal values (jdoc converted with tj_from_jdoc,
 * compared member by member). Intended differences, and nothing else:
 *
 *  - depth: jdoc refuses nesting deeper than OIDC_JSON_DEPTH_MAX (16, the
 *    root counting as one level); jansson accepts up to 2048;
 *  - real numbers: jdoc converts without strtod (jdoc_num.c): equal to
 *    jansson's value or within JDIFF_REAL_ULPS ulps of it (one on x86-64;
 *    the slack is for machines whose long double is double);
 *  - a NUL byte right after a literal or a number: jansson 2.14 loses it
 *    (its stream_unget of a 0 byte looks like an empty buffer, so the byte
 *    is skipped) and accepts {"a":1\0}; jdoc refuses any NUL outside a
 *    string. Counted as known only when jdoc accepts the input with its
 *    NUL bytes removed, with jansson's values.
 *
 * \u0000, duplicates, lone surrogates, invalid UTF-8, int64 overflow and
 * real overflow are refused by both, so they are no difference.
 *
 * Every document both accept also goes through the writer (jwrite.c): its
 * text for the parsed values must be byte for byte what json_dumps
 * writes for the same values (JSON_COMPACT, and JSON_COMPACT |
 * JSON_SORT_KEYS for sorted members), and parsing that text again
 * (oidc_jdoc_parse_copy) and writing it once more must give the same text.
 */
#ifndef OIDC_JDOC_DIFF_H
#define OIDC_JDOC_DIFF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "jansson_util.h"

#define JDIFF_REAL_ULPS 4

enum jdiff_result {
	JDIFF_SAME = 0,        /* same verdict, equal values */
	JDIFF_KNOWN_DEPTH,     /* jansson accepts deeper nesting */
	JDIFF_KNOWN_NUL,       /* jansson skips a NUL after a literal */
	JDIFF_MISMATCH,
};

struct jdiff_stats {
	unsigned long total, accepted, refused, known_depth, known_nul, mismatches;
	unsigned long reals, reals_inexact;   /* reals compared, not equal */
	unsigned long written;                /* documents the writer wrote */
};

/* Nesting of a jansson value, the value itself counting as one. */
static int jdiff_depth(const json_t *v)
{
	int deepest = 0;

	if (json_is_object(v)) {
		const char *k;
		json_t *m;

		json_object_foreach((json_t *)v, k, m) {
			int d = jdiff_depth(m);
			deepest = d > deepest ? d : deepest;
		}
		return deepest + 1;
	}
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			int d = jdiff_depth(json_array_get(v, i));
			deepest = d > deepest ? d : deepest;
		}
		return deepest + 1;
	}
	return 0;
}

/* Doubles in the order of their values, as integers (no libm needed). */
static int64_t jdiff_order(double d)
{
	int64_t i;

	memcpy(&i, &d, sizeof(i));
	return i < 0 ? INT64_MIN - i : i;
}

/* Distance in ulps, saturated; 0 for equal values (0.0 and -0.0 too). */
static uint64_t jdiff_ulps(double a, double b)
{
	int64_t x = jdiff_order(a), y = jdiff_order(b);

	if (a == b)
		return 0;
	if ((x < 0) != (y < 0))
		return UINT64_MAX;
	return x > y ? (uint64_t)(x - y) : (uint64_t)(y - x);
}

static int jdiff_reals_close(double a, double b)
{
	return jdiff_ulps(a, b) <= JDIFF_REAL_ULPS;
}

/* Equal values, with the real-number slack above; why says where not. */
static int jdiff_equal(const json_t *a, const json_t *b, struct jdiff_stats *st,
		       char *why, size_t why_cap)
{
	if (json_typeof(a) != json_typeof(b)) {
		snprintf(why, why_cap, "type %d vs %d", json_typeof(a), json_typeof(b));
		return 0;
	}
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *m;

		if (json_object_size(a) != json_object_size(b)) {
			snprintf(why, why_cap, "object sizes differ");
			return 0;
		}
		json_object_foreach((json_t *)a, k, m) {
			const json_t *o = json_object_get(b, k);

			if (!o) {
				snprintf(why, why_cap, "member missing");
				return 0;
			}
			if (!jdiff_equal(m, o, st, why, why_cap))
				return 0;
		}
		return 1;
	}
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b)) {
			snprintf(why, why_cap, "array sizes differ");
			return 0;
		}
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!jdiff_equal(json_array_get(a, i), json_array_get(b, i), st,
					 why, why_cap))
				return 0;
		return 1;
	case JSON_STRING:
		if (json_string_length(a) != json_string_length(b) ||
		    memcmp(json_string_value(a), json_string_value(b),
			   json_string_length(a)) != 0) {
			snprintf(why, why_cap, "strings differ");
			return 0;
		}
		return 1;
	case JSON_INTEGER:
		if (json_integer_value(a) != json_integer_value(b)) {
			snprintf(why, why_cap, "integers differ");
			return 0;
		}
		return 1;
	case JSON_REAL:
		st->reals++;
		if (json_real_value(a) != json_real_value(b))
			st->reals_inexact++;
		if (!jdiff_reals_close(json_real_value(a), json_real_value(b))) {
			snprintf(why, why_cap, "reals %.17g vs %.17g", json_real_value(a),
				 json_real_value(b));
			return 0;
		}
		return 1;
	default:
		return 1;   /* true, false, null: the type says it all */
	}
}

/*
 * jansson accepted data, jdoc did not, and data holds NUL bytes: is it
 * jansson's lost NUL? jdoc must accept the bytes without the NULs, with
 * the values jansson found.
 */
static int jdiff_lost_nul(const void *data, size_t len, const json_t *jv,
			  struct jdiff_stats *st)
{
	struct oidc_jdoc doc = { NULL, 0, 0 };
	char *buf = malloc(len + 1), why[8];
	json_t *mine = NULL;
	size_t n = 0;
	int ok = 0;

	if (!buf || !memchr(data, 0, len)) {
		free(buf);
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (((const char *)data)[i])
			buf[n++] = ((const char *)data)[i];
	if (oidc_jdoc_parse(&doc, buf, n, NULL) == OIDC_OK) {
		mine = tj_from_jdoc(&doc, oidc_jdoc_root(&doc));
		ok = mine && jdiff_equal(mine, jv, st, why, sizeof(why));
	}
	json_decref(mine);
	oidc_jdoc_clear(&doc);
	free(buf);
	return ok;
}

/* The writer's text for doc: sorted or in document order (malloc'd). */
static char *jdiff_write(const struct oidc_jdoc *doc, bool sort_keys)
{
	struct oidc_jwriter w;

	oidc_jw_init(&w, 0, false);
	oidc_jw_node(&w, doc, oidc_jdoc_root(doc), sort_keys);
	return oidc_jw_finish(&w, NULL);
}

/* The writer against json_dumps on the same values, and its own text
 * read back; 1 when all agree. */
static int jdiff_writer(const struct oidc_jdoc *doc, const json_t *mine,
			char *why, size_t why_cap)
{
	struct oidc_jdoc_owned again = { { NULL, 0, 0 }, NULL, 0 };
	int ok = 1;

	for (int sorted = 0; sorted < 2 && ok; sorted++) {
		char *text = jdiff_write(doc, sorted);
		char *want = json_dumps(mine, JSON_COMPACT | (sorted ? JSON_SORT_KEYS : 0));
		char *text2 = NULL;

		if (!text || !want || strcmp(text, want) != 0) {
			snprintf(why, why_cap, "writer%s differs from json_dumps: %.40s | %.40s",
				 sorted ? " (sorted)" : "", text ? text : "(failed)",
				 want ? want : "(failed)");
			ok = 0;
		} else if (oidc_jdoc_parse_copy(&again, text, strlen(text), NULL) != OIDC_OK ||
			   !(text2 = jdiff_write(&again.doc, sorted)) ||
			   strcmp(text, text2) != 0) {
			snprintf(why, why_cap, "writer text does not read back the same");
			ok = 0;
		}
		free(text);
		free(text2);
		free(want);
	}
	oidc_jdoc_owned_clear(&again);
	return ok;
}

/* One input through both parsers; why (if not SAME) says what differs. */
static enum jdiff_result jdiff_check(const void *data, size_t len,
				     struct jdiff_stats *st, char *why,
				     size_t why_cap)
{
	struct oidc_jdoc doc = { NULL, 0, 0 };
	enum jdiff_result res = JDIFF_SAME;
	json_error_t jerr;
	json_t *jv, *mine = NULL;
	enum oidc_status s;
	char *buf = malloc(len + 1);
	int jok;

	why[0] = '\0';
	if (!buf) {
		snprintf(why, why_cap, "out of memory");
		return JDIFF_MISMATCH;
	}
	memcpy(buf, data, len);
	s = oidc_jdoc_parse(&doc, buf, len, NULL);
	jv = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	jok = jv && json_is_object(jv);
	st->total++;
	if (s == OIDC_OK && !jok) {
		snprintf(why, why_cap, "jdoc accepts, jansson refuses (%.60s)",
			 jv ? "not an object" : jerr.text);
		res = JDIFF_MISMATCH;
	} else if (s != OIDC_OK && jok) {
		if (s == OIDC_E_MALFORMED && jdiff_depth(jv) > OIDC_JSON_DEPTH_MAX) {
			res = JDIFF_KNOWN_DEPTH;
		} else if (s == OIDC_E_MALFORMED && jdiff_lost_nul(data, len, jv, st)) {
			res = JDIFF_KNOWN_NUL;
		} else {
			snprintf(why, why_cap, "jdoc refuses (%s), jansson accepts",
				 oidc_status_name(s));
			res = JDIFF_MISMATCH;
		}
	} else if (s == OIDC_OK) {
		mine = tj_from_jdoc(&doc, oidc_jdoc_root(&doc));
		if (!mine) {
			snprintf(why, why_cap, "tj_from_jdoc failed");
			res = JDIFF_MISMATCH;
		} else if (!jdiff_equal(mine, jv, st, why, why_cap)) {
			res = JDIFF_MISMATCH;
		} else if (!jdiff_writer(&doc, mine, why, why_cap)) {
			res = JDIFF_MISMATCH;
		} else {
			st->written++;
		}
	}
	if (res == JDIFF_SAME && s == OIDC_OK)
		st->accepted++;
	else if (res == JDIFF_SAME)
		st->refused++;
	else if (res == JDIFF_KNOWN_DEPTH)
		st->known_depth++;
	else if (res == JDIFF_KNOWN_NUL)
		st->known_nul++;
	else
		st->mismatches++;
	json_decref(mine);
	json_decref(jv);
	oidc_jdoc_clear(&doc);
	free(buf);
	return res;
}

#endif /* OIDC_JDOC_DIFF_H */
