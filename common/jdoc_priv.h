/* SPDX-License-Identifier: MIT */
/*
 * jdoc_priv.h - shared by jdoc.c, jdoc_num.c, jdoc_access.c and jwrite.c
 * only.
 */
#ifndef OIDC_JDOC_PRIV_H
#define OIDC_JDOC_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "jdoc.h"

/*
 * The RFC 8259 6 number at *pp (a '-' or a digit; the text ends at a NUL
 * sentinel) into node's type and value. NULL and *pp past the number, or
 * what is wrong with *pp at (or, for range errors, the number's start).
 */
const char *oidc_jdoc_scan_number(char **pp, struct oidc_jnode *node);

/*
 * 8 bits from the length and three bytes of a NUL-terminated name (name[0]
 * exists when it is empty): the parser's per-object filter of member names
 * (duplicates, C4), kept folded in the object node for oidc_jobj_get.
 */
static inline unsigned oidc_jdoc_name_hash(const char *name, size_t len)
{
	const unsigned char *k = (const unsigned char *)name;
	uint32_t h;

	h = ((uint32_t)len * 0x9e3779b1u) ^ (k[0] * 0x85ebca77u) ^
	    (k[len / 2] * 0xc2b2ae3du) ^
	    ((len ? k[len - 1] : 0) * 0x27d4eb2fu);
	h = (h ^ (h >> 15)) * 0x2c1b3c6du;
	return h >> 24;
}

/*
 * RFC 3629 4: bytes of the UTF-8 sequence at p (p[0] >= 0x80), 0 if it is
 * invalid (overlong, a surrogate, above U+10FFFF, cut short by a NUL).
 * Shared by the parser and the writer: one rule for what text is.
 */
static inline size_t oidc_jdoc_utf8_seq(const unsigned char *p)
{
	unsigned char b = p[0], lo = 0x80, hi = 0xbf;
	size_t more;

	if (b >= 0xc2 && b <= 0xdf) {
		more = 1;
	} else if (b >= 0xe0 && b <= 0xef) {
		more = 2;
		if (b == 0xe0)
			lo = 0xa0;      /* overlong */
		else if (b == 0xed)
			hi = 0x9f;      /* UTF-16 surrogates */
	} else if (b >= 0xf0 && b <= 0xf4) {
		more = 3;
		if (b == 0xf0)
			lo = 0x90;      /* overlong */
		else if (b == 0xf4)
			hi = 0x8f;      /* above U+10FFFF */
	} else {
		return 0;
	}
	/* The NUL sentinel fails these tests, so nothing past it is read. */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k <= more; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return more + 1;
}

#endif /* OIDC_JDOC_PRIV_H */
