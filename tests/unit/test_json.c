/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - strict JSON objects and NumericDate (common/json.c,
 * checklist C4, C5, D3): duplicates, NUL, depth, trailing data, encodings,
 * and every JSON type where a date is expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static enum oidc_status parse(const char *s, json_t **out)
{
	struct oidc_error err;
	json_t *v = NULL;
	enum oidc_status st = oidc_json_parse_object(s, strlen(s), &v, &err);

	if (out)
		*out = v;
	else
		json_decref(v);
	return st;
}

static void test_objects(void)
{
	static const char *const good[] = {
		"{}", " {\"a\":1} ", "{\"a\":{\"b\":[1,2,{\"c\":null}]}}",
		"{\r\n \"alg\" : \"RS256\"\t}", "{\"s\":\"caf\\u00e9 \\ud83d\\ude00\"}",
		"{\"a\":\"{{{{{{{{{{{{{{{{{{{{\"}", "{\"a\":\"\\\"{{{{{{{{{{{{{{{{{{{{\"}",
	};
	static const char *const bad[] = {
		"", " ", "[]", "\"str\"", "1", "null", "true",
		"{\"a\":1,\"a\":2}",                    /* duplicate member (C4) */
		"{\"alg\":\"none\",\"alg\":\"RS256\"}", /* the classic */
		"{\"a\":{\"b\":1,\"b\":1}}",            /* nested duplicate */
		"{\"a\":\"x\\u0000y\"}",                /* NUL in a string */
		"{\"a\\u0000\":1}",                     /* NUL in a name */
		"{\"a\":1} x",                          /* trailing data */
		"{\"a\":1}{}",
		"{\"a\":1,}",                           /* trailing comma */
		"{'a':1}",
		"{\"a\":\"\\ud800\"}",                  /* lone surrogate */
		"{\"a\":\"\xff\"}",                     /* invalid UTF-8 */
		"\xef\xbb\xbf{\"a\":1}",                /* UTF-8 BOM */
		"{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e400}",
		"{\"a\":99999999999999999999}",         /* beyond int64 */
		"{\"a\":01}",
	};
	json_t *v = NULL;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		CHECK_STATUS(parse(good[i], NULL), OIDC_OK, "good object %zu", i);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_STATUS(parse(bad[i], NULL), OIDC_E_MALFORMED, "bad object %zu", i);
	CHECK_STATUS(oidc_json_parse_object("{\"a\":1}\0", 8, &v, NULL), OIDC_E_MALFORMED,
		     "NUL after the object");
	CHECK(v == NULL, "no output on failure");
	CHECK_STATUS(oidc_json_parse_object("{\"a\":1}xyz", 7, &v, NULL), OIDC_OK,
		     "length bounds the input");
	json_decref(v);
	CHECK_STATUS(parse("{\"s\":\"v\",\"n\":1,\"o\":{}}", &v), OIDC_OK, "members");
	CHECK(v && strcmp(oidc_json_str(v, "s"), "v") == 0 && !oidc_json_str(v, "n") &&
		      !oidc_json_str(v, "o") && !oidc_json_str(v, "missing"),
	      "oidc_json_str only returns strings");
	json_decref(v);
}

/* n levels of nesting: n objects inside each other. */
static char *nested(int n, char open, char close)
{
	char *s = malloc((size_t)n * 6 + 8);
	size_t o = 0;

	s[o++] = '{';
	for (int i = 1; i < n; i++) {
		memcpy(s + o, "\"a\":", 4);
		o += 4;
		s[o++] = open;
		if (open == '[')
			s[o++] = '{';
	}
	s[o++] = '\0';
	/* close everything again */
	size_t l = strlen(s);
	char *t = malloc(l * 2 + 8);
	memcpy(t, s, l);
	for (int i = 1; i < n; i++) {
		if (open == '[')
			t[l++] = '}';
		t[l++] = close;
	}
	t[l++] = '}';
	t[l] = '\0';
	free(s);
	return t;
}

static void test_depth(void)
{
	char *s;

	s = nested(OIDC_JSON_DEPTH_MAX, '{', '}');
	CHECK_STATUS(parse(s, NULL), OIDC_OK, "%d nested objects", OIDC_JSON_DEPTH_MAX);
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX + 1, '{', '}');
	CHECK_STATUS(parse(s, NULL), OIDC_E_MALFORMED, "%d nested objects (C5)",
		     OIDC_JSON_DEPTH_MAX + 1);
	free(s);
	s = nested(5000, '{', '}');
	CHECK_STATUS(parse(s, NULL), OIDC_E_MALFORMED, "5000 nested objects");
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX / 2 + 1, '[', ']');
	CHECK_STATUS(parse(s, NULL), OIDC_E_MALFORMED, "arrays count as levels too");
	free(s);
}

static void test_numericdate(void)
{
	static const struct {
		const char *json;
		int ret;
		int64_t value;
	} cases[] = {
		{ "{\"d\":1700000000}", 1, 1700000000 },
		{ "{\"d\":0}", 1, 0 },
		{ "{\"d\":-5}", 1, -5 },
		{ "{\"d\":1.7e9}", 1, 1700000000 },
		{ "{\"d\":1700000000.9}", 1, 1700000000 },
		{ "{\"d\":-1.5}", 1, -2 },                       /* toward -infinity */
		{ "{\"d\":1e300}", 1, INT64_C(4611686018427387904) },
		{ "{\"d\":-1e300}", 1, -INT64_C(4611686018427387904) },
		{ "{\"d\":9223372036854775807}", 1, INT64_C(4611686018427387904) },
		{ "{\"d\":-9223372036854775808}", 1, -INT64_C(4611686018427387904) },
		{ "{\"d\":4611686018427387903}", 1, INT64_C(4611686018427387903) },
		{ "{\"d\":\"1700000000\"}", -1, 0 },              /* string (D3) */
		{ "{\"d\":true}", -1, 0 },
		{ "{\"d\":null}", -1, 0 },
		{ "{\"d\":[1]}", -1, 0 },
		{ "{\"d\":{}}", -1, 0 },
		{ "{\"x\":1}", 0, 0 },
	};
	json_t *v = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int64_t out = 42;
		int r;

		if (parse(cases[i].json, &v) != OIDC_OK) {
			CHECK(0, "numericdate case %zu parses", i);
			continue;
		}
		r = oidc_json_numericdate(v, "d", &out);
		CHECK(r == cases[i].ret && (r != 1 || out == cases[i].value) &&
			      (r == 1 || out == 42),
		      "numericdate %s -> %d %lld", cases[i].json, r, (long long)out);
		json_decref(v);
	}
	/* NaN and infinity cannot come from JSON text; a real made in code can. */
	v = json_object();
	json_object_set_new(v, "d", json_real(1e308 * 10));
	int64_t out = 0;
	CHECK(json_object_get(v, "d") == NULL || oidc_json_numericdate(v, "d", &out) == -1,
	      "infinite real is not a date");
	json_decref(v);
}

int main(void)
{
	test_objects();
	test_depth();
	test_numericdate();
	return test_done();
}
