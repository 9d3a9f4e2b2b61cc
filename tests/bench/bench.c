/* SPDX-License-Identifier: MIT */
/*
 * bench.c - throughput of full token validation against bare OpenSSL.
 *
 * Single thread, keys pre-loaded: for each algorithm a realistic access
 * token (RFC 9068 header, Keycloak/Entra-like claims) goes through
 * oidc_validate() (structure, signature, claims, username mapping, audit
 * facts), in short batches interleaved with the bare OpenSSL verification
 * of the same signing input and signature with the same key, so both sides
 * see the same CPU state. Prints one contract line per algorithm:
 *
 *   BENCH alg=RS256 tokens_per_s=N raw_per_s=N ratio=R
 *
 * and one for malformed tokens, which must be refused before any
 * public-key operation:
 *
 *   BENCH name=malformed_reject rejects_per_s=N fastest_pk_verify_per_s=N
 *         speedup=X slowest_case=NAME slowest_case_per_s=N
 *
 * (rejects_per_s over a round-robin of eleven malformed shapes, speedup
 * against the fastest bare public-key verify measured above).
 *
 * Keys come from OpenSSL at start; the JWKS, HMAC secret and config files
 * live in a mkdtemp() folder and are loaded through the public API. Tokens
 * are signed here with OpenSSL, never by the core. Exit status 1 when a
 * token does not validate (or a malformed one does).
 *
 *   bench [SECONDS_PER_ALG] [NAME...]    NAME: RS256 PS256 ES256 EdDSA HS256
 *                                        malformed; default 1.5 s, all
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "oidc.h"
#include "tokencache.h"
#include "benchutil.h"

#define BENCH_BATCH_S 0.02        /* one interleaved batch */
#define BENCH_WARMUP_S 0.1
#define BENCH_DEFAULT_S 1.5       /* per algorithm, both sides together */
#define BENCH_MALFORMED_CASE_S 0.05
#define BENCH_HMAC_LEN 32
#define BENCH_ISSUER "https://login.example.com/realms/corp"
#define BENCH_AUDIENCE "api://mail"
#define BENCH_BUF 8192

enum bench_kind { KIND_RSA, KIND_PSS, KIND_EC, KIND_ED, KIND_HMAC };

struct bench_alg {
	const char *name;
	enum bench_kind kind;
	const char *kid;
	char *token;
	size_t token_len;
	size_t signing_input_len;   /* token[0..len) is the signing input */
	unsigned char sig[512];     /* JWS form */
	size_t sig_len;
	unsigned char der[128];     /* ES256: the DER form, made once */
	size_t der_len;
	double tokens_per_s;
	double raw_per_s;
};

struct bench {
	char dir[64];
	char jwks_path[128];
	char secret_path[128];
	char conf_path[128];
	EVP_PKEY *rsa, *ec, *ed;             /* private keys, for signing */
	EVP_PKEY *rsa_pub, *ec_pub, *ed_pub; /* public-only copies, for raw */
	unsigned char hmac_key[BENCH_HMAC_LEN];
	EVP_MAC *mac;
	EVP_MAC_CTX *hmac_tmpl;              /* keyed once, duplicated per op */
	struct oidc_ctx *ctx;
	int64_t now;
	struct bench_alg *cur;
};

static struct bench B;

static void cleanup_files(void)
{
	if (B.conf_path[0])
		unlink(B.conf_path);
	if (B.secret_path[0])
		unlink(B.secret_path);
	if (B.jwks_path[0])
		unlink(B.jwks_path);
	if (B.dir[0])
		rmdir(B.dir);
}

/* ---- encoding helpers ---------------------------------------------------- */

/* RFC 4648 section 5 without padding; out must hold 4 * ceil(len / 3) + 1. */
static size_t b64url(const unsigned char *in, size_t len, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i = 0;

	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
	}
	out[o] = '\0';
	return o;
}

static void b64url_str(const char *s, char *out)
{
	b64url((const unsigned char *)s, strlen(s), out);
}

static void bn_param_b64(const EVP_PKEY *pkey, const char *param, int pad,
			 char *out)
{
	unsigned char buf[512];
	BIGNUM *bn = NULL;
	int n;

	if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
		die("get %s", param);
	n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	BN_free(bn);
	if (n <= 0)
		die("encode %s", param);
	b64url(buf, (size_t)n, out);
}

/* ---- keys and files ------------------------------------------------------ */

static EVP_PKEY *public_copy(EVP_PKEY *priv)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pub;
	int n = i2d_PUBKEY(priv, &der);

	if (n <= 0)
		die("i2d_PUBKEY");
	p = der;
	pub = d2i_PUBKEY(NULL, &p, n);
	OPENSSL_free(der);
	if (!pub)
		die("d2i_PUBKEY");
	return pub;
}

static void make_keys(void)
{
	OSSL_PARAM params[2];

	B.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	B.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	B.ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!B.rsa || !B.ec || !B.ed)
		die("key generation");
	B.rsa_pub = public_copy(B.rsa);
	B.ec_pub = public_copy(B.ec);
	B.ed_pub = public_copy(B.ed);
	/* The secret file is raw bytes; the loader drops one final newline. */
	do {
		if (RAND_bytes(B.hmac_key, sizeof(B.hmac_key)) != 1)
			die("RAND_bytes");
	} while (B.hmac_key[sizeof(B.hmac_key) - 1] == '\n');

	B.mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	B.hmac_tmpl = B.mac ? EVP_MAC_CTX_new(B.mac) : NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!B.hmac_tmpl ||
	    !EVP_MAC_init(B.hmac_tmpl, B.hmac_key, sizeof(B.hmac_key), params))
		die("HMAC context");
}

static void write_files(void)
{
	char n[400], e[16], x[64], y[64], ed[64], jwks[2048], conf[2048];
	unsigned char raw[32];
	size_t raw_len = sizeof(raw);
	int len;

	snprintf(B.dir, sizeof(B.dir), "/tmp/oidc-bench.XXXXXX");
	if (!mkdtemp(B.dir)) {
		B.dir[0] = '\0';
		die("mkdtemp: %s", strerror(errno));
	}
	snprintf(B.jwks_path, sizeof(B.jwks_path), "%s/jwks.json", B.dir);
	snprintf(B.secret_path, sizeof(B.secret_path), "%s/hmac.secret", B.dir);
	snprintf(B.conf_path, sizeof(B.conf_path), "%s/oidc-auth.conf", B.dir);

	bn_param_b64(B.rsa, OSSL_PKEY_PARAM_RSA_N, 256, n);
	bn_param_b64(B.rsa, OSSL_PKEY_PARAM_RSA_E, 0, e);
	bn_param_b64(B.ec, OSSL_PKEY_PARAM_EC_PUB_X, 32, x);
	bn_param_b64(B.ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32, y);
	if (!EVP_PKEY_get_raw_public_key(B.ed, raw, &raw_len) || raw_len != 32)
		die("Ed25519 public key");
	b64url(raw, raw_len, ed);

	/* Like a Keycloak realm's JWKS: RSA unpinned (RS256 and PS256). */
	len = snprintf(jwks, sizeof(jwks),
		       "{\"keys\":["
		       "{\"kid\":\"bench-rsa\",\"kty\":\"RSA\",\"use\":\"sig\","
		       "\"n\":\"%s\",\"e\":\"%s\"},"
		       "{\"kid\":\"bench-ec\",\"kty\":\"EC\",\"use\":\"sig\","
		       "\"alg\":\"ES256\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"},"
		       "{\"kid\":\"bench-ed\",\"kty\":\"OKP\",\"use\":\"sig\","
		       "\"alg\":\"EdDSA\",\"crv\":\"Ed25519\",\"x\":\"%s\"}]}\n",
		       n, e, x, y, ed);
	if (len < 0 || (size_t)len >= sizeof(jwks))
		die("JWKS too long");
	write_file(B.jwks_path, jwks, (size_t)len, 0644);
	write_file(B.secret_path, B.hmac_key, sizeof(B.hmac_key), 0600);

	/* The whole pipeline: typ, azp, scope, group, lower-cased username. */
	len = snprintf(conf, sizeof(conf),
		       "# written by tests/bench/bench.c\n"
		       "issuer = " BENCH_ISSUER "\n"
		       "audience = " BENCH_AUDIENCE "\n"
		       "jwks_file = %s\n"
		       "hmac_secret_file = %s\n"
		       "hmac_kid = bench-hs\n"
		       "algorithms = RS256,PS256,ES256,EdDSA,HS256\n"
		       "accept_typ = at+jwt\n"
		       "azp = mail-client\n"
		       "username_claim = preferred_username\n"
		       "username_map = lowercase\n"
		       "required_scopes = mail.read\n"
		       "required_claims = groups=mail-users\n",
		       B.jwks_path, B.secret_path);
	if (len < 0 || (size_t)len >= sizeof(conf))
		die("config too long");
	write_file(B.conf_path, conf, (size_t)len, 0600);
}

static int64_t bench_clock(void *arg)
{
	return *(const int64_t *)arg;
}

static void load_context(void)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { 0 };

	if (oidc_config_new(&cfg, &err) != OIDC_OK ||
	    oidc_config_load_file(cfg, B.conf_path, &err) != OIDC_OK ||
	    oidc_config_finish(cfg, &err) != OIDC_OK) {
		oidc_config_free(&cfg);
		die("config: %s: %s", oidc_status_name(err.status), err.detail);
	}
	if (oidc_ctx_new(&B.ctx, cfg, &err) != OIDC_OK)
		die("context: %s: %s", oidc_status_name(err.status), err.detail);
	oidc_ctx_set_clock(B.ctx, bench_clock, &B.now);
	/* The per-algorithm lines time the whole validation, not a hit. */
	oidc_tokencache_set_enabled(oidc_ctx_tokencache(B.ctx), false);
}

static bool full_validate(const char *token, size_t len, enum oidc_status *st_out);

/*
 * BENCH name=repeat_token: the same RS256 token through oidc_validate with
 * the verified-token cache on, as an adapter calls it (result and audit).
 * A hit counter proves every timed call was a hit.
 */
static void bench_repeat(const struct bench_alg *a, double seconds)
{
	struct oidc_tokencache *tc = oidc_ctx_tokencache(B.ctx);
	struct oidc_tokencache_stats s0, s1;
	double t0, t;
	uint64_t n = 0;

	oidc_tokencache_set_enabled(tc, true);
	if (!full_validate(a->token, a->token_len, NULL))
		die("repeat_token: token refused");
	oidc_tokencache_stats(tc, &s0);
	t0 = mono_s();
	do {
		for (int i = 0; i < 1000; i++)
			if (!full_validate(a->token, a->token_len, NULL))
				die("repeat_token: token refused on a hit");
		n += 1000;
		t = mono_s() - t0;
	} while (t < seconds);
	oidc_tokencache_stats(tc, &s1);
	oidc_tokencache_set_enabled(tc, false);
	if (s1.hits - s0.hits != n)
		die("repeat_token: %llu of %llu calls were hits",
		    (unsigned long long)(s1.hits - s0.hits), (unsigned long long)n);
	printf("BENCH name=repeat_token tokens_per_s=%.0f\n", (double)n / t);
	printf("# repeat_token: %llu validations, all cache hits, goal >= 1000000/s\n",
	       (unsigned long long)n);
	fflush(stdout);
}

/* ---- tokens ------------------------------------------------------------- */

/* About 800 bytes of claims, shaped like Keycloak / Entra access tokens. */
static size_t make_claims(char *out, size_t cap)
{
	int len = snprintf(out, cap,
		"{\"exp\":%lld,\"iat\":%lld,\"nbf\":%lld,\"auth_time\":%lld,"
		"\"jti\":\"0b6f3a6e-2c1d-4a8e-9f57-3d0c2e9b7a41\","
		"\"iss\":\"" BENCH_ISSUER "\","
		"\"aud\":[\"" BENCH_AUDIENCE "\",\"account\"],"
		"\"sub\":\"8f14e45f-ceea-467f-a8d4-0a3bb5c1e7d2\","
		"\"typ\":\"Bearer\",\"azp\":\"mail-client\","
		"\"sid\":\"c2a7e1d0-55f4-4b8b-8c3e-6f1a9d2b4e77\",\"acr\":\"1\","
		"\"scope\":\"openid profile email mail.read\","
		"\"email_verified\":true,\"name\":\"Alice Example\","
		"\"preferred_username\":\"Alice.Example\","
		"\"given_name\":\"Alice\",\"family_name\":\"Example\","
		"\"email\":\"alice.example@example.com\","
		"\"groups\":[\"mail-users\",\"staff\",\"vpn-users\","
		"\"eng-platform\",\"oncall\"],"
		"\"roles\":[\"Mail.Read\",\"Mail.Send\"],"
		"\"realm_access\":{\"roles\":[\"offline_access\","
		"\"uma_authorization\",\"default-roles-corp\"]},"
		"\"amr\":[\"pwd\",\"mfa\"],"
		"\"tid\":\"72f988bf-86f1-41af-91ab-2d7cd011db47\","
		"\"oid\":\"4c1e9a2b-7d3f-4e8a-b6c5-1f2e3d4c5b6a\","
		"\"client_id\":\"mail-client\"}",
		(long long)(B.now + 3600), (long long)(B.now - 30),
		(long long)(B.now - 30), (long long)(B.now - 40));

	if (len < 0 || (size_t)len >= cap)
		die("claims too long");
	return (size_t)len;
}

static size_t make_signing_input(const char *header_json, char *out, size_t cap)
{
	char claims[2048], enc[BENCH_BUF];
	size_t o;

	make_claims(claims, sizeof(claims));
	if (4 * (strlen(header_json) + strlen(claims)) / 3 + 16 > cap)
		die("signing input too long");
	b64url_str(header_json, out);
	o = strlen(out);
	out[o++] = '.';
	b64url_str(claims, enc);
	memcpy(out + o, enc, strlen(enc) + 1);
	return o + strlen(enc);
}

static EVP_PKEY *sign_key(const struct bench_alg *a)
{
	return a->kind == KIND_EC ? B.ec : a->kind == KIND_ED ? B.ed : B.rsa;
}

static void set_pss(EVP_PKEY_CTX *pctx)
{
	/* RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash. */
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
		die("PSS parameters");
}

static void sign(struct bench_alg *a, const char *si, size_t si_len)
{
	unsigned char der[512];
	size_t der_len = sizeof(der);
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;

	if (a->kind == KIND_HMAC) {
		a->sig_len = sizeof(a->sig);
		if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, B.hmac_key,
			       sizeof(B.hmac_key), (const unsigned char *)si,
			       si_len, a->sig, sizeof(a->sig), &a->sig_len))
			die("HMAC sign");
		return;
	}
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestSignInit_ex(md, &pctx, a->kind == KIND_ED ? NULL : "SHA256",
					  NULL, NULL, sign_key(a), NULL))
		die("sign init %s", a->name);
	if (a->kind == KIND_PSS)
		set_pss(pctx);
	if (!EVP_DigestSign(md, der, &der_len, (const unsigned char *)si, si_len))
		die("sign %s", a->name);
	EVP_MD_CTX_free(md);

	if (a->kind == KIND_EC) {
		/* RFC 7518 3.4: the JWS form is r || s, 32 bytes each. */
		const unsigned char *p = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
		const BIGNUM *r, *s;

		if (!es)
			die("ECDSA DER");
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, a->sig, 32) != 32 ||
		    BN_bn2binpad(s, a->sig + 32, 32) != 32)
			die("ECDSA r||s");
		ECDSA_SIG_free(es);
		a->sig_len = 64;
		memcpy(a->der, der, der_len);
		a->der_len = der_len;
	} else {
		memcpy(a->sig, der, der_len);
		a->sig_len = der_len;
	}
}

static void make_token(struct bench_alg *a)
{
	char header[160], si[BENCH_BUF], sig64[700];
	size_t si_len;

	snprintf(header, sizeof(header),
		 "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", a->name,
		 a->kid);
	si_len = make_signing_input(header, si, sizeof(si));
	sign(a, si, si_len);
	b64url(a->sig, a->sig_len, sig64);
	a->token_len = si_len + 1 + strlen(sig64);
	a->token = malloc(a->token_len + 1);
	if (!a->token)
		die("out of memory");
	memcpy(a->token, si, si_len);
	a->token[si_len] = '.';
	memcpy(a->token + si_len + 1, sig64, strlen(sig64) + 1);
	a->signing_input_len = si_len;
}

/* ---- the two sides ------------------------------------------------------- */

static bool full_validate(const char *token, size_t len, enum oidc_status *st_out)
{
	struct oidc_result *res = NULL;
	struct oidc_audit audit;
	struct oidc_error err;
	enum oidc_status st;

	/* As the adapters call it: result and audit facts wanted. */
	st = oidc_validate(B.ctx, token, len, NULL, &res, &audit, &err);
	oidc_result_free(&res);
	if (st_out)
		*st_out = st;
	return st == OIDC_OK;
}

static void op_full(void)
{
	enum oidc_status st;

	if (!full_validate(B.cur->token, B.cur->token_len, &st))
		die("%s token refused while timing: %s", B.cur->name,
		    oidc_status_name(st));
}

static EVP_PKEY *raw_key(const struct bench_alg *a)
{
	return a->kind == KIND_EC ? B.ec_pub : a->kind == KIND_ED ? B.ed_pub : B.rsa_pub;
}

static bool raw_verify(const struct bench_alg *a)
{
	const unsigned char *si = (const unsigned char *)a->token;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	bool ok = false;

	if (a->kind == KIND_HMAC) {
		unsigned char mac[EVP_MAX_MD_SIZE];
		size_t mac_len = 0;
		EVP_MAC_CTX *c = EVP_MAC_CTX_dup(B.hmac_tmpl);

		ok = c && EVP_MAC_update(c, si, a->signing_input_len) &&
		     EVP_MAC_final(c, mac, &mac_len, sizeof(mac)) &&
		     mac_len == a->sig_len &&
		     CRYPTO_memcmp(mac, a->sig, mac_len) == 0;
		EVP_MAC_CTX_free(c);
		return ok;
	}
	md = EVP_MD_CTX_new();
	if (md && EVP_DigestVerifyInit_ex(md, &pctx, a->kind == KIND_ED ? NULL : "SHA256",
					  NULL, NULL, raw_key(a), NULL) == 1) {
		if (a->kind == KIND_PSS)
			set_pss(pctx);
		if (a->kind == KIND_EC)
			ok = EVP_DigestVerify(md, a->der, a->der_len, si,
					      a->signing_input_len) == 1;
		else
			ok = EVP_DigestVerify(md, a->sig, a->sig_len, si,
					      a->signing_input_len) == 1;
	}
	EVP_MD_CTX_free(md);
	return ok;
}

static void op_raw(void)
{
	if (!raw_verify(B.cur))
		die("raw %s verification failed while timing", B.cur->name);
}

struct side {
	uint64_t ops;
	double secs;
};

/* Run op in groups of 8 until at least seconds passed. */
static void batch(void (*op)(void), struct side *s, double seconds)
{
	double t0 = mono_s(), t;
	uint64_t n = 0;

	do {
		for (int i = 0; i < 8; i++)
			op();
		n += 8;
		t = mono_s();
	} while (t - t0 < seconds);
	s->ops += n;
	s->secs += t - t0;
}

static void bench_alg(struct bench_alg *a, double seconds)
{
	struct side full = { 0, 0 }, raw = { 0, 0 }, warm = { 0, 0 };
	enum oidc_status st;

	if (!full_validate(a->token, a->token_len, &st))
		die("%s token does not validate: %s", a->name, oidc_status_name(st));
	if (!raw_verify(a))
		die("%s raw verification fails", a->name);
	B.cur = a;
	batch(op_full, &warm, BENCH_WARMUP_S / 2);
	batch(op_raw, &warm, BENCH_WARMUP_S / 2);
	while (full.secs + raw.secs < seconds) {
		batch(op_full, &full, BENCH_BATCH_S);
		batch(op_raw, &raw, BENCH_BATCH_S);
	}
	a->tokens_per_s = (double)full.ops / full.secs;
	a->raw_per_s = (double)raw.ops / raw.secs;
	printf("BENCH alg=%s tokens_per_s=%.0f raw_per_s=%.0f ratio=%.3f\n",
	       a->name, a->tokens_per_s, a->raw_per_s,
	       a->tokens_per_s / a->raw_per_s);
	fflush(stdout);
}

/* ---- malformed tokens ---------------------------------------------------- */

struct bench_bad {
	const char *name;
	char *token;
	size_t len;
};

static struct bench_bad *cur_bad;
static size_t n_cur_bad;

static void op_reject(void)
{
	for (size_t i = 0; i < n_cur_bad; i++) {
		if (full_validate(cur_bad[i].token, cur_bad[i].len, NULL))
			die("malformed token %s accepted", cur_bad[i].name);
	}
}

static char *dup_with(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		die("out of memory");
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* header' + "." + payload and signature of rs (a valid RS256 token). */
static char *swap_header(const struct bench_alg *rs, const char *header_json,
			 size_t *len_out)
{
	char enc[512], *dot = memchr(rs->token, '.', rs->token_len), *out;
	size_t hl, rest;

	b64url_str(header_json, enc);
	hl = strlen(enc);
	rest = rs->token_len - (size_t)(dot - rs->token);
	out = malloc(hl + rest + 1);
	if (!out)
		die("out of memory");
	memcpy(out, enc, hl);
	memcpy(out + hl, dot, rest + 1);
	*len_out = hl + rest;
	return out;
}

static size_t make_bad(const struct bench_alg *rs, struct bench_bad *bad)
{
	size_t n = 0, len, dot1 = (size_t)(strchr(rs->token, '.') - rs->token);
	char *t;

	/* C1: a '*' in the payload; the signature is genuine. */
	t = dup_with(rs->token, rs->token_len);
	t[dot1 + 10] = '*';
	bad[n++] = (struct bench_bad){ "bad_base64", t, rs->token_len };
	/* C2: a fourth segment, and a run of dots. */
	t = malloc(rs->token_len + 3);
	if (!t)
		die("out of memory");
	memcpy(t, rs->token, rs->token_len);
	memcpy(t + rs->token_len, ".x", 3);
	bad[n++] = (struct bench_bad){ "four_segments", t, rs->token_len + 2 };
	t = malloc(4097);
	if (!t)
		die("out of memory");
	memset(t, '.', 4096);
	t[4096] = '\0';
	bad[n++] = (struct bench_bad){ "many_dots", t, 4096 };
	/* C3: larger than max_token_size (16 KiB default). */
	t = malloc(20001);
	if (!t)
		die("out of memory");
	memset(t, 'A', 20000);
	t[20000] = '\0';
	t[100] = '.';
	t[200] = '.';
	bad[n++] = (struct bench_bad){ "too_large", t, 20000 };
	/* A1, C5-C7: refused by the header alone. */
	t = swap_header(rs, "{\"alg\":\"none\",\"typ\":\"at+jwt\"}", &len);
	bad[n++] = (struct bench_bad){ "alg_none", t, len };
	t = swap_header(rs, "{\"alg\":\"RS256\",\"kid\":\"bench-rsa\","
			    "\"crit\":[\"b64\"],\"b64\":false}", &len);
	bad[n++] = (struct bench_bad){ "crit", t, len };
	t = swap_header(rs, "{\"alg\":\"RS256\",\"kid\":\"bench-rsa\"", &len);
	bad[n++] = (struct bench_bad){ "header_not_json", t, len };
	t = swap_header(rs, "{\"alg\":\"RS256\",\"kid\":\"bench-rsa\","
			    "\"alg\":\"RS256\"}", &len);
	bad[n++] = (struct bench_bad){ "duplicate_alg", t, len };
	t = swap_header(rs, "{\"alg\":\"RS512\",\"kid\":\"bench-rsa\"}", &len);
	bad[n++] = (struct bench_bad){ "alg_not_allowed", t, len };
	t = swap_header(rs, "{\"alg\":\"RS256\",\"kid\":\"nope\"}", &len);
	bad[n++] = (struct bench_bad){ "unknown_kid", t, len };
	/* B: a signature 3 bytes short of the modulus length. */
	t = dup_with(rs->token, rs->token_len - 4);
	bad[n++] = (struct bench_bad){ "short_signature", t, rs->token_len - 4 };
	return n;
}

static void bench_malformed(const struct bench_alg *rs, double fastest_verify)
{
	struct bench_bad bad[16];
	struct side all = { 0, 0 };
	double slowest = 0, rate_all;
	const char *slowest_name = "";
	size_t n = make_bad(rs, bad);

	for (size_t i = 0; i < n; i++) {
		struct side one = { 0, 0 };
		enum oidc_status st;
		double rate;

		if (full_validate(bad[i].token, bad[i].len, &st))
			die("malformed token %s accepted", bad[i].name);
		cur_bad = &bad[i];
		n_cur_bad = 1;
		batch(op_reject, &one, BENCH_MALFORMED_CASE_S);
		rate = (double)one.ops / one.secs;
		printf("# malformed case=%s status=%s rejects_per_s=%.0f\n",
		       bad[i].name, oidc_status_name(st), rate);
		if (slowest == 0 || rate < slowest) {
			slowest = rate;
			slowest_name = bad[i].name;
		}
	}
	cur_bad = bad;
	n_cur_bad = n;
	batch(op_reject, &all, 0.4);
	rate_all = (double)all.ops * (double)n / all.secs;
	printf("BENCH name=malformed_reject rejects_per_s=%.0f fastest_pk_verify_per_s=%.0f "
	       "speedup=%.1f slowest_case=%s slowest_case_per_s=%.0f\n",
	       rate_all, fastest_verify,
	       fastest_verify > 0 ? rate_all / fastest_verify : 0.0, slowest_name,
	       slowest);
	for (size_t i = 0; i < n; i++)
		free(bad[i].token);
}

/* The issue's goals, as comments; the BENCH lines carry the numbers. */
static void print_goal(const struct bench_alg *a)
{
	double ratio = a->raw_per_s > 0 ? a->tokens_per_s / a->raw_per_s : 0;

	if (a->tokens_per_s <= 0)
		return;
	if (a->kind == KIND_HMAC)
		printf("# goal %s tokens_per_s >= 300000: %s (%.0f)\n", a->name,
		       a->tokens_per_s >= 300000 ? "met" : "missed", a->tokens_per_s);
	else if (a->kind == KIND_RSA || a->kind == KIND_EC || a->kind == KIND_ED)
		printf("# goal %s ratio >= %.2f: %s (%.3f)\n", a->name,
		       a->kind == KIND_RSA ? 0.85 : 0.95,
		       ratio >= (a->kind == KIND_RSA ? 0.85 : 0.95) ? "met" : "missed",
		       ratio);
}

/* No names on the command line: everything. */
static bool wanted_name(int argc, char **argv, int first, const char *name)
{
	if (first >= argc)
		return true;
	for (int j = first; j < argc; j++)
		if (strcmp(argv[j], name) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct bench_alg algs[] = {
		{ .name = "RS256", .kind = KIND_RSA, .kid = "bench-rsa" },
		{ .name = "PS256", .kind = KIND_PSS, .kid = "bench-rsa" },
		{ .name = "ES256", .kind = KIND_EC, .kid = "bench-ec" },
		{ .name = "EdDSA", .kind = KIND_ED, .kid = "bench-ed" },
		{ .name = "HS256", .kind = KIND_HMAC, .kid = "bench-hs" },
	};
	size_t n_algs = sizeof(algs) / sizeof(algs[0]);
	double seconds = BENCH_DEFAULT_S, fastest_pk = 0;
	char *end = NULL;
	int first_alg = 1;

	if (argc > 1) {
		errno = 0;
		seconds = strtod(argv[1], &end);
		if (errno || end == argv[1] || *end || seconds <= 0 || seconds > 60)
			die("usage: bench [SECONDS_PER_ALG] [NAME...]");
		first_alg = 2;
	}
	bench_cleanup = cleanup_files;
	B.now = (int64_t)time(NULL);
	make_keys();
	write_files();
	load_context();
	for (size_t i = 0; i < n_algs; i++)
		make_token(&algs[i]);

	printf("# oidc-auth bench: single thread, %s, full oidc_validate() "
	       "(signature, claims, scope, group, lowercase username, audit) vs bare "
	       "OpenSSL verify, interleaved %.0f ms batches, %.1f s per alg; token %zu "
	       "bytes (RS256)\n",
	       OpenSSL_version(OPENSSL_VERSION), BENCH_BATCH_S * 1000, seconds,
	       algs[0].token_len);
	fflush(stdout);
	for (size_t i = 0; i < n_algs; i++) {
		if (!wanted_name(argc, argv, first_alg, algs[i].name))
			continue;
		bench_alg(&algs[i], seconds);
		if (algs[i].kind != KIND_HMAC && algs[i].raw_per_s > fastest_pk)
			fastest_pk = algs[i].raw_per_s;
	}
	if (wanted_name(argc, argv, first_alg, "malformed"))
		bench_malformed(&algs[0], fastest_pk);
	if (wanted_name(argc, argv, first_alg, "repeat_token"))
		bench_repeat(&algs[0], seconds);
	for (size_t i = 0; i < n_algs; i++)
		print_goal(&algs[i]);

	for (size_t i = 0; i < n_algs; i++)
		free(algs[i].token);
	oidc_ctx_free(&B.ctx);
	EVP_MAC_CTX_free(B.hmac_tmpl);
	EVP_MAC_free(B.mac);
	EVP_PKEY_free(B.rsa);
	EVP_PKEY_free(B.ec);
	EVP_PKEY_free(B.ed);
	EVP_PKEY_free(B.rsa_pub);
	EVP_PKEY_free(B.ec_pub);
	EVP_PKEY_free(B.ed_pub);
	OPENSSL_cleanse(B.hmac_key, sizeof(B.hmac_key));
	cleanup_files();
	return 0;
}
