/* SPDX-License-Identifier: MIT */
/*
 * test_sanitize.c - oidc_sanitize (status.c), which writes every audit
 * field and error detail: printable ASCII only, '"' and '\\' replaced (they
 * would break the key="value" audit line), control bytes, DEL and every
 * byte from 0x80 replaced, stop at NUL, at src_len and at cap - 1. Fixed
 * cases, then a fixed-seed random run against a byte-by-byte reference
 * written here (the function copies eight clean bytes at a time).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static void reference(char *dst, size_t cap, const char *src, size_t src_len)
{
	size_t o = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; src && i < src_len && src[i] && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	dst[o] = '\0';
}

static uint64_t rng = UINT64_C(0x243f6a8885a308d3);

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	static const struct {
		const char *src;
		size_t src_len, cap;
		const char *want;
	} fixed[] = {
		{ "https://login.example.com/realms/corp", 37, 128,
		  "https://login.example.com/realms/corp" },
		{ "a\"b\\c", 5, 64, "a?b?c" },
		{ "0123456789abcdef\"x", 18, 64, "0123456789abcdef?x" },
		{ "01234567\x7f" "9abcdef", 16, 64, "01234567?9abcdef" },
		{ "01234567\n9abcdef", 16, 64, "01234567?9abcdef" },
		{ "jos\xc3\xa9 \xe2\x82\xac", 9, 64, "jos?? ???" },
		{ "0123456789abcdefXYZ", 19, 8, "0123456" },
		{ "0123456789abcdefXYZ", 10, 64, "0123456789" },
		{ "01234567\0" "89abcdef", 17, 64, "01234567" },
		{ "", 0, 4, "" },
	};
	char out[256], ref[256], src[256];
	unsigned long bad = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		memset(out, 'X', sizeof(out));
		oidc_sanitize(out, fixed[i].cap, fixed[i].src, fixed[i].src_len);
		CHECK(strcmp(out, fixed[i].want) == 0, "fixed case %zu: \"%s\"", i, out);
	}
	memset(out, 'X', sizeof(out));
	oidc_sanitize(out, 8, NULL, 5);
	CHECK(out[0] == '\0', "NULL source gives an empty string");
	memset(out, 'X', sizeof(out));
	oidc_sanitize(out, 0, "abc", 3);
	CHECK(out[0] == 'X', "cap 0 writes nothing");

	for (int t = 0; t < 200000; t++) {
		size_t len = rnd() % 120, cap = rnd() % 140;
		size_t src_len = rnd() % 2 ? len : rnd() % 150;

		for (size_t i = 0; i < len; i++)
			src[i] = rnd() % 8 < 6 ? (char)(0x20 + rnd() % 95) : (char)(rnd() % 256);
		src[len] = '\0';
		memset(out, 'X', sizeof(out));
		memset(ref, 'X', sizeof(ref));
		oidc_sanitize(out, cap, src, src_len);
		reference(ref, cap, src, src_len);
		bad += memcmp(out, ref, sizeof(out)) != 0;
	}
	CHECK(bad == 0, "200000 random strings: same bytes as the byte-by-byte reference "
	      "(%lu differ)", bad);
	return test_done();
}
