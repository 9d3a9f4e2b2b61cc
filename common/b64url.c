/* SPDX-License-Identifier: MIT */
/*
 * b64url.c - strict base64url (RFC 4648 section 5, as RFC 7515 section 2
 * uses it): no padding, no whitespace, no '+' or '/', and canonical
 * trailing bits, so one token has exactly one encoding (checklist C1).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Tokens are decoded once per validation, and the payload is most of a
 * token: on x86-64 CPUs with AVX2 (checked at run time) whole blocks of 32
 * characters are validated and decoded at once; the scalar loop below
 * decodes what is left and is the reference for every other machine.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define B64URL_AVX2 1
#include <immintrin.h>
#endif

/* 1 + the 6-bit value for the alphabet, 0 for every other byte. */
static const unsigned char b64url_value[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t oidc_b64url_decoded_max(size_t len)
{
	return len / 4 * 3 + 2;
}

#ifdef B64URL_AVX2
/*
 * 32 characters into 24 bytes per step, for the whole 32-character blocks
 * of in[0..len); returns the characters consumed (a multiple of 32), or
 * SIZE_MAX when one is outside the alphabet. Validation: each high nibble
 * has a class bit, each low nibble the classes it is invalid in (Mula and
 * Lemire, "Faster Base64 Encoding and Decoding Using AVX2 Instructions",
 * 2018, with the RFC 4648 section 5 alphabet).
 */
__attribute__((target("avx2"))) static size_t
b64url_decode_avx2(const unsigned char *in, size_t len, unsigned char *out)
{
	/* high nibble 2: only '-'; 3: digits; 4, 6: not @ or `; 5: up to Z
	 * and '_'; 7: up to z; any other: invalid. */
	const __m256i lut_hi = _mm256_setr_epi8(
		1, 1, 2, 4, 8, 16, 8, 32, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 2, 4, 8, 16, 8, 32, 1, 1, 1, 1, 1, 1, 1, 1);
	const __m256i lut_lo = _mm256_setr_epi8(
		0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
		0x07, 0x37, 0x37, 0x35, 0x37, 0x27,
		0x0b, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03,
		0x07, 0x37, 0x37, 0x35, 0x37, 0x27);
	/* Added to a character to give its value, by high nibble; index
	 * 13 is '_' (high nibble 5 with bit 3 set for it). */
	const __m256i lut_roll = _mm256_setr_epi8(
		0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, -32, 0, 0,
		0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, -32, 0, 0);
	const __m256i nibble = _mm256_set1_epi8(0x0f);
	const __m256i pack = _mm256_setr_epi8(
		2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
		2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
	const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
	size_t i;

	for (i = 0; i + 32 <= len; i += 32, out += 24) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(in + i));
		__m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), nibble);
		__m256i lo = _mm256_and_si256(v, nibble);
		__m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo),
					       _mm256_shuffle_epi8(lut_hi, hi));
		__m256i us = _mm256_and_si256(
			_mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')),
			_mm256_set1_epi8(8));
		__m256i val, w;

		if (!_mm256_testz_si256(bad, bad))
			return SIZE_MAX;
		val = _mm256_add_epi8(v, _mm256_shuffle_epi8(lut_roll,
							     _mm256_or_si256(hi, us)));
		/* [a b c d] (6 bits each) -> a<<18 | b<<12 | c<<6 | d. */
		w = _mm256_maddubs_epi16(val, _mm256_set1_epi32(0x01400140));
		w = _mm256_madd_epi16(w, _mm256_set1_epi32(0x00011000));
		w = _mm256_shuffle_epi8(w, pack);
		w = _mm256_permutevar8x32_epi32(w, lanes);
		_mm_storeu_si128((__m128i *)(void *)out, _mm256_castsi256_si128(w));
		_mm_storel_epi64((__m128i *)(void *)(out + 16),
				 _mm256_extracti128_si256(w, 1));
	}
	return i;
}
#endif

enum oidc_status oidc_b64url_decode(const char *in, size_t len,
				    unsigned char *out, size_t out_cap,
				    size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t full = len / 4, rest = len % 4, o = 0, i = 0;

	/* One leftover character carries 6 bits: never a whole byte. */
	if (rest == 1)
		return OIDC_E_MALFORMED;
	if (full * 3 + (rest ? rest - 1 : 0) > out_cap)
		return OIDC_E_MALFORMED;
#ifdef B64URL_AVX2
	if (len >= 64 && __builtin_cpu_supports("avx2")) {
		size_t done = b64url_decode_avx2(s, full * 4, out);

		if (done == SIZE_MAX)
			return OIDC_E_MALFORMED;
		s += done;
		o = done / 4 * 3;
		i = done / 4;
	}
#endif
	for (; i < full; i++, s += 4) {
		unsigned a = b64url_value[s[0]], b = b64url_value[s[1]];
		unsigned c = b64url_value[s[2]], d = b64url_value[s[3]];
		if (!a || !b || !c || !d)
			return OIDC_E_MALFORMED;
		a--, b--, c--, d--;
		unsigned v = a << 18 | b << 12 | c << 6 | d;
		out[o++] = (unsigned char)(v >> 16);
		out[o++] = (unsigned char)(v >> 8);
		out[o++] = (unsigned char)v;
	}
	if (rest == 2) {
		unsigned a = b64url_value[s[0]], b = b64url_value[s[1]];
		if (!a || !b)
			return OIDC_E_MALFORMED;
		a--, b--;
		/* RFC 4648 3.5: the 4 unused bits must be zero. */
		if (b & 0x0f)
			return OIDC_E_MALFORMED;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
	} else if (rest == 3) {
		unsigned a = b64url_value[s[0]], b = b64url_value[s[1]];
		unsigned c = b64url_value[s[2]];
		if (!a || !b || !c)
			return OIDC_E_MALFORMED;
		a--, b--, c--;
		if (c & 0x03)
			return OIDC_E_MALFORMED;
		out[o++] = (unsigned char)(a << 2 | b >> 4);
		out[o++] = (unsigned char)((b & 0x0f) << 4 | c >> 2);
	}
	*out_len = o;
	return OIDC_OK;
}

enum oidc_status oidc_b64url_decode_alloc(const char *in, size_t len,
					  unsigned char **out, size_t *out_len)
{
	size_t cap = oidc_b64url_decoded_max(len);
	unsigned char *buf = malloc(cap + 1);
	size_t n = 0;
	enum oidc_status st;

	if (!buf)
		return OIDC_E_NOMEM;
	st = oidc_b64url_decode(in, len, buf, cap, &n);
	if (st != OIDC_OK) {
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return OIDC_OK;
}

char *oidc_b64url_encode(const unsigned char *in, size_t len)
{
	char *out = malloc(len / 3 * 4 + 4 + 1);
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	for (; i + 3 <= len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = b64url_alphabet[v >> 18];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = b64url_alphabet[v >> 18];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = b64url_alphabet[v >> 18];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return out;
}
