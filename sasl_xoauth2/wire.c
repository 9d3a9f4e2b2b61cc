/* SPDX-License-Identifier: MIT */
/*
 * wire.c - OAUTHBEARER (RFC 7628 3.1, GS2 header of RFC 5801) and XOAUTH2
 * client messages, and the JSON error challenge. Pure byte handling: no
 * SASL header, no allocation, every bound named in wire.h.
 */
#include <stdio.h>
#include <string.h>

#include "wire.h"

#define KVSEP '\x01'

/* A cursor over the message: every read is bounded by end. */
struct cur {
	const char *p;
	const char *end;
};

static bool at_end(const struct cur *c)
{
	return c->p >= c->end;
}

static bool take(struct cur *c, char ch)
{
	if (at_end(c) || *c->p != ch)
		return false;
	c->p++;
	return true;
}

/* Length of one well-formed UTF-8 sequence at s (at most n bytes), or 0.
 * Overlong forms, surrogates and code points above U+10FFFF are refused. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Append len bytes of a name to out (bounded), refusing control characters
 * and invalid UTF-8: the name becomes a user name in the host. */
static bool name_append(char *out, size_t *olen, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t n = utf8_seq(u, len - i);

		if (n == 0 || u[0] < 0x20 || u[0] == 0x7f)
			return false;
		if (*olen + n > OIDC_WIRE_NAME_MAX)
			return false;
		memcpy(out + *olen, u, n);
		*olen += n;
		i += n;
	}
	out[*olen] = '\0';
	return true;
}

/* RFC 5801 4: saslname = 1*(UTF8-char-safe / "=2C" / "=3D"), up to ','. */
static bool parse_saslname(struct cur *c, char *out)
{
	size_t olen = 0;
	const char *start = c->p;

	while (!at_end(c) && *c->p != ',') {
		const char *run = c->p;

		while (!at_end(c) && *c->p != ',' && *c->p != '=')
			c->p++;
		if (!name_append(out, &olen, run, (size_t)(c->p - run)))
			return false;
		if (at_end(c) || *c->p == ',')
			break;
		/* '=' must start "=2C" or "=3D", nothing else */
		if (c->end - c->p < 3)
			return false;
		if (c->p[1] == '2' && c->p[2] == 'C') {
			if (!name_append(out, &olen, ",", 1))
				return false;
		} else if (c->p[1] == '3' && c->p[2] == 'D') {
			if (!name_append(out, &olen, "=", 1))
				return false;
		} else {
			return false;
		}
		c->p += 3;
	}
	return c->p > start && olen > 0;
}

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
static bool b64token_ok(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~' || ch == '+' || ch == '/')
			i++;
		else
			break;
	}
	if (i == 0)
		return false;
	while (i < len && s[i] == '=')
		i++;
	return i == len;
}

/* auth-value: "" (discovery probe) or "Bearer" 1*SP b64token, the scheme
 * name without case (RFC 7235 2.1). */
static bool parse_auth(const char *v, size_t len, struct oidc_wire_msg *msg)
{
	size_t i = 6;

	if (len == 0) {
		msg->probe = true;
		return true;
	}
	if (len < 8 || strncasecmp(v, "Bearer", 6) != 0 || v[6] != ' ')
		return false;
	while (i < len && v[i] == ' ')
		i++;
	if (!b64token_ok(v + i, len - i))
		return false;
	msg->token = v + i;
	msg->token_len = len - i;
	return true;
}

/* RFC 7628 3.1: value = *(VCHAR / SP / HTAB / CR / LF), up to %x01. */
static bool take_value(struct cur *c, const char **v, size_t *vlen)
{
	*v = c->p;
	while (!at_end(c) && *c->p != KVSEP) {
		unsigned char ch = (unsigned char)*c->p;

		if (!((ch >= 0x20 && ch <= 0x7e) || ch == '\t' || ch == '\r' ||
		      ch == '\n'))
			return false;
		c->p++;
	}
	*vlen = (size_t)(c->p - *v);
	return take(c, KVSEP);
}

static bool parse_host(const char *v, size_t len, struct oidc_wire_msg *msg)
{
	if (len == 0 || len > OIDC_WIRE_HOST_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (v[i] <= ' ' || v[i] > '~')
			return false;
	}
	memcpy(msg->host, v, len);
	msg->host[len] = '\0';
	return true;
}

static bool parse_port(const char *v, size_t len, struct oidc_wire_msg *msg)
{
	int port = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		port = port * 10 + (v[i] - '0');
	}
	if (port > 65535)
		return false;
	msg->port = port;
	return true;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && memcmp(k, name, klen) == 0;
}

/* kvpairs after the GS2 header, then the final %x01 ending the message. */
static bool parse_kvpairs(struct cur *c, struct oidc_wire_msg *msg)
{
	bool seen_auth = false, seen_host = false, seen_port = false;

	while (!at_end(c) && *c->p != KVSEP) {
		const char *k = c->p, *v;
		size_t klen, vlen;
		bool good = true;

		/* key = 1*(ALPHA) */
		while (!at_end(c) && ((*c->p >= 'a' && *c->p <= 'z') ||
				      (*c->p >= 'A' && *c->p <= 'Z')))
			c->p++;
		klen = (size_t)(c->p - k);
		if (klen == 0 || !take(c, '=') || !take_value(c, &v, &vlen))
			return false;
		if (key_is(k, klen, "auth")) {
			good = !seen_auth && parse_auth(v, vlen, msg);
			seen_auth = true;
		} else if (key_is(k, klen, "host")) {
			good = !seen_host && parse_host(v, vlen, msg);
			seen_host = true;
		} else if (key_is(k, klen, "port")) {
			good = !seen_port && parse_port(v, vlen, msg);
			seen_port = true;
		}
		/* RFC 7628 3.1: unknown keys are ignored */
		if (!good)
			return false;
	}
	/* the final %x01 must be the very last byte */
	return seen_auth && take(c, KVSEP) && at_end(c);
}

static bool parse_oauthbearer(struct cur *c, struct oidc_wire_msg *msg)
{
	/* gs2-cbind-flag: no channel binding here, so "p=" is refused */
	if (!take(c, 'n') && !take(c, 'y'))
		return false;
	if (!take(c, ','))
		return false;
	if (take(c, 'a')) {
		if (!take(c, '=') || !parse_saslname(c, msg->authzid))
			return false;
	}
	if (!take(c, ',') || !take(c, KVSEP))
		return false;
	return parse_kvpairs(c, msg);
}

/* XOAUTH2: "user=" USER ^A "auth=Bearer " TOKEN ^A ^A */
static bool parse_xoauth2(struct cur *c, struct oidc_wire_msg *msg)
{
	const char *v;
	size_t vlen, olen = 0;

	if ((size_t)(c->end - c->p) < 5 || memcmp(c->p, "user=", 5) != 0)
		return false;
	c->p += 5;
	if (!take_value(c, &v, &vlen) || !name_append(msg->authzid, &olen, v, vlen))
		return false;
	if ((size_t)(c->end - c->p) < 5 || memcmp(c->p, "auth=", 5) != 0)
		return false;
	c->p += 5;
	if (!take_value(c, &v, &vlen) || !parse_auth(v, vlen, msg))
		return false;
	return take(c, KVSEP) && at_end(c);
}

enum oidc_status oidc_wire_parse(enum oidc_wire_mech mech, const char *in,
				 size_t len, struct oidc_wire_msg *msg)
{
	struct cur c = { in, in + len };
	bool good;

	memset(msg, 0, sizeof(*msg));
	msg->port = -1;
	if (!in || len == 0 || len > OIDC_WIRE_MSG_MAX)
		return OIDC_E_BAD_REQUEST;
	if (mech == OIDC_WIRE_OAUTHBEARER)
		good = parse_oauthbearer(&c, msg);
	else
		good = parse_xoauth2(&c, msg);
	if (!good) {
		memset(msg, 0, sizeof(*msg));
		msg->port = -1;
		return OIDC_E_BAD_REQUEST;
	}
	return OIDC_OK;
}

bool oidc_wire_is_error_ack(enum oidc_wire_mech mech, const char *in,
			    size_t len, const char *first, size_t first_len)
{
	if (len == 1 && in[0] == KVSEP)
		return true;
	if (len == 0)
		return mech == OIDC_WIRE_XOAUTH2;
	return first && len == first_len && memcmp(in, first, len) == 0;
}

/* A bounded output buffer: once full, everything else is dropped. */
struct outbuf {
	char *p;
	size_t cap;
	size_t len;
	bool bad;
};

static void put(struct outbuf *o, const char *s, size_t n)
{
	if (o->bad || n >= o->cap - o->len) {
		o->bad = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct outbuf *o, const char *s)
{
	put(o, s, strlen(s));
}

/* "name":"value" with JSON escaping; only printable ASCII is accepted. */
static void put_member(struct outbuf *o, const char *name, const char *value)
{
	if (o->len > 1)
		puts_(o, ",");
	puts_(o, "\"");
	puts_(o, name);
	puts_(o, "\":\"");
	for (const char *s = value; *s; s++) {
		if (*s < 0x20 || *s > 0x7e) {
			o->bad = true;
			return;
		}
		if (*s == '"' || *s == '\\')
			puts_(o, "\\");
		put(o, s, 1);
	}
	puts_(o, "\"");
}

size_t oidc_wire_challenge(enum oidc_wire_mech mech, enum oidc_wire_error e,
			   const char *scope, const char *openid_config,
			   char *out, size_t cap)
{
	static const char *const names[] = { "invalid_token", "insufficient_scope",
					      "invalid_request" };
	static const char *const codes[] = { "401", "403", "400" };
	struct outbuf o = { out, cap, 0, false };

	if (!out || cap < 2 || (unsigned)e > OIDC_WIRE_INVALID_REQUEST)
		return 0;
	puts_(&o, "{");
	if (mech == OIDC_WIRE_OAUTHBEARER) {
		/* RFC 7628 3.2.2 */
		put_member(&o, "status", names[e]);
		if (scope && *scope)
			put_member(&o, "scope", scope);
		if (openid_config && *openid_config)
			put_member(&o, "openid-configuration", openid_config);
	} else {
		/* XOAUTH2: HTTP-like status and the schemes list */
		put_member(&o, "status", codes[e]);
		put_member(&o, "schemes", "bearer");
		if (scope && *scope)
			put_member(&o, "scope", scope);
	}
	puts_(&o, "}");
	return o.bad ? 0 : o.len;
}

/* saslname escaping (RFC 5801 4): ',' -> "=2C", '=' -> "=3D". */
static void put_saslname(struct outbuf *o, const char *name)
{
	for (const char *s = name; *s; s++) {
		if (*s == ',')
			puts_(o, "=2C");
		else if (*s == '=')
			puts_(o, "=3D");
		else
			put(o, s, 1);
	}
}

size_t oidc_wire_build(enum oidc_wire_mech mech, const char *authzid,
		       const char *host, int port, const char *token,
		       char *out, size_t cap)
{
	struct outbuf o = { out, cap, 0, false };
	char num[16];

	if (!out || cap < 2 || !token)
		return 0;
	if (mech == OIDC_WIRE_XOAUTH2) {
		puts_(&o, "user=");
		puts_(&o, authzid ? authzid : "");
		puts_(&o, "\x01");
	} else {
		puts_(&o, "n,");
		if (authzid && *authzid) {
			puts_(&o, "a=");
			put_saslname(&o, authzid);
		}
		puts_(&o, ",\x01");
		if (host && *host) {
			puts_(&o, "host=");
			puts_(&o, host);
			puts_(&o, "\x01");
		}
		if (port >= 0 && port <= 65535) {
			snprintf(num, sizeof(num), "%d", port);
			puts_(&o, "port=");
			puts_(&o, num);
			puts_(&o, "\x01");
		}
	}
	puts_(&o, "auth=Bearer ");
	puts_(&o, token);
	puts_(&o, "\x01\x01");
	return o.bad ? 0 : o.len;
}
