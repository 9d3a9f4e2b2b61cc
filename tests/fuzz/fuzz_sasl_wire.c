/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sasl_wire.c - libFuzzer harness for the OAUTHBEARER / XOAUTH2 wire
 * parser (sasl_xoauth2/wire.c). The first byte picks the mechanism (even:
 * OAUTHBEARER, odd: XOAUTH2), the rest is the client message.
 *
 * Invariants, any breach aborts: an accepted message has its token inside
 * the input and made of b64token characters only, a NUL-terminated authzid
 * without control characters, a port in 0..65535 or -1; rebuilding the
 * message from what was parsed and parsing it again gives the same fields;
 * a refused message leaves nothing behind; the challenge builder never
 * writes past its buffer whatever the scope string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sasl_xoauth2/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_sasl_wire: %s\n", what);
	abort();
}

static void check_accepted(enum oidc_wire_mech mech, const char *in, size_t len,
			   const struct oidc_wire_msg *m)
{
	static char again[OIDC_WIRE_MSG_MAX + 1024];
	char tok[OIDC_WIRE_MSG_MAX + 1];
	struct oidc_wire_msg m2;
	size_t n;

	if (m->probe != (m->token_len == 0))
		fuzz_die("probe flag and token length disagree");
	if (m->token_len && (m->token < in || m->token + m->token_len > in + len))
		fuzz_die("token outside the input");
	for (size_t i = 0; i < m->token_len; i++) {
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789-._~+/=", m->token[i]) || m->token[i] == '\0')
			fuzz_die("token character outside b64token");
	}
	if (memchr(m->authzid, '\0', sizeof(m->authzid)) == NULL ||
	    memchr(m->host, '\0', sizeof(m->host)) == NULL)
		fuzz_die("unterminated name");
	for (const char *s = m->authzid; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fuzz_die("control character in authzid");
	}
	if (m->port < -1 || m->port > 65535)
		fuzz_die("port out of range");
	if (m->probe)
		return;
	/* round trip through the client-side builder */
	memcpy(tok, m->token, m->token_len);
	tok[m->token_len] = '\0';
	n = oidc_wire_build(mech, m->authzid, m->host, m->port, tok, again,
			    sizeof(again));
	if (n == 0)
		return; /* an authzid near the limit may not be re-encodable */
	if (oidc_wire_parse(mech, again, n, &m2) != OIDC_OK)
		fuzz_die("rebuilt message refused");
	if (strcmp(m2.authzid, m->authzid) != 0 || m2.token_len != m->token_len ||
	    memcmp(m2.token, tok, m2.token_len) != 0)
		fuzz_die("rebuilt message differs");
	if (mech == OIDC_WIRE_OAUTHBEARER &&
	    (strcmp(m2.host, m->host) != 0 || m2.port != m->port))
		fuzz_die("rebuilt host/port differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum oidc_wire_mech mech;
	struct oidc_wire_msg m;
	char scope[300], out[OIDC_WIRE_CHALLENGE_MAX];
	const char *in;
	size_t len, n;

	if (size < 1)
		return 0;
	mech = (data[0] & 1) ? OIDC_WIRE_XOAUTH2 : OIDC_WIRE_OAUTHBEARER;
	in = (const char *)data + 1;
	len = size - 1;
	if (oidc_wire_parse(mech, in, len, &m) == OIDC_OK) {
		check_accepted(mech, in, len, &m);
	} else if (m.authzid[0] || m.token || m.host[0] || m.port != -1) {
		fuzz_die("refused message left fields behind");
	}
	(void)oidc_wire_is_error_ack(mech, in, len, in, len);
	/* the input as a scope string for the challenge builder */
	n = len < sizeof(scope) - 1 ? len : sizeof(scope) - 1;
	memcpy(scope, in, n);
	scope[n] = '\0';
	n = oidc_wire_challenge(mech, (enum oidc_wire_error)(data[0] % 3), scope, scope,
				out, sizeof(out));
	if (n >= sizeof(out) || (n && strlen(out) != n))
		fuzz_die("challenge length wrong");
	return 0;
}
