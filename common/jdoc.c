/* SPDX-License-Identifier: MIT */
/*
 * jdoc.c - the in-place JSON parser of jdoc.h for JOSE headers and claim
 * sets (checklist C4, C5). Numbers are in jdoc_num.c, the accessors in
 * jdoc_access.c.
 *
 * One pass, no recursion: an explicit stack of at most OIDC_JSON_DEPTH_MAX
 * open containers. A NUL sentinel at buf[len] stops every scan, so the
 * inner loops test one byte instead of a byte and a bound. Strings are
 * scanned eight bytes at a time while they are plain ASCII; other bytes
 * take the strict UTF-8 check (RFC 3629 4) and escapes are undone in place
 * (an escape is never shorter than what it stands for). Duplicate member
 * names are caught as they arrive, through a small filter per object.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jdoc_priv.h"

/* No JSON text we accept is anywhere near this; it keeps indices 32-bit. */
#define JDOC_LEN_MAX (1u << 30)

struct jparser {
	struct oidc_jdoc *doc;
	char *buf;
	char *end;                  /* buf + len, *end == '\0' */
	struct oidc_error *err;
};

static enum oidc_status jerr(const struct jparser *ps, const char *p,
			     const char *what)
{
	return oidc_err(ps->err, OIDC_E_MALFORMED, "JSON: %s at byte %zu", what,
			(size_t)(p - ps->buf));
}

static enum oidc_status jdoc_reserve(struct oidc_jdoc *doc, size_t need)
{
	struct oidc_jnode *nodes;
	size_t cap = doc->cap ? doc->cap : 16;

	if (need <= doc->cap)
		return OIDC_OK;
	while (cap < need)
		cap *= 2;
	if (cap > UINT32_MAX / 2 || cap > SIZE_MAX / sizeof(*nodes))
		return OIDC_E_NOMEM;
	nodes = realloc(doc->nodes, cap * sizeof(*nodes));
	if (!nodes)
		return OIDC_E_NOMEM;
	doc->nodes = nodes;
	doc->cap = (uint32_t)cap;
	return OIDC_OK;
}

/* Index of a new node, or UINT32_MAX when out of memory. */
static inline uint32_t jnode_new(struct oidc_jdoc *doc)
{
	if (doc->n == doc->cap && jdoc_reserve(doc, (size_t)doc->n + 1) != OIDC_OK)
		return UINT32_MAX;
	return doc->n++;
}

static inline char *skip_ws(char *p)
{
	/* One test on the common path: tokens rarely carry whitespace. */
	while ((unsigned char)*p <= ' ' &&
	       (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/*
 * Non-zero when one of the eight bytes of v is '"', '\\', below 0x20 or
 * 0x80 and above. Borrows can only flag bytes above a real hit, so the
 * lowest flagged byte is always one to look at.
 */
static inline uint64_t swar_special(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	return (((v - ones * 0x20) | (q - ones) | (b - ones)) & ~v & high) |
	       (v & high);
}

static inline int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits at p, or -1. */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hex_value((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static char *put_utf8(char *w, unsigned long cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | cp >> 6);
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | cp >> 12);
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | cp >> 18);
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/*
 * The escape at p (p[0] == '\\') written to w (RFC 8259 7). Advances *pp
 * and returns the new w, or NULL with a reason in *why.
 */
static char *unescape(char **pp, char *w, const char **why)
{
	char *p = *pp;
	long cp, lo;

	switch (p[1]) {
	case '"': *w++ = '"'; break;
	case '\\': *w++ = '\\'; break;
	case '/': *w++ = '/'; break;
	case 'b': *w++ = '\b'; break;
	case 'f': *w++ = '\f'; break;
	case 'n': *w++ = '\n'; break;
	case 'r': *w++ = '\r'; break;
	case 't': *w++ = '\t'; break;
	case 'u':
		cp = hex4(p + 2);
		if (cp < 0) {
			*why = "bad \\u escape";
			return NULL;
		}
		p += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			*why = "lone low surrogate";
			return NULL;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* RFC 8259 7: a pair, or the string is not text. */
			if (p[0] != '\\' || p[1] != 'u' ||
			    (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff) {
				*why = "lone high surrogate";
				return NULL;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
		/* C5: a NUL would cut the string short for C callers. */
		if (cp == 0) {
			*why = "\\u0000 in a string";
			return NULL;
		}
		*pp = p;
		return put_utf8(w, (unsigned long)cp);
	default:
		*why = "bad escape";
		return NULL;
	}
	*pp = p + 2;
	return w;
}

/*
 * The string whose opening quote is at p[-1]. Leaves it NUL-terminated in
 * place; returns the byte after the closing quote, or NULL (err filled).
 */
static char *scan_string(const struct jparser *ps, char *p, const char **s_out,
			 uint32_t *len_out)
{
	char *start = p, *w;
	const char *why = NULL;
	unsigned char c;
	size_t n;

	for (;;) {
		while (p + 8 <= ps->end) {
			uint64_t v, m;

			memcpy(&v, p, 8);
			m = swar_special(v);
			if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				p += __builtin_ctzll(m) >> 3;
#endif
				break;
			}
			p += 8;
		}
		c = (unsigned char)*p;
		if (c == '"') {
			*p = '\0';
			*s_out = start;
			*len_out = (uint32_t)(p - start);
			return p + 1;
		}
		if (c == '\\')
			break;
		if (c >= 0x80) {
			n = oidc_jdoc_utf8_seq((const unsigned char *)p);
			if (!n)
				goto bad_utf8;
			p += n;
		} else if (c < 0x20) {
			goto control;
		} else {
			p++;
		}
	}
	/* Slow path from the first escape on: w trails p. */
	w = p;
	for (;;) {
		c = (unsigned char)*p;
		if (c == '"') {
			*w = '\0';
			*s_out = start;
			*len_out = (uint32_t)(w - start);
			return p + 1;
		}
		if (c == '\\') {
			w = unescape(&p, w, &why);
			if (!w) {
				jerr(ps, p, why);
				return NULL;
			}
		} else if (c >= 0x80) {
			n = oidc_jdoc_utf8_seq((const unsigned char *)p);
			if (!n)
				goto bad_utf8;
			memmove(w, p, n);
			w += n;
			p += n;
		} else if (c < 0x20) {
			goto control;
		} else {
			*w++ = *p++;
		}
	}
bad_utf8:
	jerr(ps, p, "invalid UTF-8 in a string");
	return NULL;
control:
	jerr(ps, p, p == ps->end ? "unterminated string" :
		    "control character in a string");
	return NULL;
}

static bool key_less(const struct oidc_jnode *a, const struct oidc_jnode *b)
{
	if (a->key_len != b->key_len)
		return a->key_len < b->key_len;
	return memcmp(a->key, b->key, a->key_len) < 0;
}

static bool key_equal(const struct oidc_jnode *a, const struct oidc_jnode *b)
{
	return a->key_len == b->key_len &&
	       memcmp(a->key, b->key, a->key_len) == 0;
}

static void sift_down(const struct oidc_jnode *nodes, uint32_t *ix, size_t i,
		      size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		uint32_t t;

		if (c >= n)
			return;
		if (c + 1 < n && key_less(&nodes[ix[c]], &nodes[ix[c + 1]]))
			c++;
		if (!key_less(&nodes[ix[i]], &nodes[ix[c]]))
			return;
		t = ix[i];
		ix[i] = ix[c];
		ix[c] = t;
		i = c;
	}
}

/*
 * C4, for an object whose members collided in the filter too often: sort
 * the member indices (heap sort, O(n log n) for any input) in scratch space
 * past the last node of the node array, then compare neighbours.
 */
static enum oidc_status sorted_duplicates(struct oidc_jdoc *doc, uint32_t obj,
					  uint32_t count, bool *dup)
{
	const struct oidc_jnode *nodes;
	uint32_t *ix;
	size_t spare;

	*dup = false;
	spare = ((size_t)count * sizeof(uint32_t) + sizeof(struct oidc_jnode) - 1) /
		sizeof(struct oidc_jnode);
	if (jdoc_reserve(doc, (size_t)doc->n + spare) != OIDC_OK)
		return OIDC_E_NOMEM;
	nodes = doc->nodes;
	ix = (uint32_t *)(void *)(doc->nodes + doc->n);
	count = 0;
	for (uint32_t i = obj + 1; i < nodes[obj].end; i = nodes[i].end)
		ix[count++] = i;
	for (size_t i = count / 2; i-- > 0;)
		sift_down(nodes, ix, i, count);
	for (size_t n = count; n > 1; n--) {
		uint32_t t = ix[0];

		ix[0] = ix[n - 1];
		ix[n - 1] = t;
		sift_down(nodes, ix, 0, n - 1);
	}
	for (uint32_t i = 1; i < count; i++)
		if (key_equal(&nodes[ix[i - 1]], &nodes[ix[i]])) {
			*dup = true;
			break;
		}
	return OIDC_OK;
}

/* An open array or object. */
struct jframe {
	uint32_t node;
	uint32_t count;
	bool is_object;
	bool sort_at_close;      /* too many filter hits: sort at the end */
	uint8_t hits;
	uint64_t seen[4];        /* 256-bit filter of member-name hashes */
};

/* Filter hits an object may take, each a walk over the members so far,
 * before the check moves to one sort when the object closes. */
#define JDOC_FILTER_HITS_MAX 8

/*
 * C4 as each member name arrives: a hash of length and three bytes in a
 * 256-bit filter; only a name whose bit is taken is compared with the
 * members before it. A claim set has a hit or two; a hostile object with
 * many hits is sorted once instead (never quadratic).
 */
static bool member_is_duplicate(const struct oidc_jdoc *doc, struct jframe *f,
				const char *key, uint32_t key_len)
{
	const struct oidc_jnode *nodes = doc->nodes;
	unsigned h = oidc_jdoc_name_hash(key, key_len);

	if (!(f->seen[h >> 6] & (UINT64_C(1) << (h & 63)))) {
		f->seen[h >> 6] |= UINT64_C(1) << (h & 63);
		return false;
	}
	if (f->sort_at_close)
		return false;
	if (++f->hits > JDOC_FILTER_HITS_MAX) {
		f->sort_at_close = true;
		return false;
	}
	for (uint32_t i = f->node + 1; i < doc->n; i = nodes[i].end)
		if (nodes[i].key_len == key_len &&
		    memcmp(nodes[i].key, key, key_len) == 0)
			return true;
	return false;
}

enum oidc_status oidc_jdoc_parse(struct oidc_jdoc *doc, char *buf, size_t len,
				 struct oidc_error *err)
{
	struct jframe stack[OIDC_JSON_DEPTH_MAX];
	struct jparser ps = { doc, buf, buf + len, err };
	const char *key = NULL;
	uint32_t key_len = 0, depth = 0, idx;
	struct oidc_jnode *node;
	enum oidc_status st;
	const char *why;
	char *p = buf;
	bool dup;

	if (!doc || !buf)
		return oidc_err(err, OIDC_E_INTERNAL, "no JSON document or buffer");
	doc->n = 0;
	if (len > JDOC_LEN_MAX)
		return oidc_err(err, OIDC_E_MALFORMED, "JSON text of %zu bytes",
				len);
	/* The sentinel: every scan below stops at it. */
	buf[len] = '\0';
	if (!doc->cap && jdoc_reserve(doc, len / 16 + 16) != OIDC_OK)
		goto nomem;
	p = skip_ws(p);
	if (*p != '{') {
		st = jerr(&ps, p, p == ps.end ? "empty document" :
			  "the document is not an object");
		goto fail;
	}
	/* The root is a value like any other, without a key. */
	goto value;

member:         /* p at the '"' of a member name */
	if (*p != '"') {
		st = jerr(&ps, p, "expected a member name");
		goto fail;
	}
	p = scan_string(&ps, p + 1, &key, &key_len);
	if (!p) {
		st = OIDC_E_MALFORMED;
		goto fail;
	}
	if (member_is_duplicate(doc, &stack[depth - 1], key, key_len)) {
		st = jerr(&ps, key, "duplicate member name");
		goto fail;
	}
	p = skip_ws(p);
	if (*p != ':') {
		st = jerr(&ps, p, "expected ':'");
		goto fail;
	}
	p = skip_ws(p + 1);
	/* fall through to the value */
value:
	idx = jnode_new(doc);
	if (idx == UINT32_MAX)
		goto nomem;
	node = &doc->nodes[idx];
	node->key = key;
	node->key_len = key_len;
	node->len = 0;
	node->end = idx + 1;
	if (depth)
		stack[depth - 1].count++;
	switch (*p) {
	case '"':
		node->type = OIDC_JSTRING;
		p = scan_string(&ps, p + 1, &node->v.s, &node->len);
		if (!p) {
			st = OIDC_E_MALFORMED;
			goto fail;
		}
		break;
	case '{':
	case '[':
		/* C5: bounded nesting, the root counting as one level. */
		if (depth == OIDC_JSON_DEPTH_MAX) {
			st = jerr(&ps, p, "nested too deep");
			goto fail;
		}
		node->type = *p == '{' ? OIDC_JOBJECT : OIDC_JARRAY;
		node->v.i = 0;
		stack[depth].node = idx;
		stack[depth].count = 0;
		stack[depth].is_object = *p == '{';
		if (stack[depth].is_object) {
			stack[depth].sort_at_close = false;
			stack[depth].hits = 0;
			memset(stack[depth].seen, 0, sizeof(stack[depth].seen));
		}
		depth++;
		p = skip_ws(p + 1);
		if (*p == '}' || *p == ']')
			goto close;
		if (node->type == OIDC_JOBJECT)
			goto member;
		key = NULL;
		key_len = 0;
		goto value;
	/* Byte by byte: the sentinel stops a literal cut short. */
	case 't':
		if (p[1] != 'r' || p[2] != 'u' || p[3] != 'e')
			goto bad_value;
		node->type = OIDC_JTRUE;
		node->v.i = 0;
		p += 4;
		break;
	case 'f':
		if (p[1] != 'a' || p[2] != 'l' || p[3] != 's' || p[4] != 'e')
			goto bad_value;
		node->type = OIDC_JFALSE;
		node->v.i = 0;
		p += 5;
		break;
	case 'n':
		if (p[1] != 'u' || p[2] != 'l' || p[3] != 'l')
			goto bad_value;
		node->type = OIDC_JNULL;
		node->v.i = 0;
		p += 4;
		break;
	default:
		if (*p != '-' && (*p < '0' || *p > '9'))
			goto bad_value;
		why = oidc_jdoc_scan_number(&p, node);
		if (why) {
			st = jerr(&ps, p, why);
			goto fail;
		}
		break;
	}
after_value:
	p = skip_ws(p);
	if (*p == ',') {
		p = skip_ws(p + 1);
		if (stack[depth - 1].is_object)
			goto member;
		key = NULL;
		key_len = 0;
		goto value;
	}
close:
	if (*p != (stack[depth - 1].is_object ? '}' : ']')) {
		st = jerr(&ps, p, stack[depth - 1].is_object ?
			  "expected ',' or '}'" : "expected ',' or ']'");
		goto fail;
	}
	p++;
	depth--;
	node = &doc->nodes[stack[depth].node];
	node->len = stack[depth].count;
	node->end = doc->n;
	/* An object keeps its name filter, folded to 64 bits, in v: a
	 * lookup of an absent name can stop there (oidc_jobj_get). */
	if (stack[depth].is_object)
		node->v.i = (int64_t)(stack[depth].seen[0] | stack[depth].seen[1] |
				      stack[depth].seen[2] | stack[depth].seen[3]);
	if (stack[depth].is_object && stack[depth].sort_at_close) {
		st = sorted_duplicates(doc, stack[depth].node, node->len, &dup);
		if (st != OIDC_OK)
			goto nomem;
		if (dup) {
			st = jerr(&ps, p - 1, "duplicate member name");
			goto fail;
		}
	}
	if (depth)
		goto after_value;
	p = skip_ws(p);
	if (p != ps.end) {
		st = jerr(&ps, p, "data after the object");
		goto fail;
	}
	return OIDC_OK;

bad_value:
	st = jerr(&ps, p, p == ps.end ? "unexpected end" : "invalid value");
	goto fail;
nomem:
	st = oidc_err(err, OIDC_E_NOMEM, "JSON nodes");
fail:
	doc->n = 0;
	return st;
}

void oidc_jdoc_clear(struct oidc_jdoc *doc)
{
	if (!doc)
		return;
	free(doc->nodes);
	doc->nodes = NULL;
	doc->n = 0;
	doc->cap = 0;
}

