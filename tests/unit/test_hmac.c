/* SPDX-License-Identifier: MIT */
/*
 * test_hmac.c - HS256/384/512 verification (jwk.c keeps the RFC 2104 inner
 * and outer hash states of a secret, jws.c finishes them per token;
 * checklist A5, B8): RFC 4231 test cases 6 and 7 (keys longer than a
 * block), then keys of every length class (shorter than, equal to and
 * longer than the 64- and 128-byte blocks) and messages of 0..2000 bytes
 * against Python's hmac module. Each right tag must verify; the tag with
 * one bit flipped, or one byte short, must not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define MSG_MAX 2048
#define KEY_MAX 512

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hex into out (at most cap bytes); the number of bytes, or -1. */
static long unhex(const char *s, size_t n, unsigned char *out, size_t cap)
{
	size_t i;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)i;
}

/* Verify tag over msg with a key made from secret: the right tag, one bit
 * flipped, one byte short. 1 when all three come out as they must. */
static int check_tag(enum oidc_alg alg, const unsigned char *secret, size_t secret_len,
		     const unsigned char *msg, size_t msg_len, const unsigned char *tag,
		     size_t tag_len)
{
	struct oidc_key *key = NULL;
	struct oidc_jws jws;
	unsigned char sig[64];
	int ok = 0;

	if (tag_len > sizeof(sig) ||
	    oidc_key_from_secret(secret, secret_len, "k", &key, NULL) != OIDC_OK)
		return 0;
	memset(&jws, 0, sizeof(jws));
	jws.alg = alg;
	jws.signing_input = (const char *)msg;
	jws.signing_input_len = msg_len;
	jws.sig = sig;
	memcpy(sig, tag, tag_len);
	jws.sig_len = tag_len;
	if (oidc_jws_check_signature(&jws, key, NULL) == OIDC_OK) {
		sig[tag_len / 2] ^= 0x10;
		if (oidc_jws_check_signature(&jws, key, NULL) == OIDC_E_BAD_SIGNATURE) {
			sig[tag_len / 2] ^= 0x10;
			jws.sig_len = tag_len - 1;
			ok = oidc_jws_check_signature(&jws, key, NULL) == OIDC_E_BAD_SIGNATURE;
		}
	}
	oidc_key_free(&key);
	return ok;
}

static void test_rfc4231(void)
{
	static const char *const data[] = {
		"Test Using Larger Than Block-Size Key - Hash Key First",
		"This is a test using a larger than block-size key and a larger than "
		"block-size data. The key needs to be hashed before being used by the "
		"HMAC algorithm.",
	};
	/* RFC 4231 4.7 and 4.8: HMAC-SHA-256, -384, -512. */
	static const char *const tags[2][3] = {
		{ "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
		  "0c2ef6ab4030fe8296248df163f44952",
		  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
		  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
		{ "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
		  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
		  "a678cc31e799176d3860e6110c46523e",
		  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
		  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58" },
	};
	unsigned char key[131], tag[64];

	memset(key, 0xaa, sizeof(key));
	for (int d = 0; d < 2; d++) {
		for (int h = 0; h < 3; h++) {
			long n = unhex(tags[d][h], strlen(tags[d][h]), tag, sizeof(tag));

			CHECK(n > 0 && check_tag(OIDC_ALG_HS256 + h, key, sizeof(key),
						 (const unsigned char *)data[d],
						 strlen(data[d]), tag, (size_t)n),
			      "RFC 4231 test case %d, HS%d", 6 + d, 256 + 128 * h);
		}
	}
}

/* Python's hmac on keys of 32..300 bytes and messages of 0..2000 bytes. */
static void test_against_python(void)
{
	const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
	static char line[2 * (KEY_MAX + MSG_MAX + 64) + 16];
	static unsigned char key[KEY_MAX], msg[MSG_MAX], tag[64];
	char cmd[1024];
	int lines = 0, bad = 0, long_keys = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "%s -c 'import hmac,random\n"
		 "r=random.Random(4231)\n"
		 "lens=[32,33,47,48,63,64,65,100,127,128,129,200,300]\n"
		 "for i in range(240):\n"
		 " k=bytes(r.randrange(256) for _ in range(lens[i%%len(lens)]))\n"
		 " m=bytes(r.randrange(256) for _ in range(r.choice([0,1,55,56,64,119,"
		 "120,128,r.randrange(2000)])))\n"
		 " h=[\"sha256\",\"sha384\",\"sha512\"][i%%3]\n"
		 " print(h[3:], k.hex(), m.hex() or \"-\", hmac.new(k,m,h).hexdigest())'",
		 py);
	p = popen(cmd, "r");
	if (!CHECK(p != NULL, "run python3 hmac"))
		return;
	while (fgets(line, sizeof(line), p)) {
		char *f[4], *q = line;
		long kl, ml, tl;
		int bits, i;

		/* Four space-separated fields. */
		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < 4 && q; i++) {
			f[i] = q;
			q = strchr(q, ' ');
			if (q)
				*q++ = '\0';
		}
		if (i < 4)
			continue;
		lines++;
		bits = (int)strtol(f[0], NULL, 10);
		kl = unhex(f[1], strlen(f[1]), key, sizeof(key));
		ml = strcmp(f[2], "-") == 0 ? 0 : unhex(f[2], strlen(f[2]), msg, sizeof(msg));
		tl = unhex(f[3], strlen(f[3]), tag, sizeof(tag));
		if (kl < 0 || ml < 0 || tl < 0) {
			bad++;
			continue;
		}
		/* RFC 7518 3.2: HS384/HS512 need keys of 48/64 bytes. */
		if ((size_t)kl < (size_t)bits / 8)
			continue;
		long_keys += kl > 128;
		if (!check_tag(bits == 256 ? OIDC_ALG_HS256 : bits == 384 ? OIDC_ALG_HS384 :
			       OIDC_ALG_HS512, key, (size_t)kl, msg, (size_t)ml, tag,
			       (size_t)tl))
			bad++;
	}
	pclose(p);
	CHECK(lines == 240 && bad == 0 && long_keys > 0,
	      "240 keys and messages agree with Python's hmac (%d lines, %d bad)", lines,
	      bad);
}

/* Too short for the hash: the algorithm stays unusable (RFC 7518 3.2). */
static void test_short_keys(void)
{
	unsigned char secret[63];
	struct oidc_key *key = NULL;

	memset(secret, 0x5a, sizeof(secret));
	CHECK(oidc_key_from_secret(secret, 48, NULL, &key, NULL) == OIDC_OK &&
		      oidc_key_fits_alg(key, OIDC_ALG_HS256) &&
		      oidc_key_fits_alg(key, OIDC_ALG_HS384) &&
		      !oidc_key_fits_alg(key, OIDC_ALG_HS512),
	      "48-byte secret: HS256 and HS384, not HS512");
	oidc_key_free(&key);
	CHECK(oidc_key_from_secret(secret, 31, NULL, &key, NULL) == OIDC_E_CONFIG && !key,
	      "31-byte secret refused");
}

int main(void)
{
	test_rfc4231();
	test_against_python();
	test_short_keys();
	return test_done();
}
