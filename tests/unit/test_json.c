/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - documents that do not come from a token (JWKS, discovery,
 * introspection and token endpoint answers, cache entries, token files):
 * oidc_jdoc_parse_copy keeps every rule the jansson-based reader had
 * (checklist C4, C5: duplicates, NUL, depth, trailing data, encodings),
 * never touches the caller's buffer, needs no NUL after it, and can be
 * reused; oidc_jshared, the immutable answer the introspection cache hands
 * to several threads, lives exactly as long as its last reference.
 * NumericDate is tested with the accessors in test_jdoc.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define SHARE_THREADS 4
#define SHARE_ROUNDS 20000

static enum oidc_status parse(const char *s)
{
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	struct oidc_error err;
	enum oidc_status st = oidc_jdoc_parse_copy(&od, s, strlen(s), &err);

	oidc_jdoc_owned_clear(&od);
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
	struct oidc_jdoc_owned od = { { NULL, 0, 0 }, NULL, 0 };
	char text[] = "{\"s\":\"v\\n\",\"n\":1}xyz";

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		CHECK_STATUS(parse(good[i]), OIDC_OK, "good object %zu", i);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_STATUS(parse(bad[i]), OIDC_E_MALFORMED, "bad object %zu", i);
	CHECK_STATUS(oidc_jdoc_parse_copy(&od, "{\"a\":1}\0", 8, NULL), OIDC_E_MALFORMED,
		     "NUL after the object");
	CHECK(oidc_jdoc_root(&od.doc) == NULL && od.text == NULL, "nothing kept on failure");
	/* len bounds the input; the copy gets its own NUL; the caller's
	 * bytes (escapes and all) stay as they were */
	CHECK_STATUS(oidc_jdoc_parse_copy(&od, text, 17, NULL), OIDC_OK,
		     "length bounds the input (no NUL needed after it)");
	CHECK(strcmp(text, "{\"s\":\"v\\n\",\"n\":1}xyz") == 0, "the caller's buffer is untouched");
	CHECK(oidc_jdoc_str(&od.doc, "s") && strcmp(oidc_jdoc_str(&od.doc, "s"), "v\n") == 0 &&
		      !oidc_jdoc_str(&od.doc, "n") && !oidc_jdoc_str(&od.doc, "missing"),
	      "members read from the copy; oidc_jdoc_str only returns strings");
	CHECK(od.text && od.text != text && od.text_len == 17, "the document owns its copy");
	/* reuse: the previous copy goes, the new document replaces it */
	CHECK_STATUS(oidc_jdoc_parse_copy(&od, "{\"t\":true}", 10, NULL), OIDC_OK, "reused");
	CHECK(!oidc_jdoc_get(&od.doc, "s") && oidc_jdoc_get(&od.doc, "t") &&
		      oidc_jdoc_get(&od.doc, "t")->type == OIDC_JTRUE,
	      "a reused document holds only the new text");
	CHECK_STATUS(oidc_jdoc_parse_copy(&od, "{\"t\":", 5, NULL), OIDC_E_MALFORMED,
		     "reused, then refused");
	CHECK(!oidc_jdoc_get(&od.doc, "t"), "a refused reuse leaves the document empty");
	CHECK_STATUS(oidc_jdoc_parse_copy(&od, NULL, 3, NULL), OIDC_E_INTERNAL, "NULL text");
	oidc_jdoc_owned_clear(&od);
	oidc_jdoc_owned_clear(&od);
	oidc_jdoc_owned_clear(NULL);
	{
		int64_t v = 0;

		const char *nums = "{\"i\":-7,\"r\":7.0,\"s\":\"7\"}";

		CHECK_STATUS(oidc_jdoc_parse_copy(&od, nums, strlen(nums), NULL), OIDC_OK,
			     "numbers");
		CHECK(oidc_jnode_int(oidc_jdoc_get(&od.doc, "i"), &v) && v == -7 &&
			      !oidc_jnode_int(oidc_jdoc_get(&od.doc, "r"), &v) &&
			      !oidc_jnode_int(oidc_jdoc_get(&od.doc, "s"), &v) &&
			      !oidc_jnode_int(NULL, &v),
		      "oidc_jnode_int: integers only (7.0 is a real, as in jansson)");
		oidc_jdoc_owned_clear(&od);
	}
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
	CHECK_STATUS(parse(s), OIDC_OK, "%d nested objects", OIDC_JSON_DEPTH_MAX);
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX + 1, '{', '}');
	CHECK_STATUS(parse(s), OIDC_E_MALFORMED, "%d nested objects (C5)",
		     OIDC_JSON_DEPTH_MAX + 1);
	free(s);
	s = nested(5000, '{', '}');
	CHECK_STATUS(parse(s), OIDC_E_MALFORMED, "5000 nested objects");
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX / 2 + 1, '[', ']');
	CHECK_STATUS(parse(s), OIDC_E_MALFORMED, "arrays count as levels too");
	free(s);
}

struct sharer {
	struct oidc_jshared *sh;
	unsigned long seen;
};

/* Take and drop references while reading, as cache hits do. */
static void *share_worker(void *arg)
{
	struct sharer *w = arg;

	for (int i = 0; i < SHARE_ROUNDS; i++) {
		struct oidc_jshared *mine = oidc_jshared_ref(w->sh);
		const char *sub = oidc_jdoc_str(&mine->own.doc, "sub");

		w->seen += sub && strcmp(sub, "alice") == 0;
		oidc_jshared_unref(&mine);
	}
	return NULL;
}

static void test_shared(void)
{
	struct oidc_jshared *sh = NULL, *extra;
	struct sharer w[SHARE_THREADS];
	pthread_t th[SHARE_THREADS];
	unsigned long seen = 0;
	int started = 0;

	CHECK_STATUS(oidc_jshared_parse("{\"sub\":\"alice\"}", 15, &sh, NULL), OIDC_OK,
		     "shared answer parsed");
	CHECK_STATUS(oidc_jshared_parse("{\"sub\":", 7, &extra, NULL), OIDC_E_MALFORMED,
		     "a refused answer is not shared");
	CHECK_STATUS(oidc_jshared_parse("{}", 2, NULL, NULL), OIDC_E_INTERNAL, "no output");
	if (!sh)
		return;
	CHECK(atomic_load(&sh->refs) == 1, "one reference when made");
	extra = oidc_jshared_ref(sh);
	CHECK(extra == sh && atomic_load(&sh->refs) == 2, "ref returns the same answer");
	oidc_jshared_unref(&extra);
	CHECK(extra == NULL && atomic_load(&sh->refs) == 1, "unref clears the pointer");
	for (int i = 0; i < SHARE_THREADS; i++) {
		w[i].sh = sh;
		w[i].seen = 0;
		if (pthread_create(&th[i], NULL, share_worker, &w[i]) == 0)
			started++;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		seen += w[i].seen;
	}
	CHECK(started == SHARE_THREADS && seen == (unsigned long)SHARE_THREADS * SHARE_ROUNDS,
	      "%d threads read one answer %d times each", SHARE_THREADS, SHARE_ROUNDS);
	CHECK(atomic_load(&sh->refs) == 1, "every reference taken was dropped");
	/* The last unref frees it (ASan and valgrind runs see any leak). */
	oidc_jshared_unref(&sh);
	CHECK(sh == NULL, "last reference dropped");
	oidc_jshared_unref(&sh);
	oidc_jshared_unref(NULL);
	CHECK(oidc_jshared_ref(NULL) == NULL, "ref of NULL");
}

int main(void)
{
	test_objects();
	test_depth();
	test_shared();
	return test_done();
}
