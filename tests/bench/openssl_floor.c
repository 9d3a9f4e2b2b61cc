/* SPDX-License-Identifier: MIT */
/*
 * openssl_floor.c - the reference cold_process.sh measures next to its
 * BENCH line: what OpenSSL 3 itself costs in a fresh process, before any
 * code of ours runs. Linked against the same libraries as build/oidc-auth.
 *
 *   openssl_floor 0    exit at once
 *   openssl_floor 1    one SHA-256 through EVP (every validation needs at
 *                      least that: the audit fingerprint), then exit
 *
 * The difference of the two is OpenSSL's start-up (provider and name map
 * set-up, configuration file, error strings) and its clean-up at exit.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

int main(int argc, char **argv)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD *sha256;
	int ok;

	if (argc != 2 || (strcmp(argv[1], "0") && strcmp(argv[1], "1"))) {
		fputs("usage: openssl_floor 0|1\n", stderr);
		return 2;
	}
	if (argv[1][0] == '0')
		return 0;
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ok = sha256 && EVP_Digest(argv[0], strlen(argv[0]), md, &md_len, sha256,
				  NULL) == 1 && md_len == 32;
	EVP_MD_free(sha256);
	return ok ? 0 : 1;
}
