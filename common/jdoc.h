/* SPDX-License-Identifier: MIT */
/*
 * jdoc.h - the core's one JSON parser, a strict, read-only document, and
 * its writer. Internal to common/.
 *
 * The core links no JSON library: a host process that exports a library's
 * generic names (postgres exports json_object) would otherwise bind the
 * plugins' calls to its own functions (issue 11). And jansson spends ~20 ns
 * per byte and one allocation per value; a claim set would cost more to
 * parse than an RSA verify. This parser works in place on the decoded
 * segment (closing quotes become NULs, escapes are undone in place), fills
 * one array of nodes, and allocates nothing else.
 *
 * The rules (RFC 8259 and checklist C4/C5): the root is an object; duplicate member names are rejected; no
 * trailing data except JSON whitespace; nesting at most OIDC_JSON_DEPTH_MAX;
 * strings are valid UTF-8 with no raw control characters, no lone
 * surrogates (escaped or not) and no \u0000; a UTF-8 BOM is rejected;
 * numbers follow the RFC 8259 grammar (no leading zeros, no '+', no NaN or
 * Infinity); integers outside int64 and reals that overflow a double are
 * rejected. Real numbers are converted without the C locale functions (the
 * host process may have set LC_NUMERIC); jdoc_num.c states their precision.
 * One place is stricter than jansson 2.14: a NUL byte right after a literal
 * or a number, which jansson skips, is refused like any NUL outside a
 * string. tests/unit/jdoc_diff.h lists every difference from jansson (the
 * differential tests still compare with it), and those points apply to
 * provider documents too (docs/troubleshooting.md).
 *
 * Documents from elsewhere (JWKS, discovery metadata, introspection and
 * userinfo answers, token endpoint answers, cache entries, token files)
 * are parsed from a copy the document owns (oidc_jdoc_parse_copy), with
 * the same rules; answers several threads read at once are shared as an
 * immutable oidc_jshared. jwrite.c writes JSON text (oidc_jwriter).
 */
#ifndef OIDC_JDOC_H
#define OIDC_JDOC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A document over a copy of its text that it owns. */
struct oidc_jdoc_owned {
	struct oidc_jdoc doc;
	char *text;        /* the copy the strings point into, or NULL */
	size_t text_len;
};

/*
 * Parse a copy of buf[0..len), which is neither modified nor required to
 * be NUL-terminated: for every document that does not come from a token.
 * The same rules as oidc_jdoc_parse. od may be reused (its previous copy
 * is dropped); on failure it holds nothing, so the caller has nothing to
 * clear. OIDC_E_MALFORMED, OIDC_E_NOMEM.
 */
enum oidc_status oidc_jdoc_parse_copy(struct oidc_jdoc_owned *od,
				      const void *buf, size_t len,
				      struct oidc_error *err);
/* Free the nodes and the copy (wiped: token endpoint answers and token
 * files hold tokens). NULL-safe. */
void oidc_jdoc_owned_clear(struct oidc_jdoc_owned *od);

/*
 * A parsed document that several threads read at once (the introspection
 * and userinfo cache hands one answer to every thread that asks): one
 * allocation with its own copy of the text, never changed after
 * oidc_jshared_parse returned; a C11 atomic count of references orders
 * every reader's last access before the free.
 */
struct oidc_jshared {
	struct oidc_jdoc_owned own;  /* read it as &sh->own.doc */
	atomic_uint refs;
};

/* Parse a copy of buf as oidc_jdoc_parse_copy; one reference. */
enum oidc_status oidc_jshared_parse(const void *buf, size_t len,
				    struct oidc_jshared **out,
				    struct oidc_error *err);
/* One more reference (NULL-safe); returns sh. */
struct oidc_jshared *oidc_jshared_ref(struct oidc_jshared *sh);
/* Drop one; the last frees it. *sh is set to NULL. NULL-safe. */
void oidc_jshared_unref(struct oidc_jshared **sh);

/* The root object, or NULL for an empty/failed doc. */
const struct oidc_jnode *oidc_jdoc_root(const struct oidc_jdoc *doc);
/* Member name of obj, or NULL when absent or obj is not an object. */
const struct oidc_jnode *oidc_jobj_get(const struct oidc_jdoc *doc,
				       const struct oidc_jnode *obj,
				       const char *name);
/* String member (borrowed) or NULL when absent or not a string. */
const char *oidc_jobj_str(const struct oidc_jdoc *doc,
			  const struct oidc_jnode *obj, const char *name);
/* The same for a member of the root object. */
const struct oidc_jnode *oidc_jdoc_get(const struct oidc_jdoc *doc,
				       const char *name);
const char *oidc_jdoc_str(const struct oidc_jdoc *doc, const char *name);
/* true with *out when v is a JSON integer (no fraction, no exponent). */
bool oidc_jnode_int(const struct oidc_jnode *v, int64_t *out);
/*
 * NumericDate member (RFC 7519 2: a JSON number, truncated toward negative
 * infinity, clamped to +-2^62): 1 valid, 0 absent, -1 present but not a
 * number (caller: OIDC_E_BAD_CLAIM).
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

/* ---- writing (jwrite.c) ------------------------------------------------ */

/*
 * JSON text built in one growing buffer, compact (no whitespace), as
 * jansson's json_dumps(JSON_COMPACT) writes it: RFC 8259 7 escapes for '"',
 * '\\' and the controls (\b \f \n \r \t, else \u00XX), everything else
 * as UTF-8; integers in decimal; reals as %.17g with a '.' whatever the
 * locale (and ".0" when the digits alone would read as an integer).
 * Strings must be valid UTF-8 without NUL bytes, reals finite: anything
 * else, running out of memory or passing max bytes fails the writer, and
 * oidc_jw_finish then returns NULL. So whatever it writes parses with jdoc
 * again. The caller writes the structure in order (a key before each
 * member value); the writer puts the commas and colons.
 */
struct oidc_jwriter {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;      /* bytes of text allowed (0: OIDC_JW_MAX_DEFAULT) */
	bool failed;
	bool comma;      /* the next value or key is not the first one */
	bool secret;     /* wipe every buffer let go (token files) */
};

#define OIDC_JW_MAX_DEFAULT ((size_t)16 << 20)

void oidc_jw_init(struct oidc_jwriter *w, size_t max, bool secret);
void oidc_jw_object_begin(struct oidc_jwriter *w);
void oidc_jw_object_end(struct oidc_jwriter *w);
void oidc_jw_array_begin(struct oidc_jwriter *w);
void oidc_jw_array_end(struct oidc_jwriter *w);
/* A member name (len bytes) of the object being written. */
void oidc_jw_key(struct oidc_jwriter *w, const char *name, size_t len);
void oidc_jw_string(struct oidc_jwriter *w, const char *s, size_t len);
void oidc_jw_int(struct oidc_jwriter *w, int64_t v);
void oidc_jw_real(struct oidc_jwriter *w, double v);
void oidc_jw_bool(struct oidc_jwriter *w, bool v);
void oidc_jw_null(struct oidc_jwriter *w);
/* Shorthands: key then a NUL-terminated string / an integer. */
void oidc_jw_member_str(struct oidc_jwriter *w, const char *name,
			const char *s);
void oidc_jw_member_int(struct oidc_jwriter *w, const char *name, int64_t v);
/*
 * node and its subtree; sort_keys: the members of every object in byte
 * order of their names (jansson's JSON_SORT_KEYS), else document order.
 */
void oidc_jw_node(struct oidc_jwriter *w, const struct oidc_jdoc *doc,
		  const struct oidc_jnode *node, bool sort_keys);
/*
 * The text (malloc'd, NUL-terminated; *len_out its length when non-NULL)
 * and the writer reset; NULL when the writer failed (its buffer is freed).
 */
char *oidc_jw_finish(struct oidc_jwriter *w, size_t *len_out);
/* Drop the text (wiped when secret). NULL-safe. */
void oidc_jw_clear(struct oidc_jwriter *w);

#endif /* OIDC_JDOC_H */
