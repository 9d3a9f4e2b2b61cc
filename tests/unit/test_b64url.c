/* SPDX-License-Identifier: MIT */
/*
 * test_b64url.c - strict base64url (common/b64url.c, checklist C1):
 * RFC 4648 section 10 vectors, random data cross-checked with Python's
 * base64 module, and every way an encoding can be non-canonical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static enum oidc_status decode(const char *in, unsigned char *out, size_t cap, size_t *n)
{
	return oidc_b64url_decode(in, strlen(in), out, cap, n);
}

/* RFC 4648 section 10, without padding (RFC 7515 section 2). */
static void test_rfc4648(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
					   "Zm9vYmFy" };
	unsigned char out[16];
	size_t n = 99;

	for (size_t i = 0; i < 7; i++) {
		CHECK_STATUS(decode(enc[i], out, sizeof(out), &n), OIDC_OK, "decode \"%s\"",
			     enc[i]);
		CHECK(n == strlen(plain[i]) && memcmp(out, plain[i], n) == 0,
		      "\"%s\" decodes to \"%s\"", enc[i], plain[i]);
		char *e = oidc_b64url_encode((const unsigned char *)plain[i], strlen(plain[i]));
		CHECK(e && strcmp(e, enc[i]) == 0, "encode \"%s\"", plain[i]);
		free(e);
	}
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 200 random strings of 0..199 bytes, encoded by Python. */
static void test_against_python(void)
{
	const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	char cmd[512], line[1024];
	unsigned char raw[256], out[256];
	int lines = 0, bad = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "%s -c 'import base64,os\n"
		 "for i in range(200):\n"
		 " b=os.urandom(i)\n"
		 " print(b.hex(), base64.urlsafe_b64encode(b).rstrip(b\"=\").decode() or \"-\")'",
		 py);
	p = popen(cmd, "r");
	if (!CHECK(p != NULL, "run python3 base64"))
		return;
	while (fgets(line, sizeof(line), p)) {
		char *sp = strchr(line, ' ');
		size_t rl = 0, n = 0;

		if (!sp)
			continue;
		*sp++ = '\0';
		sp[strcspn(sp, "\n")] = '\0';
		if (strcmp(sp, "-") == 0)
			sp[0] = '\0';
		for (size_t i = 0; line[2 * i] && line[2 * i + 1]; i++, rl++)
			raw[i] = (unsigned char)(hex_nibble(line[2 * i]) << 4 |
						 hex_nibble(line[2 * i + 1]));
		lines++;
		char *e = oidc_b64url_encode(raw, rl);
		if (!e || strcmp(e, sp) != 0)
			bad++;
		free(e);
		if (oidc_b64url_decode(sp, strlen(sp), out, sizeof(out), &n) != OIDC_OK ||
		    n != rl || memcmp(out, raw, n) != 0 || n > oidc_b64url_decoded_max(strlen(sp)))
			bad++;
	}
	pclose(p);
	CHECK(lines == 200 && bad == 0, "200 random strings agree with Python (%d lines, %d bad)",
	      lines, bad);
}

static void test_strict(void)
{
	static const char *const bad[] = {
		"Zg==",       /* padding */
		"Zm8=",       /* padding */
		"Zh",         /* 4 unused bits not zero (RFC 4648 3.5) */
		"Zm9",        /* 2 unused bits not zero */
		"Zm9vY",      /* len % 4 == 1 */
		"Z",          /* len % 4 == 1 */
		"Zm+v",       /* base64, not base64url */
		"Zm/v",
		"Zm9 v",      /* space */
		"Zm9v\n",     /* newline */
		"Zm9v\r\nYg", /* CRLF */
		"Zm.v",
		"Zm9v=Yg",
		"\xc3\xa9Zm",  /* non-ASCII */
	};
	unsigned char out[64];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_STATUS(decode(bad[i], out, sizeof(out), &n), OIDC_E_MALFORMED,
			     "non-canonical or foreign input %zu rejected", i);
	CHECK_STATUS(oidc_b64url_decode("Zm\0v", 4, out, sizeof(out), &n), OIDC_E_MALFORMED,
		     "NUL inside the input");
	/* Every last character of a 2-character group but the canonical ones. */
	int accepted = 0;
	for (const char *c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	     *c; c++) {
		char in[3] = { 'Z', *c, 0 };
		if (decode(in, out, sizeof(out), &n) == OIDC_OK)
			accepted++;
	}
	CHECK(accepted == 4, "exactly 4 of 64 final characters are canonical after 'Z' (%d)",
	      accepted);
	CHECK_STATUS(decode("Zm9vYmFy", out, 5, &n), OIDC_E_MALFORMED, "output buffer too small");
	CHECK_STATUS(decode("Zm9vYmFy", out, 6, &n), OIDC_OK, "output buffer just large enough");
	CHECK_STATUS(decode("Zm9vYg", out, 4, &n), OIDC_OK, "partial group fits exactly");
	CHECK(n == 4, "4 bytes");
	CHECK_STATUS(decode("Zm9vYg", out, 3, &n), OIDC_E_MALFORMED, "partial group overflows");

	unsigned char *buf = NULL;
	size_t len = 0;
	CHECK_STATUS(oidc_b64url_decode_alloc("Zm9vYmE", 7, &buf, &len), OIDC_OK, "decode_alloc");
	CHECK(buf && len == 5 && memcmp(buf, "fooba", 5) == 0 && buf[5] == '\0',
	      "decode_alloc NUL-terminates");
	free(buf);
	buf = NULL;
	CHECK_STATUS(oidc_b64url_decode_alloc("Zm9vY", 5, &buf, &len), OIDC_E_MALFORMED,
		     "decode_alloc rejects len %% 4 == 1");
	CHECK(buf == NULL, "no buffer on failure");
	for (size_t l = 0; l < 64; l++)
		if (oidc_b64url_decoded_max(l) < l * 3 / 4)
			CHECK(0, "decoded_max(%zu) too small", l);
	CHECK(oidc_b64url_decoded_max(4) >= 3 && oidc_b64url_decoded_max(3) >= 2,
	      "decoded_max bounds");
}

int main(void)
{
	test_rfc4648();
	test_against_python();
	test_strict();
	return test_done();
}
