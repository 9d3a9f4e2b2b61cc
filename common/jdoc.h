/* SPDX-License-Identifier: MIT */
/*
 * jdoc.h - a strict, read-only JSON document for the per-token hot path
 * (JOSE headers and claim sets). Internal to common/.
 *
 * Why not jansson here: jansson spends ~20 ns per byte and one allocation
 * per value; a claim set costs more to parse than an RSA verify. This
 * parser works in place on the decoded segment (closing quotes become NULs,
 * escapes are undone in place), fills one array of nodes, and allocates
 * nothing else. jansson stays for JWKS, configuration and other cold paths.
 *
 * Strictness is the same as oidc_json_parse_object (RFC 8259 and checklist
 * C4/C5): the root is an object; duplicate member names are rejected; no
 * trailing data except JSON whitespace; nesting at most OIDC_JSON_DEPTH_MAX;
 * strings are valid UTF-8 with no raw control characters, no lone
 * surrogates (escaped or not) and no \u0000; a UTF-8 BOM is rejected;
 * numbers follow the RFC 8259 grammar (no leading zeros, no '+', no NaN or
 * Infinity); integers outside int64 and reals that overflow a double are
 * rejected. Real numbers are converted without the C locale functions (the
 * host process may have set LC_NUMERIC); jdoc_num.c states their precision.
 * One place is stricter than jansson 2.14: a NUL byte right after a literal
 * or a number, which jansson skips, is refused like any NUL outside a
 * string. tests/unit/jdoc_diff.h lists every difference from jansson.
 */
#ifndef OIDC_JDOC_H
#define OIDC_JDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "oidc.h"

enum oidc_jtype {
	OIDC_JNULL = 0,
	OIDC_JFALSE,
	OIDC_JTRUE,
	OIDC_JINT,
	OIDC_JREAL,
	OIDC_JSTRING,
	OIDC_JARRAY,
	OIDC_JOBJECT,
};

/*
 * One value. The children of an array or object node at index i are the
 * nodes i+1 .. end-1; a child's own "end" is the index of its next sibling.
 */
struct oidc_jnode {
	const char *key;       /* member name when the parent is an object
				  (NUL-terminated, key_len bytes), else NULL */
	union {
		const char *s;     /* OIDC_JSTRING: NUL-terminated, len bytes */
		int64_t i;         /* OIDC_JINT; OIDC_JOBJECT: jdoc.c's filter
				      of member names (0 in a document built
				      by hand: no filter) */
		double d;          /* OIDC_JREAL */
	} v;
	uint32_t key_len;
	uint32_t len;          /* STRING: bytes; ARRAY/OBJECT: children */
	uint32_t end;          /* index one past this node's subtree */
	uint8_t type;          /* enum oidc_jtype */
};

struct oidc_jdoc {
	struct oidc_jnode *nodes;  /* owned; nodes[0] is the root object */
	uint32_t n;
	uint32_t cap;
};

/*
 * Parse buf[0..len) in place; buf[len] must exist and be writable (the
 * decoded-segment buffers of jws.c are NUL-terminated). The strings of the
 * document point into buf, which must outlive the document. A doc may be
 * reused: parse clears it first (and keeps its node array).
 * OIDC_E_MALFORMED with a detail saying what and where; OIDC_E_NOMEM.
 */
enum oidc_status oidc_jdoc_parse(struct oidc_jdoc *doc, char *buf, size_t len,
				 struct oidc_error *err);
/* Free the node array; the doc can be reused or dropped. NULL-safe. */
void oidc_jdoc_clear(struct oidc_jdoc *doc);

/* The root object, or NULL for an empty/failed doc. */
const struct oidc_jnode *oidc_jdoc_root(const struct oidc_jdoc *doc);
/* Member name of obj, or NULL when absent or obj is not an object. */
const struct oidc_jnode *oidc_jobj_get(const struct oidc_jdoc *doc,
				       const struct oidc_jnode *obj,
				       const char *name);
/* String member (borrowed) or NULL when absent or not a string. */
const char *oidc_jobj_str(const struct oidc_jdoc *doc,
			  const struct oidc_jnode *obj, const char *name);
/*
 * NumericDate member, same contract as oidc_json_numericdate: 1 valid,
 * 0 absent, -1 present but not a number.
 */
int oidc_jobj_numericdate(const struct oidc_jdoc *doc,
			  const struct oidc_jnode *obj, const char *name,
			  int64_t *out);
/* The same for a member already found (v NULL: 0, absent). */
int oidc_jnode_numericdate(const struct oidc_jnode *v, int64_t *out);
/* First child of an array/object node, then the next one; NULL at the end. */
const struct oidc_jnode *oidc_jnode_first(const struct oidc_jdoc *doc,
					  const struct oidc_jnode *parent);
const struct oidc_jnode *oidc_jnode_next(const struct oidc_jdoc *doc,
					 const struct oidc_jnode *parent,
					 const struct oidc_jnode *child);

/*
 * A new jansson value equal to node (and its subtree), or NULL (out of
 * memory, NULL arguments). Cold path: the CLI's claim printing, tests.
 */
json_t *oidc_jdoc_to_jansson(const struct oidc_jdoc *doc,
			     const struct oidc_jnode *node);

#endif /* OIDC_JDOC_H */
