/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the OAUTHBEARER (RFC 7628) and XOAUTH2 client messages and the
 * server's JSON error challenge, with no SASL dependency (unit-tested and
 * fuzzed on their own). Only common/oidc.h for the status codes.
 */
#ifndef OIDC_SASL_WIRE_H
#define OIDC_SASL_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "oidc.h"

/* Bounds enforced where the bytes arrive. */
#define OIDC_WIRE_MSG_MAX 70000      /* whole client message */
#define OIDC_WIRE_NAME_MAX 256       /* decoded authzid / user= */
#define OIDC_WIRE_HOST_MAX 255       /* host= value */
#define OIDC_WIRE_CHALLENGE_MAX 2048 /* the JSON we send */

enum oidc_wire_mech {
	OIDC_WIRE_OAUTHBEARER,
	OIDC_WIRE_XOAUTH2,
};

/*
 * One parsed client message. authzid, host and the token point into
 * storage owned by the struct (authzid is decoded, so it is a copy) or into
 * the caller's input (token, host): keep the input alive while using them.
 */
struct oidc_wire_msg {
	char authzid[OIDC_WIRE_NAME_MAX + 1]; /* "" when none was sent */
	const char *token;                    /* not NUL-terminated */
	size_t token_len;                     /* 0 for a discovery probe */
	bool probe;                           /* "auth=" empty: RFC 7628 4.3 */
	char host[OIDC_WIRE_HOST_MAX + 1];    /* "" when none was sent */
	int port;                             /* -1 when none was sent */
};

/*
 * Parse a client's initial response. OIDC_OK and *msg filled, or
 * OIDC_E_BAD_REQUEST for anything the grammar does not allow (channel
 * binding "p=", bad saslname escapes, missing or repeated auth, bad
 * b64token, missing final %x01, trailing bytes...).
 */
enum oidc_status oidc_wire_parse(enum oidc_wire_mech mech, const char *in,
				 size_t len, struct oidc_wire_msg *msg);

/*
 * RFC 7628 3.2.3: after an error challenge the client must answer %x01;
 * XOAUTH2 clients send an empty response. Some clients repeat their first
 * message. True when in/len is one of the acceptable answers.
 */
bool oidc_wire_is_error_ack(enum oidc_wire_mech mech, const char *in,
			    size_t len, const char *first, size_t first_len);

/* Which status goes into the error challenge. */
enum oidc_wire_error {
	OIDC_WIRE_INVALID_TOKEN,      /* 401 */
	OIDC_WIRE_INSUFFICIENT_SCOPE, /* 403 */
	OIDC_WIRE_INVALID_REQUEST,    /* 400 */
};

/*
 * The JSON error challenge (RFC 7628 3.2.2), into out (cap bytes, NUL
 * terminated). OAUTHBEARER: {"status":"invalid_token","scope":...,
 * "openid-configuration":...}; XOAUTH2: {"status":"401","schemes":"bearer",
 * "scope":...}. scope and openid_config may be NULL (left out). Returns the
 * length, or 0 when it does not fit or a value is not printable ASCII.
 */
size_t oidc_wire_challenge(enum oidc_wire_mech mech, enum oidc_wire_error e,
			   const char *scope, const char *openid_config,
			   char *out, size_t cap);

/* The client messages, for the client plugin; 0 when out is too small. */
size_t oidc_wire_build(enum oidc_wire_mech mech, const char *authzid,
		       const char *host, int port, const char *token,
		       char *out, size_t cap);

#endif /* OIDC_SASL_WIRE_H */
