/* SPDX-License-Identifier: MIT */
/*
 * jdoc_priv.h - shared by jdoc.c, jdoc_num.c and jdoc_access.c only.
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

#endif /* OIDC_JDOC_PRIV_H */
