/* SPDX-License-Identifier: MIT */
/*
 * test_sasl_wire.c - the OAUTHBEARER / XOAUTH2 wire parser and the JSON
 * error challenge of sasl_xoauth2/wire.c, table driven: valid messages,
 * malformed ones and hostile ones (embedded NULs, overlong names, bad
 * UTF-8, channel binding, smuggled second auth...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sasl_xoauth2/wire.h"
#include "testutil.h"

#define OB OIDC_WIRE_OAUTHBEARER
#define XO OIDC_WIRE_XOAUTH2
#define TOK "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"

struct good_case {
	const char *name;
	enum oidc_wire_mech mech;
	const char *msg;
	size_t len; /* 0: strlen */
	const char *authzid;
	const char *token; /* NULL: probe */
	const char *host;
	int port;
};

static const struct good_case good[] = {
	{ "ob minimal n", OB, "n,,\1auth=Bearer " TOK "\1\1", 0, "", TOK, "", -1 },
	{ "ob y flag", OB, "y,,\1auth=Bearer " TOK "\1\1", 0, "", TOK, "", -1 },
	{ "ob authzid", OB, "n,a=alice,\1auth=Bearer " TOK "\1\1", 0, "alice", TOK, "",
	  -1 },
	{ "ob curl form", OB,
	  "n,a=alice,\1host=127.0.0.1\1port=2525\1auth=Bearer " TOK "\1\1", 0, "alice",
	  TOK, "127.0.0.1", 2525 },
	{ "ob saslname escapes", OB, "n,a=a=2Cb=3Dc,\1auth=Bearer x\1\1", 0, "a,b=c",
	  "x", "", -1 },
	{ "ob utf8 authzid", OB, "n,a=j\xc3\xbcrgen,\1auth=Bearer x\1\1", 0,
	  "j\xc3\xbcrgen", "x", "", -1 },
	{ "ob bearer lower case", OB, "n,,\1auth=bearer x\1\1", 0, "", "x", "", -1 },
	{ "ob bearer mixed case", OB, "n,,\1auth=BeArEr x\1\1", 0, "", "x", "", -1 },
	{ "ob several spaces", OB, "n,,\1auth=Bearer   x\1\1", 0, "", "x", "", -1 },
	{ "ob b64token padding", OB, "n,,\1auth=Bearer ab+/~-._==\1\1", 0, "",
	  "ab+/~-._==", "", -1 },
	{ "ob unknown key ignored", OB, "n,,\1mfa=yes please\1auth=Bearer x\1\1", 0, "",
	  "x", "", -1 },
	{ "ob unknown key empty value", OB, "n,,\1x=\1auth=Bearer x\1\1", 0, "", "x", "",
	  -1 },
	{ "ob auth first then host", OB, "n,,\1auth=Bearer x\1host=mx\1\1", 0, "", "x",
	  "mx", -1 },
	{ "ob port 0", OB, "n,,\1port=0\1auth=Bearer x\1\1", 0, "", "x", "", 0 },
	{ "ob port 65535", OB, "n,,\1port=65535\1auth=Bearer x\1\1", 0, "", "x", "",
	  65535 },
	{ "ob discovery probe", OB, "n,,\1auth=\1\1", 0, "", NULL, "", -1 },
	{ "ob probe with authzid", OB, "n,a=bob,\1auth=\1\1", 0, "bob", NULL, "", -1 },
	{ "xo normal", XO, "user=alice\1auth=Bearer " TOK "\1\1", 0, "alice", TOK, "",
	  -1 },
	{ "xo empty user", XO, "user=\1auth=Bearer x\1\1", 0, "", "x", "", -1 },
	{ "xo bearer case", XO, "user=a@b.c\1auth=BEARER x\1\1", 0, "a@b.c", "x", "",
	  -1 },
	{ "xo probe", XO, "user=alice\1auth=\1\1", 0, "alice", NULL, "", -1 },
};

struct bad_case {
	const char *name;
	enum oidc_wire_mech mech;
	const char *msg;
	size_t len; /* 0: strlen */
};

static const struct bad_case bad[] = {
	{ "ob empty", OB, "", 0 },
	{ "ob lone kvsep", OB, "\1", 0 },
	{ "ob channel binding p=", OB, "p=tls-unique,,\1auth=Bearer x\1\1", 0 },
	{ "ob unknown flag", OB, "x,,\1auth=Bearer x\1\1", 0 },
	{ "ob nonstd F flag", OB, "F,n,,\1auth=Bearer x\1\1", 0 },
	{ "ob missing comma", OB, "n,\1auth=Bearer x\1\1", 0 },
	{ "ob empty authzid", OB, "n,a=,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid bad escape", OB, "n,a=a=2Db,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid lower escape", OB, "n,a=a=2cb,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid short escape", OB, "n,a=a=2,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid raw =", OB, "n,a=a=b,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid control char", OB, "n,a=a\tb,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid NUL", OB, "n,a=root\0x,\1auth=Bearer x\1\1", 27 },
	{ "ob authzid bad utf8", OB, "n,a=\xc3,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid overlong utf8", OB, "n,a=\xc0\xaf,\1auth=Bearer x\1\1", 0 },
	{ "ob authzid surrogate", OB, "n,a=\xed\xa0\x80,\1auth=Bearer x\1\1", 0 },
	{ "ob other gs2 field", OB, "n,b=x,\1auth=Bearer x\1\1", 0 },
	{ "ob no kvsep after gs2", OB, "n,,auth=Bearer x\1\1", 0 },
	{ "ob no auth", OB, "n,,\1host=a\1\1", 0 },
	{ "ob no kvpairs", OB, "n,,\1\1", 0 },
	{ "ob duplicate auth", OB, "n,,\1auth=Bearer x\1auth=Bearer y\1\1", 0 },
	{ "ob duplicate probe then token", OB, "n,,\1auth=\1auth=Bearer y\1\1", 0 },
	{ "ob duplicate host", OB, "n,,\1host=a\1host=b\1auth=Bearer x\1\1", 0 },
	{ "ob duplicate port", OB, "n,,\1port=1\1port=2\1auth=Bearer x\1\1", 0 },
	{ "ob missing final kvsep", OB, "n,,\1auth=Bearer x\1", 0 },
	{ "ob missing both kvseps", OB, "n,,\1auth=Bearer x", 0 },
	{ "ob trailing byte", OB, "n,,\1auth=Bearer x\1\1z", 0 },
	{ "ob extra kvsep", OB, "n,,\1auth=Bearer x\1\1\1", 0 },
	{ "ob not bearer", OB, "n,,\1auth=Basic YWxpY2U6cHc=\1\1", 0 },
	{ "ob bearer no space", OB, "n,,\1auth=Bearerx\1\1", 0 },
	{ "ob bearer empty token", OB, "n,,\1auth=Bearer \1\1", 0 },
	{ "ob bearer only", OB, "n,,\1auth=Bearer\1\1", 0 },
	{ "ob token with space", OB, "n,,\1auth=Bearer a b\1\1", 0 },
	{ "ob token trailing space", OB, "n,,\1auth=Bearer ab \1\1", 0 },
	{ "ob token tab", OB, "n,,\1auth=Bearer\tab\1\1", 0 },
	{ "ob token bad char", OB, "n,,\1auth=Bearer a,b\1\1", 0 },
	{ "ob token only padding", OB, "n,,\1auth=Bearer ==\1\1", 0 },
	{ "ob token padding inside", OB, "n,,\1auth=Bearer a=b\1\1", 0 },
	{ "ob token NUL", OB, "n,,\1auth=Bearer ab\0cd\1\1", 22 },
	{ "ob token 8-bit", OB, "n,,\1auth=Bearer a\xffz\1\1", 0 },
	{ "ob key with digit", OB, "n,,\1k1=v\1auth=Bearer x\1\1", 0 },
	{ "ob empty key", OB, "n,,\1=v\1auth=Bearer x\1\1", 0 },
	{ "ob key without =", OB, "n,,\1auth\1\1", 0 },
	{ "ob value control char", OB, "n,,\1x=\x02\1auth=Bearer x\1\1", 0 },
	{ "ob port letters", OB, "n,,\1port=25a\1auth=Bearer x\1\1", 0 },
	{ "ob port too big", OB, "n,,\1port=65536\1auth=Bearer x\1\1", 0 },
	{ "ob port too long", OB, "n,,\1port=000025\1auth=Bearer x\1\1", 0 },
	{ "ob port empty", OB, "n,,\1port=\1auth=Bearer x\1\1", 0 },
	{ "ob port sign", OB, "n,,\1port=+25\1auth=Bearer x\1\1", 0 },
	{ "ob host empty", OB, "n,,\1host=\1auth=Bearer x\1\1", 0 },
	{ "ob host space", OB, "n,,\1host=a b\1auth=Bearer x\1\1", 0 },
	{ "ob auth key upper case", OB, "n,,\1AUTH=Bearer x\1\1", 0 },
	{ "xo no user", XO, "auth=Bearer x\1\1", 0 },
	{ "xo user last", XO, "auth=Bearer x\1user=a\1\1", 0 },
	{ "xo missing final", XO, "user=a\1auth=Bearer x\1", 0 },
	{ "xo trailing", XO, "user=a\1auth=Bearer x\1\1\1", 0 },
	{ "xo extra key", XO, "user=a\1host=b\1auth=Bearer x\1\1", 0 },
	{ "xo user control", XO, "user=a\nb\1auth=Bearer x\1\1", 0 },
	{ "xo user NUL", XO, "user=a\0b\1auth=Bearer x\1\1", 22 },
	{ "xo not bearer", XO, "user=a\1auth=Basic x\1\1", 0 },
	{ "xo gs2 header", XO, "n,,\1auth=Bearer x\1\1", 0 },
	{ "xo empty", XO, "", 0 },
};

static void run_good(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *t = &good[i];
		size_t len = t->len ? t->len : strlen(t->msg);
		struct oidc_wire_msg m;
		enum oidc_status st = oidc_wire_parse(t->mech, t->msg, len, &m);

		CHECK_STATUS(st, OIDC_OK, "valid: %s", t->name);
		if (st != OIDC_OK)
			continue;
		CHECK(strcmp(m.authzid, t->authzid) == 0, "valid: %s: authzid", t->name);
		if (t->token)
			CHECK(!m.probe && m.token_len == strlen(t->token) &&
				      memcmp(m.token, t->token, m.token_len) == 0,
			      "valid: %s: token", t->name);
		else
			CHECK(m.probe && m.token_len == 0, "valid: %s: probe", t->name);
		CHECK(strcmp(m.host, t->host) == 0 && m.port == t->port,
		      "valid: %s: host and port", t->name);
	}
}

static void run_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *t = &bad[i];
		size_t len = t->len ? t->len : strlen(t->msg);
		struct oidc_wire_msg m;

		CHECK_STATUS(oidc_wire_parse(t->mech, t->msg, len, &m),
			     OIDC_E_BAD_REQUEST, "malformed: %s", t->name);
		CHECK(m.authzid[0] == '\0' && m.token == NULL,
		      "malformed: %s: nothing returned", t->name);
	}
}

/* Hostile sizes: names at and past the limit, a huge token, a message
 * past OIDC_WIRE_MSG_MAX. */
static void run_limits(void)
{
	size_t cap = OIDC_WIRE_MSG_MAX + 64;
	char *buf = malloc(cap);
	char name[OIDC_WIRE_NAME_MAX + 2];
	struct oidc_wire_msg m;
	int n;

	if (!CHECK(buf != NULL, "limits: allocation"))
		return;
	memset(name, 'u', sizeof(name));
	name[OIDC_WIRE_NAME_MAX] = '\0';
	n = snprintf(buf, cap, "n,a=%s,\1auth=Bearer x\1\1", name);
	CHECK_STATUS(oidc_wire_parse(OB, buf, (size_t)n, &m), OIDC_OK,
		     "limits: authzid of %d bytes", OIDC_WIRE_NAME_MAX);
	name[OIDC_WIRE_NAME_MAX] = 'u';
	name[OIDC_WIRE_NAME_MAX + 1] = '\0';
	n = snprintf(buf, cap, "n,a=%s,\1auth=Bearer x\1\1", name);
	CHECK_STATUS(oidc_wire_parse(OB, buf, (size_t)n, &m), OIDC_E_BAD_REQUEST,
		     "limits: authzid one byte too long");
	n = snprintf(buf, cap, "user=%s\1auth=Bearer x\1\1", name);
	CHECK_STATUS(oidc_wire_parse(XO, buf, (size_t)n, &m), OIDC_E_BAD_REQUEST,
		     "limits: xoauth2 user one byte too long");

	memcpy(buf, "n,,\1auth=Bearer ", 16);
	memset(buf + 16, 'A', 8192);
	memcpy(buf + 16 + 8192, "\1\1", 2);
	CHECK_STATUS(oidc_wire_parse(OB, buf, 16 + 8192 + 2, &m), OIDC_OK,
		     "limits: 8 KB token");
	CHECK(m.token_len == 8192, "limits: 8 KB token length");

	memset(buf + 16, 'A', cap - 16);
	memcpy(buf + OIDC_WIRE_MSG_MAX - 1, "\1\1", 2);
	CHECK_STATUS(oidc_wire_parse(OB, buf, OIDC_WIRE_MSG_MAX + 1, &m),
		     OIDC_E_BAD_REQUEST, "limits: message past the maximum");
	/* many unknown keys: still linear, still accepted */
	n = 0;
	memcpy(buf, "n,,\1", 4);
	n = 4;
	while (n < 60000) {
		memcpy(buf + n, "k=v\1", 4);
		n += 4;
	}
	memcpy(buf + n, "auth=Bearer x\1\1", 15);
	CHECK_STATUS(oidc_wire_parse(OB, buf, (size_t)n + 15, &m), OIDC_OK,
		     "limits: 15000 unknown keys");
	free(buf);
}

static void run_ack(void)
{
	const char first[] = "n,,\1auth=Bearer x\1\1";

	CHECK(oidc_wire_is_error_ack(OB, "\1", 1, first, sizeof(first) - 1),
	      "ack: %%x01");
	CHECK(!oidc_wire_is_error_ack(OB, "", 0, first, sizeof(first) - 1),
	      "ack: empty is not an OAUTHBEARER ack");
	CHECK(oidc_wire_is_error_ack(XO, "", 0, NULL, 0), "ack: empty XOAUTH2");
	CHECK(oidc_wire_is_error_ack(OB, first, sizeof(first) - 1, first,
				     sizeof(first) - 1),
	      "ack: the first message again");
	CHECK(!oidc_wire_is_error_ack(OB, "n,,\1auth=Bearer y\1\1", 19, first,
				      sizeof(first) - 1),
	      "ack: another token is not an ack");
	CHECK(!oidc_wire_is_error_ack(OB, "\1\1", 2, first, sizeof(first) - 1),
	      "ack: two bytes are not an ack");
}

static void run_challenge(void)
{
	char out[OIDC_WIRE_CHALLENGE_MAX];
	size_t n;

	n = oidc_wire_challenge(OB, OIDC_WIRE_INVALID_TOKEN, "mail.read",
				"https://idp/.well-known/openid-configuration", out,
				sizeof(out));
	CHECK(n == strlen(out) &&
		      strcmp(out, "{\"status\":\"invalid_token\",\"scope\":\"mail.read\","
				  "\"openid-configuration\":"
				  "\"https://idp/.well-known/openid-configuration\"}") == 0,
	      "challenge: oauthbearer invalid_token");
	n = oidc_wire_challenge(OB, OIDC_WIRE_INSUFFICIENT_SCOPE, NULL, NULL, out,
				sizeof(out));
	CHECK(n > 0 && strcmp(out, "{\"status\":\"insufficient_scope\"}") == 0,
	      "challenge: oauthbearer without scope and configuration");
	n = oidc_wire_challenge(XO, OIDC_WIRE_INVALID_REQUEST, "a b", NULL, out,
				sizeof(out));
	CHECK(n > 0 && strcmp(out, "{\"status\":\"400\",\"schemes\":\"bearer\","
				   "\"scope\":\"a b\"}") == 0,
	      "challenge: xoauth2 400");
	n = oidc_wire_challenge(XO, OIDC_WIRE_INVALID_TOKEN, NULL, NULL, out, sizeof(out));
	CHECK(n > 0 && strcmp(out, "{\"status\":\"401\",\"schemes\":\"bearer\"}") == 0,
	      "challenge: xoauth2 401");
	n = oidc_wire_challenge(OB, OIDC_WIRE_INVALID_TOKEN, "q\"\\", NULL, out,
				sizeof(out));
	CHECK(n > 0 && strstr(out, "\"q\\\"\\\\\"") != NULL, "challenge: JSON escaping");
	CHECK(oidc_wire_challenge(OB, OIDC_WIRE_INVALID_TOKEN, "a\nb", NULL, out,
				  sizeof(out)) == 0,
	      "challenge: control character refused");
	CHECK(oidc_wire_challenge(OB, OIDC_WIRE_INVALID_TOKEN, "mail.read", NULL, out,
				  20) == 0,
	      "challenge: too small a buffer");
}

static void run_build(void)
{
	char out[256];
	struct oidc_wire_msg m;
	size_t n;

	n = oidc_wire_build(OB, "a,b=c", "mx.example", 587, "tok", out, sizeof(out));
	CHECK(n > 0 && memcmp(out, "n,a=a=2Cb=3Dc,\1host=mx.example\1port=587\1"
				   "auth=Bearer tok\1\1", n) == 0,
	      "build: oauthbearer with escapes, host and port");
	CHECK(n > 0 && oidc_wire_parse(OB, out, n, &m) == OIDC_OK &&
		      strcmp(m.authzid, "a,b=c") == 0 && m.port == 587,
	      "build: oauthbearer parses back");
	n = oidc_wire_build(XO, "alice", NULL, -1, "tok", out, sizeof(out));
	CHECK(n > 0 && memcmp(out, "user=alice\1auth=Bearer tok\1\1", n) == 0,
	      "build: xoauth2");
	CHECK(oidc_wire_build(OB, NULL, NULL, -1, "tok", out, 10) == 0,
	      "build: too small a buffer");
}

int main(void)
{
	run_good();
	run_bad();
	run_limits();
	run_ack();
	run_challenge();
	run_build();
	return test_done();
}
