/* SPDX-License-Identifier: MIT */
/*
 * test_b64url_blocks.c - the block path of oidc_b64url_decode (32
 * characters at a time on CPUs with AVX2, the scalar loop elsewhere and
 * for the rest) against a reference decoder written here bit by bit from
 * RFC 4648 section 5: every length from 0 to 400, every byte value at
 * every position of a 128-character input (in and out of the alphabet,
 * inside a block and in the tail), and non-zero trailing bits after long
 * inputs. Same verdict, same bytes, or the test fails. Checklist C1.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int ref_value(unsigned char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) : -1;
}

/* RFC 4648 section 5, strict: 0 and *n on success, -1 when refused. */
static int ref_decode(const unsigned char *s, size_t len, unsigned char *out,
		      size_t *n)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = ref_value(s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (acc & ((1u << bits) - 1))
		return -1;   /* RFC 4648 3.5: the unused bits are zero */
	*n = o;
	return 0;
}

static uint64_t rng = 88172645463325252u;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32) % n;
}

/* Both decoders on s; 1 when they agree. */
static int agree(const unsigned char *s, size_t len)
{
	unsigned char a[512], b[512];
	size_t na = 0, nb = 0;
	int ra = ref_decode(s, len, a, &na);
	enum oidc_status rb = oidc_b64url_decode((const char *)s, len, b, sizeof(b), &nb);

	if (ra != 0)
		return rb == OIDC_E_MALFORMED;
	return rb == OIDC_OK && na == nb && memcmp(a, b, na) == 0;
}

int main(void)
{
	static unsigned char s[640], out[512];
	size_t bad = 0, valid = 0, n = 0;

	/* Every length, random alphabet characters (trailing bits random:
	 * a quarter of the lengths have them, and then most are refused). */
	for (size_t len = 0; len <= 400; len++) {
		for (int k = 0; k < 8; k++) {
			for (size_t i = 0; i < len; i++)
				s[i] = (unsigned char)alphabet[rnd(64)];
			valid += ref_decode(s, len, out, &n) == 0;
			bad += !agree(s, len);
		}
	}
	CHECK(bad == 0 && valid > 1000,
	      "lengths 0..400: same bytes and verdicts as the reference (%zu valid, %zu "
	      "disagree)", valid, bad);

	/* Every byte value at every position of 128 characters. */
	bad = 0;
	for (size_t pos = 0; pos < 128; pos++) {
		for (int b = 0; b < 256; b++) {
			for (size_t i = 0; i < 128; i++)
				s[i] = (unsigned char)alphabet[(i * 7 + 3) % 64];
			s[pos] = (unsigned char)b;
			bad += !agree(s, 128);
		}
	}
	CHECK(bad == 0, "every byte at every position of 128 characters (%zu disagree)",
	      bad);

	/* Long inputs with non-zero trailing bits are refused. */
	memset(s, 'A', 203);
	s[201] = 'B';   /* 203 % 4 == 3: the last char carries 2 unused bits */
	s[202] = 'B';
	CHECK(oidc_b64url_decode((const char *)s, 203, out, sizeof(out), &n) ==
		      OIDC_E_MALFORMED && agree(s, 203),
	      "203 characters with unused bits set");
	s[202] = 'E';   /* value 4: the unused bits are zero */
	CHECK(agree(s, 203) &&
		      oidc_b64url_decode((const char *)s, 203, out, sizeof(out), &n) ==
			      OIDC_OK,
	      "203 characters with unused bits clear");
	return test_done();
}
