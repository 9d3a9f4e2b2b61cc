/* SPDX-License-Identifier: MIT */
/*
 * test_sanitize.c - oidc_sanitize / oidc_log_escape (status.c), which write
 * every audit field and error detail: printable ASCII as it is, '"' as \"
 * and '\\' as \\ (a quote must not end a key="value" field, nor be lost:
 * "no key with kid ?k1?" was the old output), control bytes, DEL and every
 * byte from 0x80 as \xHH; an escape already there is kept, so escaping
 * twice (a detail quoted in another) changes nothing; stop at NUL, at
 * src_len and at cap - 1, never in the middle of a sequence. Fixed cases,
 * then a fixed-seed random run against a byte-by-byte reference written
 * here (the function copies eight clean bytes at a time), and the two
 * properties (idempotent, every output parses back) on random input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void reference(char *dst, size_t cap, const char *src, size_t src_len)
{
	size_t o = 0, n = 0;

	if (cap == 0)
		return;
	while (src && n < src_len && n < cap - 1 && src[n])
		n++;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)src[i];
		char tok[5];
		size_t in = 1, len;

		if (c == '\\' && i + 1 < n && (src[i + 1] == '"' || src[i + 1] == '\\')) {
			snprintf(tok, sizeof(tok), "%c%c", c, src[i + 1]);
			in = 2;
		} else if (c == '\\' && i + 3 < n && src[i + 1] == 'x' &&
			   is_hex((unsigned char)src[i + 2]) && is_hex((unsigned char)src[i + 3])) {
			memcpy(tok, src + i, 4);
			tok[4] = '\0';
			in = 4;
		} else if (c == '"' || c == '\\') {
			snprintf(tok, sizeof(tok), "\\%c", c);
		} else if (c >= 0x20 && c < 0x7f) {
			snprintf(tok, sizeof(tok), "%c", c);
		} else {
			snprintf(tok, sizeof(tok), "\\x%02x", c);
		}
		len = strlen(tok);
		if (o + len > cap - 1)
			break;
		memcpy(dst + o, tok, len);
		o += len;
		i += in;
	}
	dst[o] = '\0';
}

/* A well-formed escaped value: printable, and every backslash starts \" \\
 * or \xHH, every quote is escaped. */
static bool parses_back(const char *s)
{
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"')
			return false;
		if (c != '\\')
			continue;
		if (s[i + 1] == '"' || s[i + 1] == '\\')
			i++;
		else if (s[i + 1] == 'x' && is_hex((unsigned char)s[i + 2]) &&
			 is_hex((unsigned char)s[i + 3]))
			i += 3;
		else
			return false;
	}
	return true;
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
		{ "a\"b\\c", 5, 64, "a\\\"b\\\\c" },
		{ "no key with kid \"entra-key-1\"", 30, 64,
		  "no key with kid \\\"entra-key-1\\\"" },
		{ "0123456789abcdef\"x", 18, 64, "0123456789abcdef\\\"x" },
		{ "01234567\x7f" "9abcdef", 16, 64, "01234567\\x7f9abcdef" },
		{ "01234567\n9abcdef", 16, 64, "01234567\\x0a9abcdef" },
		{ "jos\xc3\xa9 \xe2\x82\xac", 9, 64, "jos\\xc3\\xa9 \\xe2\\x82\\xac" },
		/* already escaped: kept */
		{ "kid \\\"k1\\\" \\x0a \\\\", 18, 64, "kid \\\"k1\\\" \\x0a \\\\" },
		/* a lone backslash, and one before a non-hex x */
		{ "a\\b\\xzz", 7, 64, "a\\\\b\\\\xzz" },
		/* never half a sequence at the end */
		{ "ab\"", 3, 4, "ab" },
		{ "ab\n", 3, 5, "ab" },
		{ "0123456789abcdefXYZ", 19, 8, "0123456" },
		{ "0123456789abcdefXYZ", 10, 64, "0123456789" },
		{ "01234567\0" "89abcdef", 17, 64, "01234567" },
		{ "", 0, 4, "" },
	};
	char out[256], ref[256], src[256];
	unsigned long bad = 0, unparsed = 0, changed = 0;

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
		if (cap) {
			char twice[256];

			unparsed += !parses_back(out);
			oidc_log_escape(twice, sizeof(twice), out);
			changed += strcmp(twice, out) != 0;
		}
	}
	CHECK(bad == 0, "200000 random strings: same bytes as the byte-by-byte reference "
	      "(%lu differ)", bad);
	CHECK(unparsed == 0, "every output is a well-formed escaped value (%lu not)",
	      unparsed);
	CHECK(changed == 0, "escaping an escaped value again changes nothing (%lu changed)",
	      changed);
	return test_done();
}
