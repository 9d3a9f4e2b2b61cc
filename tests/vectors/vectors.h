/* SPDX-License-Identifier: MIT */
/*
 * vectors.h - where the vector runners find the external test vectors:
 * tests/vectors/data in this repository (see its README.md), under $ROOT
 * (tests/run.sh exports it) or else the current directory. VECTORS_DIR
 * overrides it (another checkout's copy, a newer set under trial).
 */
#ifndef OIDC_TEST_VECTORS_H
#define OIDC_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *vectors_dir(void)
{
	static char buf[512];
	const char *d = getenv("VECTORS_DIR");
	const char *root = getenv("ROOT");

	if (d && *d)
		return d;
	if (root && *root &&
	    (size_t)snprintf(buf, sizeof(buf), "%s/tests/vectors/data", root) < sizeof(buf))
		return buf;
	return "tests/vectors/data";
}

#endif
