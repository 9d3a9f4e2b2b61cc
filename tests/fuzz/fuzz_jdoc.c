/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jdoc.c - libFuzzer harness for the in-place JSON parser
 * (common/jdoc*.c, checklist C4, C5): the input is a JSON text.
 *
 * Differential: jdoc and jansson (JSON_REJECT_DUPLICATES, objects only)
 * must agree on the verdict and, when both accept, on the values, up to the
 * intended differences listed in tests/unit/jdoc_diff.h (nesting deeper
 * than 16; reals within a few ulps). Besides, for an accepted document:
 * the node tree is well formed (every subtree inside its parent, child
 * counts right, strings NUL-terminated inside the buffer, members named),
 * every member is found by its own name (the lookup filter never hides
 * one), and NumericDate never fails on a number. Any breach aborts, so
 * libFuzzer reports it as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/jdoc_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_jdoc: %s\n", what);
	abort();
}

static int inside(const char *p, size_t n, const char *buf, size_t len)
{
	return p >= buf && p + n <= buf + len && p[n] == '\0';
}

/* The subtree at i, whose parent ends at parent_end; returns its end. */
static uint32_t check_tree(const struct oidc_jdoc *doc, uint32_t i,
			   uint32_t parent_end, const char *buf, size_t len)
{
	const struct oidc_jnode *n = &doc->nodes[i];
	uint32_t children = 0, c;

	if (n->end <= i || n->end > parent_end)
		fuzz_die("subtree outside its parent");
	if (n->type == OIDC_JSTRING && !inside(n->v.s, n->len, buf, len))
		fuzz_die("string not NUL-terminated inside the buffer");
	if (n->type != OIDC_JARRAY && n->type != OIDC_JOBJECT) {
		if (n->end != i + 1)
			fuzz_die("scalar with children");
		return n->end;
	}
	for (c = i + 1; c < n->end; c = check_tree(doc, c, n->end, buf, len)) {
		const struct oidc_jnode *m = &doc->nodes[c];

		children++;
		if (n->type == OIDC_JOBJECT) {
			const struct oidc_jnode *found;
			int64_t date;

			if (!m->key || !inside(m->key, m->key_len, buf, len))
				fuzz_die("member without a NUL-terminated name");
			/* Names with no NUL inside are found by name. */
			found = oidc_jobj_get(doc, n, m->key);
			if (found != m)
				fuzz_die("a member is not found by its own name");
			if ((m->type == OIDC_JINT || m->type == OIDC_JREAL) &&
			    oidc_jobj_numericdate(doc, n, m->key, &date) != 1)
				fuzz_die("a number is not a NumericDate");
		} else if (m->key) {
			fuzz_die("array element with a name");
		}
	}
	if (children != n->len)
		fuzz_die("child count differs from len");
	return n->end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jdiff_stats st = { 0 };
	struct oidc_jdoc doc = { NULL, 0, 0 };
	char why[160], *buf;

	if (jdiff_check(data, size, &st, why, sizeof(why)) == JDIFF_MISMATCH) {
		fprintf(stderr, "fuzz_jdoc: jdoc and jansson disagree: %s\n", why);
		abort();
	}
	/* An exact-size copy plus the sentinel byte the contract asks for. */
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (oidc_jdoc_parse(&doc, buf, size, NULL) == OIDC_OK) {
		if (!oidc_jdoc_root(&doc) ||
		    check_tree(&doc, 0, doc.n, buf, size) != doc.n)
			fuzz_die("accepted document is not one object tree");
	} else if (oidc_jdoc_root(&doc)) {
		fuzz_die("refused document has a root");
	}
	oidc_jdoc_clear(&doc);
	free(buf);
	return 0;
}
