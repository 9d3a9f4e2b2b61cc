/* SPDX-License-Identifier: MIT */
/*
 * test_jwrite.c - the JSON writer (common/jwrite.c): RFC 8259 7 escaping
 * against expected bytes, structure (commas, colons, empty and nested
 * containers), everything that must fail the writer instead of writing
 * text jdoc would refuse (bad UTF-8, NUL, non-finite reals, the size
 * limit), reals as jansson writes them also under locales whose decimal
 * point is ',' or a two-byte character, and a round trip through Python's
 * json module: documents Python wrote, read by jdoc, written by the
 * writer, read back by Python, must be the same values in the same order.
 * The byte-for-byte comparison with json_dumps on thousands of documents
 * is in tests/unit/jdoc_diff.h (test_jdoc_diff, fuzz_jdoc).
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

#define RT_DOCS 400

/* The text of one string value, or "(failed)". */
static char *one_string(const char *s, size_t len)
{
	struct oidc_jwriter w;
	char *t;

	oidc_jw_init(&w, 0, false);
	oidc_jw_string(&w, s, len);
	t = oidc_jw_finish(&w, NULL);
	return t ? t : strdup("(failed)");
}

static char *one_real(double v)
{
	struct oidc_jwriter w;
	char *t;

	oidc_jw_init(&w, 0, false);
	oidc_jw_real(&w, v);
	t = oidc_jw_finish(&w, NULL);
	return t ? t : strdup("(failed)");
}

#define S(x) x, sizeof(x) - 1

static void test_escapes(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ S(""), "\"\"" },
		{ S("plain ascii 123"), "\"plain ascii 123\"" },
		{ S("q\"b\\s/"), "\"q\\\"b\\\\s/\"" },
		{ S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
		{ S("\x01\x1f"), "\"\\u0001\\u001F\"" },
		{ S("\x7f"), "\"\x7f\"" },                      /* DEL is text */
		{ S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ S("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"" },      /* U+2028 as is */
		{ S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"" }, /* U+10FFFF */
	};
	static const struct {
		const char *name;
		const char *in;
		size_t len;
	} bad[] = {
		{ "a NUL byte", S("a\0b") },
		{ "a lone continuation byte", S("\x80") },
		{ "an overlong '/'", S("\xc0\xaf") },
		{ "an overlong three-byte form", S("\xe0\x80\xaf") },
		{ "a UTF-16 surrogate", S("\xed\xa0\x80") },
		{ "above U+10FFFF", S("\xf4\x90\x80\x80") },
		{ "0xff", S("\xff") },
		{ "a sequence cut by the length", S("\xe2\x82") },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *t = one_string(cases[i].in, cases[i].len);

		CHECK(strcmp(t, cases[i].want) == 0, "escape case %zu -> %s", i, t);
		free(t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *t = one_string(bad[i].in, bad[i].len);

		CHECK(strcmp(t, "(failed)") == 0, "string with %s fails the writer", bad[i].name);
		free(t);
	}
	/* A sequence cut short by len, though the bytes after it complete it. */
	{
		char *t = one_string("\xe2\x82\xac", 2);

		CHECK(strcmp(t, "(failed)") == 0, "len bounds a UTF-8 sequence");
		free(t);
	}
}

static void test_structure(void)
{
	struct oidc_jwriter w;
	char *t;
	size_t len = 0;

	oidc_jw_init(&w, 0, false);
	oidc_jw_object_begin(&w);
	oidc_jw_member_str(&w, "a", "x");
	oidc_jw_key(&w, "b", 1);
	oidc_jw_array_begin(&w);
	oidc_jw_int(&w, 1);
	oidc_jw_array_begin(&w);
	oidc_jw_array_end(&w);
	oidc_jw_object_begin(&w);
	oidc_jw_object_end(&w);
	oidc_jw_null(&w);
	oidc_jw_bool(&w, true);
	oidc_jw_bool(&w, false);
	oidc_jw_array_end(&w);
	oidc_jw_member_int(&w, "c", INT64_MIN);
	oidc_jw_key(&w, "d", 1);
	oidc_jw_object_begin(&w);
	oidc_jw_member_int(&w, "e", INT64_MAX);
	oidc_jw_object_end(&w);
	oidc_jw_object_end(&w);
	t = oidc_jw_finish(&w, &len);
	CHECK(t && strcmp(t, "{\"a\":\"x\",\"b\":[1,[],{},null,true,false],"
		       "\"c\":-9223372036854775808,\"d\":{\"e\":9223372036854775807}}") == 0 &&
		      len == strlen(t),
	      "nested structure: commas and colons in place (%s)", t ? t : "NULL");
	free(t);
	CHECK(w.buf == NULL && w.len == 0, "finish hands the buffer over");

	oidc_jw_init(&w, 0, false);
	oidc_jw_object_begin(&w);
	oidc_jw_object_end(&w);
	t = oidc_jw_finish(&w, NULL);
	CHECK(t && strcmp(t, "{}") == 0, "empty object");
	free(t);

	/* The limit counts text bytes: 7 fit "{\"a\":1}", 6 do not. */
	for (size_t max = 6; max <= 7; max++) {
		oidc_jw_init(&w, max, false);
		oidc_jw_object_begin(&w);
		oidc_jw_member_int(&w, "a", 1);
		oidc_jw_object_end(&w);
		t = oidc_jw_finish(&w, NULL);
		CHECK((t != NULL) == (max == 7), "max %zu bytes: %s", max, t ? t : "refused");
		free(t);
	}

	/* A secret writer grows by copying (nothing left in a freed block). */
	oidc_jw_init(&w, 0, true);
	oidc_jw_object_begin(&w);
	for (int i = 0; i < 200; i++)
		oidc_jw_member_str(&w, i % 2 ? "refresh_token" : "access_token",
				   "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln");
	oidc_jw_object_end(&w);
	t = oidc_jw_finish(&w, &len);
	CHECK(t && len > 10000 && t[len - 1] == '}' && strlen(t) == len,
	      "secret writer: %zu bytes through several grows", len);
	free(t);

	oidc_jw_init(&w, 0, false);
	oidc_jw_member_str(&w, NULL, "x");
	oidc_jw_string(&w, "y", 1);
	t = oidc_jw_finish(&w, NULL);
	CHECK(t == NULL && w.buf == NULL, "a NULL name fails, and the failure sticks");
	oidc_jw_clear(&w);
	oidc_jw_clear(NULL);
}

static const struct {
	double v;
	const char *want;
} reals[] = {
	{ 1.5, "1.5" },
	{ 100.0, "100.0" },
	{ -0.0, "-0.0" },
	{ 0.1, "0.10000000000000001" },
	{ 1e22, "1e22" },
	{ 1e-5, "1.0000000000000001e-5" },
	{ 1.5e300, "1.5000000000000001e300" },
	{ -2.5e-308, "-2.4999999999999998e-308" },
	{ 5e-324, "4.9406564584124654e-324" },
	{ 1700000000.5, "1700000000.5" },
	{ 12345678901234567890.0, "1.2345678901234567e19" },
};

static void check_reals(const char *where)
{
	for (size_t i = 0; i < sizeof(reals) / sizeof(*reals); i++) {
		char *t = one_real(reals[i].v);

		CHECK(strcmp(t, reals[i].want) == 0, "%s: real %s (got %s)", where,
		      reals[i].want, t);
		free(t);
	}
}

static void test_reals(void)
{
	char *t;

	check_reals("C locale");
	t = one_real(NAN);
	CHECK(strcmp(t, "(failed)") == 0, "NaN fails the writer");
	free(t);
	t = one_real(-INFINITY);
	CHECK(strcmp(t, "(failed)") == 0, "infinity fails the writer");
	free(t);
}

/*
 * A host may set LC_NUMERIC (the core must not touch it): the same reals
 * under de_DE (decimal comma) and ps_AF (U+066B, two bytes), compiled
 * into a private LOCPATH with localedef.
 */
static void test_locales(void)
{
	static const char *const names[] = { "de_DE", "ps_AF" };
	char dir[] = "/tmp/oidc-jwrite-XXXXXX", cmd[512];

	if (!mkdtemp(dir)) {
		CHECK(0, "locale folder");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char loc[32];

		snprintf(loc, sizeof(loc), "%s.UTF-8", names[i]);
		snprintf(cmd, sizeof(cmd),
			 "localedef -i %s -f UTF-8 %s/%s >/dev/null 2>&1", names[i], dir,
			 loc);
		/* localedef warns and exits 1 for some sources yet writes them */
		if (system(cmd) == -1)
			CHECK(0, "run localedef");
		setenv("LOCPATH", dir, 1);
		if (!CHECK(setlocale(LC_NUMERIC, loc) != NULL,
			   "locale %s built with localedef (package locales)", loc))
			continue;
		char probe[16];
		snprintf(probe, sizeof(probe), "%.1f", 1.5);
		CHECK(strcmp(probe, "1.5") != 0, "%s: printf's decimal point is %s", loc,
		      probe);
		check_reals(loc);
		setlocale(LC_NUMERIC, "C");
	}
	unsetenv("LOCPATH");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) == -1)
		CHECK(0, "remove %s", dir);
}

/* Documents from a JSON tree (the node arrays jdoc fills) written back. */
static void test_node(void)
{
	static const char text[] =
		"{\"z\":1,\"a\":[true,{\"y\":null,\"b\":\"\\u00e9\\n\"}],\"m\":-1.25e-3,"
		"\"aa\":{},\"\":\"e\"}";
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	struct oidc_jwriter w;
	char *t;

	CHECK_STATUS(oidc_jdoc_parse_copy(&od, text, sizeof(text) - 1, NULL), OIDC_OK,
		     "document parses");
	oidc_jw_init(&w, 0, false);
	oidc_jw_node(&w, &od.doc, oidc_jdoc_root(&od.doc), false);
	t = oidc_jw_finish(&w, NULL);
	CHECK(t && strcmp(t, "{\"z\":1,\"a\":[true,{\"y\":null,\"b\":\"\xc3\xa9\\n\"}],"
		       "\"m\":-0.00125,\"aa\":{},\"\":\"e\"}") == 0,
	      "document order kept (%s)", t ? t : "NULL");
	free(t);
	oidc_jw_init(&w, 0, false);
	oidc_jw_node(&w, &od.doc, oidc_jdoc_root(&od.doc), true);
	t = oidc_jw_finish(&w, NULL);
	CHECK(t && strcmp(t, "{\"\":\"e\",\"a\":[true,{\"b\":\"\xc3\xa9\\n\",\"y\":null}],"
		       "\"aa\":{},\"m\":-0.00125,\"z\":1}") == 0,
	      "sorted members, nested objects too (%s)", t ? t : "NULL");
	free(t);
	oidc_jw_init(&w, 0, false);
	oidc_jw_node(&w, &od.doc, NULL, false);
	CHECK(oidc_jw_finish(&w, NULL) == NULL, "no node fails the writer");
	oidc_jdoc_owned_clear(&od);
}

/*
 * Python writes RT_DOCS documents (tests/unit/jwrite_roundtrip.py gen),
 * jdoc reads each and the writer writes it again, Python reads that and
 * compares values and member order with what it wrote.
 */
static void test_python_roundtrip(void)
{
	const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	char path[] = "/tmp/oidc-jwrite-rt-XXXXXX", cmd[512], result[256];
	unsigned long docs = 0, parsed = 0, written = 0;
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t got;
	FILE *in, *out;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		CHECK(0, "round trip: temporary file");
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s tests/unit/jwrite_roundtrip.py gen %d", py, RT_DOCS);
	in = popen(cmd, "r");
	while (in && (got = getline(&line, &line_cap, in)) > 0) {
		struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
		size_t n = (size_t)got - (line[got - 1] == '\n');
		struct oidc_jwriter w;
		char *t = NULL;

		docs++;
		if (oidc_jdoc_parse_copy(&od, line, n, NULL) == OIDC_OK) {
			parsed++;
			oidc_jw_init(&w, 0, false);
			oidc_jw_node(&w, &od.doc, oidc_jdoc_root(&od.doc), false);
			t = oidc_jw_finish(&w, NULL);
		}
		written += t != NULL;
		fprintf(out, "%s\n", t ? t : "null");
		free(t);
		oidc_jdoc_owned_clear(&od);
	}
	free(line);
	CHECK(in && pclose(in) == 0 && docs == RT_DOCS, "round trip: Python wrote %lu documents",
	      docs);
	fclose(out);
	CHECK(parsed == docs && written == docs, "round trip: jdoc read %lu, the writer wrote %lu",
	      parsed, written);
	snprintf(cmd, sizeof(cmd), "%s tests/unit/jwrite_roundtrip.py check %d %s", py,
		 RT_DOCS, path);
	result[0] = '\0';
	in = popen(cmd, "r");
	if (in && !fgets(result, sizeof(result), in))
		result[0] = '\0';
	result[strcspn(result, "\n")] = '\0';
	CHECK(in && pclose(in) == 0 && strncmp(result, "same ", 5) == 0,
	      "round trip: Python reads the same values back (%s)", result);
	unlink(path);
}

int main(void)
{
	test_escapes();
	test_structure();
	test_reals();
	test_node();
	test_python_roundtrip();
	test_locales();
	return test_done();
}
