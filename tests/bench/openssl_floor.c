/* SPDX-License-Identifier: MIT */
/*
 * openssl_floor.c - the reference cold_process.sh measures next to its
 * BENCH line: what OpenSSL 3 itself costs in a fresh process, before any
 * code of ours runs. Linked against the same libraries as build/oidc-auth.
 *
 *   openssl_floor 0    exit at once
 *   openssl_floor 1    one SHA-256 through EVP (every validation needs at
 *                      least that: the audit fingerprint), then exit
 *   openssl_floor 2 N_HEX SIG_HEX MSG
 *                      what one RS256 validation asks of OpenSSL and
 *                      nothing else: the SHA-256 fingerprint, an RSA
 *                      public key built from n and e = 65537 the way
 *                      common/jwk.c builds it, one EVP_DigestVerify of
 *                      SIG over MSG; exit 0 only if the signature verifies
 *
 * "2" minus "0" is OpenSSL's start-up (configuration file, error strings,
 * name maps, the default provider, the digest, key management and signature
 * method tables), the verification itself and OpenSSL's clean-up at exit:
 * the floor for any process that validates one RS256 token with OpenSSL 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

static int rs256(const char *n_hex, const char *sig_hex, const char *msg)
{
	long sig_len = 0;
	unsigned char *sig = OPENSSL_hexstr2buf(sig_hex, &sig_len);
	BIGNUM *n = NULL, *e = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *mctx = NULL;
	int ok = 0;

	if (!sig || sig_len <= 0 || !e || !bld || !BN_hex2bn(&n, n_hex) || !BN_set_word(e, 65537) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)))
		goto out;
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	mctx = EVP_MD_CTX_new();
	ok = mctx &&
	     EVP_DigestVerifyInit_ex(mctx, NULL, "SHA256", NULL, NULL, pkey,
				     NULL) == 1 &&
	     EVP_DigestVerify(mctx, sig, (size_t)sig_len, (const unsigned char *)msg,
			      strlen(msg)) == 1;
out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return ok;
}

int main(int argc, char **argv)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD *sha256;
	int ok;

	if (argc == 2 && !strcmp(argv[1], "0"))
		return 0;
	if (!((argc == 2 && !strcmp(argv[1], "1")) ||
	      (argc == 5 && !strcmp(argv[1], "2")))) {
		fputs("usage: openssl_floor 0|1|2 N_HEX SIG_HEX MSG\n", stderr);
		return 2;
	}
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ok = sha256 && EVP_Digest(argv[0], strlen(argv[0]), md, &md_len, sha256,
				  NULL) == 1 && md_len == 32;
	EVP_MD_free(sha256);
	if (ok && argc == 5)
		ok = rs256(argv[2], argv[3], argv[4]);
	return ok ? 0 : 1;
}
