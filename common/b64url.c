/* SPDX-License-Identifier: MIT */
/*
 * b64url.c - strict base64url (RFC 4648 section 5, as RFC 7515 section 2
 * uses it): no padding, no whitespace, no '+' or '/', and canonical
 * trailing bits, so one token has exactly one encoding (checklist C1).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

enum oidc_status oidc_b64url_decode(const char *in, size_t len,
				    unsigned char *out, size_t out_cap,
				    size_t *out_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t full = len / 4, rest = len % 4, o = 0;

	/* One leftover character carries 6 bits: never a whole byte. */
	if (rest == 1)
		return OIDC_E_MALFORMED;
	if (full * 3 + (rest ? rest - 1 : 0) > out_cap)
		return OIDC_E_MALFORMED;
	for (size_t i = 0; i < full; i++, s += 4) {
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
