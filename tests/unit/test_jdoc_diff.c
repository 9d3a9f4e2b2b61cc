/* SPDX-License-Identifier: MIT */
/*
 * test_jdoc_diff.c - jdoc against jansson on a few thousand inputs
 * (tests/unit/jdoc_diff.h says what is compared and lists the intended
 * differences: nesting deeper than 16, real numbers within a few ulps).
 *
 * Inputs come from a fixed-seed PRNG, so a failure reproduces: byte-wise
 * mutations of a realistic claim set (flip, insert, delete, duplicate or
 * cut; bytes drawn from JSON's structural characters, digits, escapes,
 * UTF-8 lead and continuation bytes and controls), and documents generated
 * from the grammar (numbers of every shape, escapes and raw UTF-8, nesting
 * around the limit, repeated names). A disagreement prints the input in
 * hex. The run must reach both verdicts often, so it cannot pass by
 * feeding one parser nothing but garbage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "jdoc_diff.h"
#include "testutil.h"

#define DIFF_MUTANTS 20000
#define DIFF_GENERATED 8000
#define DIFF_BUF 4096

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

/* xorshift64*: fixed seed, same sequence on every machine. */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(0x2545f4914f6cdd1d)) >> 32) % n;
}

static const char claim_set[] =
	"{\"exp\":1700003600,\"iat\":1699999970,\"nbf\":1699999970.5,"
	"\"jti\":\"0b6f3a6e-2c1d-4a8e-9f57-3d0c2e9b7a41\","
	"\"iss\":\"https:\\/\\/login.example.com\\/realms\\/corp\","
	"\"aud\":[\"api://mail\",\"account\"],\"sub\":\"8f14e45f-ceea-467f\","
	"\"scope\":\"openid profile email mail.read\",\"email_verified\":true,"
	"\"name\":\"Jos\\u00e9 \xc3\x89xample \\ud83d\\ude00\",\"acr\":null,"
	"\"groups\":[\"mail-users\",\"staff\",\"vpn\"],\"ratio\":-1.25e-3,"
	"\"realm_access\":{\"roles\":[\"offline_access\",{\"x\":[[],{}]}]},"
	"\"n\":[0,-0,123456789012345678,1e22,0.1,false],\"cnf\":{\"jkt\":\"\"}}";

/* Bytes a mutation writes: what changes a verdict most often. */
static const char interesting[] = "{}[]:,\"\\/ \t\n0123456789-+.eEtrufalsn";

static unsigned char random_byte(void)
{
	switch (rnd(5)) {
	case 0:
	case 1:
		return (unsigned char)interesting[rnd(sizeof(interesting) - 1)];
	case 2:
		return (unsigned char)(0x80 + rnd(0x80));  /* UTF-8 lead/cont */
	case 3:
		return (unsigned char)rnd(0x20);           /* controls, NUL */
	default:
		return (unsigned char)rnd(256);
	}
}

/* One mutant of the claim set into buf; returns its length. */
static size_t mutate(unsigned char *buf)
{
	size_t len = sizeof(claim_set) - 1, rounds = 1 + rnd(3);

	memcpy(buf, claim_set, len);
	for (size_t r = 0; r < rounds; r++) {
		size_t at = len ? rnd((uint32_t)len) : 0, n;
		static const char *const snippets[] = {
			"\\u0000", "\\ud800", "\\udc00", "\\ud800\\udc00", "\\uDBFF\\uDFFF",
			"\\u00", "\\x", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf",
			"\xe2\x82", "1e400", "-0.0", "9223372036854775808", "1.", ".5",
			"01", "1e", "[[[[[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]", "\"exp\":1,",
			"\"iat\":", "{\"a\":1,\"a\":2}", "NaN", "\xef\xbb\xbf",
		};
		const char *sn;

		switch (rnd(6)) {
		case 0:   /* overwrite one byte */
			if (len)
				buf[at] = random_byte();
			break;
		case 1:   /* insert one byte */
			if (len + 1 < DIFF_BUF) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = random_byte();
				len++;
			}
			break;
		case 2:   /* delete a few bytes */
			n = 1 + rnd(4);
			if (at + n <= len) {
				memmove(buf + at, buf + at + n, len - at - n);
				len -= n;
			}
			break;
		case 3:   /* insert a snippet */
			sn = snippets[rnd(sizeof(snippets) / sizeof(snippets[0]))];
			n = strlen(sn);
			if (len + n < DIFF_BUF) {
				memmove(buf + at + n, buf + at, len - at);
				memcpy(buf + at, sn, n);
				len += n;
			}
			break;
		case 4:   /* duplicate a range (repeats names and structure) */
			n = 1 + rnd(40);
			if (at + n <= len && len + n < DIFF_BUF) {
				unsigned char range[40];
				size_t to = rnd((uint32_t)len);

				memcpy(range, buf + at, n);
				memmove(buf + to + n, buf + to, len - to);
				memcpy(buf + to, range, n);
				len += n;
			}
			break;
		default:  /* cut */
			len = at;
			break;
		}
	}
	return len;
}

struct gen {
	char *p;
	size_t len, cap;
	int depth;
};

static void put(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	if (g->len + n < g->cap) {
		memcpy(g->p + g->len, s, n);
		g->len += n;
	}
}

static void gen_number(struct gen *g)
{
	static const char *const shapes[] = {
		"0", "-0", "7", "-42", "1700000000", "9223372036854775807",
		"-9223372036854775808", "1.5", "-0.25", "1e3", "1E-3", "2.5e+10",
		"123456789.123456789", "1e308", "4.9e-324", "1e-400", "0.1",
		"3.14159265358979323846", "12345678901234567890.5", "6.02e23",
		"9007199254740993", "1700000000.9999999",
	};
	char num[48];

	if (rnd(3)) {
		put(g, shapes[rnd(sizeof(shapes) / sizeof(shapes[0]))]);
		return;
	}
	/* A random real: digits, a fraction, an exponent. */
	snprintf(num, sizeof(num), "%s%u.%u%se%s%u", rnd(2) ? "-" : "", rnd(100000),
		 rnd(1000000), rnd(2) ? "1234567" : "", rnd(2) ? "-" : "", rnd(330));
	put(g, num);
}

static void gen_string(struct gen *g)
{
	static const char *const parts[] = {
		"a", "sub", "iss", "exp", "mail.read", " ", "\\\"", "\\\\", "\\/", "\\n",
		"\\t", "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\uFFFF", "\xc3\xa9",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\x7f", "\xc2\x85",
	};
	size_t n = rnd(5);

	put(g, "\"");
	for (size_t i = 0; i < n; i++)
		put(g, parts[rnd(sizeof(parts) / sizeof(parts[0]))]);
	put(g, "\"");
}

static void gen_value(struct gen *g);

static void gen_container(struct gen *g, int object)
{
	size_t n = rnd(5);
	static const char *const names[] = { "a", "b", "aud", "exp", "\\u0061", "" };

	g->depth++;
	put(g, object ? "{" : "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(g, rnd(8) ? "," : " , ");
		if (object) {
			/* Few names: repeats (duplicates) happen, also through
			 * an escaped spelling of "a". */
			put(g, "\"");
			put(g, names[rnd(sizeof(names) / sizeof(names[0]))]);
			if (rnd(2)) {
				char k[16];

				snprintf(k, sizeof(k), "%u", rnd(1000));
				put(g, k);
			}
			put(g, "\":");
		}
		gen_value(g);
	}
	put(g, object ? "}" : "]");
	g->depth--;
}

static void gen_value(struct gen *g)
{
	/* Deep chains now and then, to cross the nesting limit. */
	uint32_t pick = g->depth < 20 ? rnd(g->depth < 3 ? 8 : 11) : 3 + rnd(8);

	switch (pick) {
	case 0:
	case 1:
		gen_container(g, 1);
		break;
	case 2:
		gen_container(g, 0);
		break;
	case 3:
	case 4:
		gen_number(g);
		break;
	case 5:
	case 6:
		gen_string(g);
		break;
	case 7:
		put(g, rnd(3) == 0 ? "null" : rnd(2) ? "true" : "false");
		break;
	default:
		gen_container(g, (int)rnd(2));
		break;
	}
}

/* A generated document: an object at the root, sometimes with whitespace. */
static size_t generate(unsigned char *buf)
{
	struct gen g = { (char *)buf, 0, DIFF_BUF - 1, 0 };

	if (rnd(4) == 0)
		put(&g, " \n\t");
	gen_container(&g, 1);
	if (rnd(4) == 0)
		put(&g, "\r\n");
	return g.len;
}

static void report_mismatch(const char *what, unsigned long i,
			    const unsigned char *buf, size_t len,
			    const char *why)
{
	printf("# %s %lu: %s\n# input (%zu bytes):", what, i, why, len);
	for (size_t k = 0; k < len && k < 600; k++)
		printf("%s%02x", k % 32 ? "" : "\n#   ", buf[k]);
	printf("\n");
}

static void run(const char *what, size_t (*make)(unsigned char *), unsigned long n)
{
	static unsigned char buf[DIFF_BUF];
	struct jdiff_stats st = { 0 };
	unsigned long shown = 0;
	char why[160];

	for (unsigned long i = 0; i < n; i++) {
		size_t len = make(buf);

		if (jdiff_check(buf, len, &st, why, sizeof(why)) == JDIFF_MISMATCH &&
		    shown++ < 5)
			report_mismatch(what, i, buf, len, why);
	}
	printf("# %s: %lu inputs, %lu accepted by both, %lu refused by both, "
	       "%lu deeper than %d, %lu with a NUL jansson skips (both intended), "
	       "%lu disagree; %lu reals compared, %lu not bit-equal (allowed: %d "
	       "ulps)\n",
	       what, st.total, st.accepted, st.refused, st.known_depth,
	       OIDC_JSON_DEPTH_MAX, st.known_nul, st.mismatches, st.reals,
	       st.reals_inexact, JDIFF_REAL_ULPS);
	CHECK(st.mismatches == 0, "%s: jdoc and jansson agree on %lu inputs", what,
	      st.total);
	CHECK(st.written == st.accepted,
	      "%s: the writer wrote all %lu accepted documents as json_dumps does",
	      what, st.accepted);
	CHECK(st.accepted >= n / 10 && st.refused >= n / 10,
	      "%s: both verdicts are frequent (%lu accepted, %lu refused)", what,
	      st.accepted, st.refused);
}

int main(void)
{
	run("mutated claim sets", mutate, DIFF_MUTANTS);
	run("generated documents", generate, DIFF_GENERATED);
	return test_done();
}
