/* SPDX-License-Identifier: MIT */
/*
 * jdoc_num.c - RFC 8259 section 6 numbers for the jdoc parser, without the
 * C library's locale-dependent conversions (a host may set LC_NUMERIC).
 *
 * Integers are exact over int64; anything outside is refused. A real keeps
 * its first 19 significant digits (the rest are truncated, an error below
 * 1e-18 relative). When those fit in 53 bits and the power of ten is at
 * most 1e22 the result is correctly rounded, both factors being exact
 * doubles (the usual fast path of strtod). Otherwise it is computed in long
 * double (64-bit significand on x86-64) and rounded once more to double:
 * within one ulp of the correctly rounded value, and equal to it except
 * very near a rounding boundary. Where long double is double (some
 * non-x86 ABIs, valgrind's emulation) a few ulps. A NumericDate is the
 * floor of a real, so this is exact for every date written with up to 15
 * significant digits and could differ from strtod only for a real within
 * about 1e-16 relative of an integer. Overflow to infinity is refused, as
 * jansson does; underflow gives zero or a subnormal, as strtod does.
 */
#include <math.h>

#include "jdoc_priv.h"

/* Powers of ten exact in a double (10^22 < 2^53 * 2^22). */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* 10^(2^k) for the binary powering of the slow path. */
static const long double pow10_bin[] = {
	1e1L, 1e2L, 1e4L, 1e8L, 1e16L, 1e32L, 1e64L, 1e128L, 1e256L,
};

/* 10^k (k < 512) in long double. */
static long double pow10_long(unsigned long k)
{
	long double scale = 1.0L;

	for (size_t i = 0; k; i++, k >>= 1)
		if (k & 1)
			scale *= pow10_bin[i];
	return scale;
}

/* m * 10^e10 (m < 10^19, nd its digits), or HUGE_VAL on overflow. */
static double decimal_to_double(uint64_t m, int nd, long e10)
{
	long double x = (long double)m;
	unsigned long k;

	if (m == 0 || e10 + nd < -330)
		return 0.0;
	/* Past 10^310 even one digit overflows; below it a positive power
	 * of ten overflows a double only when the value does. */
	if (e10 + nd > 310)
		return HUGE_VAL;
	if (m <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22)
		return e10 >= 0 ? (double)m * pow10_exact[e10] :
				  (double)m / pow10_exact[-e10];
	if (e10 >= 0)
		return (double)(x * pow10_long((unsigned long)e10));
	/* Divide in two steps when 10^-e10 is past DBL_MAX, for machines
	 * where long double is double. */
	k = (unsigned long)-e10;
	if (k > 300) {
		x /= pow10_long(k - 300);
		k = 300;
	}
	return (double)(x / pow10_long(k));
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *oidc_jdoc_scan_number(char **pp, struct oidc_jnode *node)
{
	char *p = *pp;
	bool neg = false, real = false;
	uint64_t m = 0;
	int nd = 0, ndig = 0;
	long e10 = 0;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p == '0') {
		p++;
		if (is_digit(*p)) {
			*pp = p;
			return "leading zero in a number";
		}
	} else if (is_digit(*p)) {
		for (; is_digit(*p); p++, ndig++) {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd++;
			} else {
				e10++;
			}
		}
	} else {
		return "invalid number";
	}
	if (*p == '.') {
		real = true;
		if (!is_digit(*++p)) {
			*pp = p;
			return "no digit after the decimal point";
		}
		for (; is_digit(*p); p++) {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd += m != 0;
				e10--;
			}
		}
	}
	if (*p == 'e' || *p == 'E') {
		bool eneg = false;
		long ex = 0;

		real = true;
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		if (!is_digit(*p)) {
			*pp = p;
			return "no digit in the exponent";
		}
		/* Saturate: anything past 10^6 is 0 or overflow anyway. */
		for (; is_digit(*p); p++)
			if (ex < 1000000)
				ex = ex * 10 + (*p - '0');
		e10 += eneg ? -ex : ex;
	}
	if (!real) {
		/* 19 digits always fit in uint64; more never fit in int64. */
		if (ndig > 19 || m > (uint64_t)INT64_MAX + neg)
			return "integer out of range";
		node->type = OIDC_JINT;
		node->v.i = neg ? (int64_t)(0 - m) : (int64_t)m;
		*pp = p;
		return NULL;
	}
	node->type = OIDC_JREAL;
	node->v.d = decimal_to_double(m, nd, e10);
	if (isinf(node->v.d))
		return "real number overflow";
	if (neg)
		node->v.d = -node->v.d;
	*pp = p;
	return NULL;
}
