/* SPDX-License-Identifier: MIT */
/*
 * test_truncated.c - oidc_token_cut_limit and oidc_token_cut_refusal
 * (common/truncated.c): which input counts as a JWT cut at a known client
 * limit, and that only refusals a cut causes get the better reason.
 * Table-driven over inputs built here (a JWS-shaped prefix, one byte of it
 * changed); tests/cli/t_truncated.py runs real PyJWT tokens through
 * oidc_validate, tests/sshd the OpenSSH client itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define BUF_MAX 5000

/* len bytes: "eyJ" then base64url filler, dots at the given offsets
 * (0: none), one byte replaced at change_at by change (0: none). */
static void build(char *buf, size_t len, size_t dot1, size_t dot2,
		  size_t change_at, char change)
{
	static const char fill[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	for (size_t i = 0; i < len; i++)
		buf[i] = fill[i % (sizeof(fill) - 1)];
	memcpy(buf, "eyJ", 3);
	if (dot1)
		buf[dot1] = '.';
	if (dot2)
		buf[dot2] = '.';
	if (change)
		buf[change_at] = change;
	buf[len] = '\0';
}

static void test_shapes(void)
{
	static const struct {
		const char *name;
		size_t len, dot1, dot2, change_at;
		char change;
		size_t want;
	} cases[] = {
		{ "header only, 1023 bytes", 1023, 0, 0, 0, 0, 1023 },
		{ "cut in the payload (one dot)", 1023, 40, 0, 0, 0, 1023 },
		{ "cut in the signature (two dots)", 1023, 40, 900, 0, 0, 1023 },
		{ "cut right after the second dot", 1023, 40, 1022, 0, 0, 1023 },
		{ "cut right after the first dot", 1023, 1022, 0, 0, 0, 1023 },
		{ "a terminal line, 4095 bytes", 4095, 100, 3000, 0, 0, 4095 },
		{ "1022 bytes: no known limit", 1022, 40, 900, 0, 0, 0 },
		{ "1024 bytes: no known limit", 1024, 40, 900, 0, 0, 0 },
		{ "4096 bytes: no known limit", 4096, 100, 3000, 0, 0, 0 },
		{ "255 bytes: a neon WebDAV client's password", 255, 40, 0, 0, 0, 255 },
		{ "256 bytes (saslauthd refuses more, never cuts)", 256, 40, 0, 0, 0, 0 },
		{ "not starting with e (no JSON header)", 1023, 40, 900, 0, 'X', 0 },
		{ "a blank inside", 1023, 40, 900, 500, ' ', 0 },
		{ "a base64 '+' inside (not base64url)", 1023, 40, 900, 500, '+', 0 },
		{ "padding '=' inside", 1023, 40, 900, 500, '=', 0 },
		{ "a newline at the end", 1023, 40, 900, 1022, '\n', 0 },
		{ "a third dot (JWE-like)", 1023, 40, 900, 950, '.', 0 },
		{ "two dots in a row", 1023, 40, 41, 0, 0, 0 },
	};
	char buf[BUF_MAX + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build(buf, cases[i].len, cases[i].dot1, cases[i].dot2,
		      cases[i].change_at, cases[i].change);
		CHECK(oidc_token_cut_limit(buf, cases[i].len) == cases[i].want,
		      "cut limit: %s", cases[i].name);
	}
	CHECK(oidc_token_cut_limit(NULL, 1023) == 0, "cut limit: NULL is no token");
	memset(buf, 'p', 1023);
	CHECK(oidc_token_cut_limit(buf, 1023) == 0,
	      "cut limit: a 1023-byte password is no cut token");
}

static void test_refusals(void)
{
	static const struct {
		enum oidc_status in, want;
	} cases[] = {
		{ OIDC_E_MALFORMED, OIDC_E_TOKEN_TRUNCATED },
		{ OIDC_E_BAD_SIGNATURE, OIDC_E_TOKEN_TRUNCATED },
		{ OIDC_E_TOKEN_INACTIVE, OIDC_E_TOKEN_TRUNCATED },
		/* everything else keeps its reason: a cut cannot cause it */
		{ OIDC_OK, OIDC_OK },
		{ OIDC_E_WRONG_AUDIENCE, OIDC_E_WRONG_AUDIENCE },
		{ OIDC_E_EXPIRED, OIDC_E_EXPIRED },
		{ OIDC_E_ALG_NOT_ALLOWED, OIDC_E_ALG_NOT_ALLOWED },
		{ OIDC_E_UNKNOWN_KID, OIDC_E_UNKNOWN_KID },
		{ OIDC_E_IDP_UNREACHABLE, OIDC_E_IDP_UNREACHABLE },
		{ OIDC_E_USER_MISMATCH, OIDC_E_USER_MISMATCH },
	};
	char cut[1024], off[1025];

	build(cut, 1023, 40, 900, 0, 0);
	build(off, 1024, 40, 900, 0, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oidc_error err = { cases[i].in, "before" };

		CHECK_STATUS(oidc_token_cut_refusal(cases[i].in, cut, 1023, &err),
			     cases[i].want, "refusal %s at 1023 bytes",
			     oidc_status_name(cases[i].in));
		CHECK_STATUS(oidc_token_cut_refusal(cases[i].in, off, 1024, NULL),
			     cases[i].in, "refusal %s at 1024 bytes unchanged",
			     oidc_status_name(cases[i].in));
		if (cases[i].want == OIDC_E_TOKEN_TRUNCATED)
			CHECK(err.status == OIDC_E_TOKEN_TRUNCATED &&
			      strstr(err.detail, "1023") &&
			      strstr(err.detail, oidc_status_name(cases[i].in)),
			      "refusal %s: the detail names the old reason and the "
			      "limit (%s)", oidc_status_name(cases[i].in), err.detail);
		else
			CHECK(strcmp(err.detail, "before") == 0,
			      "refusal %s: the detail is left alone",
			      oidc_status_name(cases[i].in));
	}
	CHECK(oidc_status_class(OIDC_E_TOKEN_TRUNCATED) == OIDC_CLASS_DENY,
	      "token_truncated is a refusal (class deny)");
	CHECK(strcmp(oidc_status_name(OIDC_E_TOKEN_TRUNCATED), "token_truncated") == 0,
	      "audit name token_truncated");
}

int main(void)
{
	test_shapes();
	test_refusals();
	return test_done();
}
