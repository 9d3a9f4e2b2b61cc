/* SPDX-License-Identifier: MIT */
/*
 * ca_file.c - is a ca_file a CA bundle at all? "ca_file = /etc/passwd" was
 * accepted until the first login failed with a TLS error (issue 12). The
 * file is read through the trusted reader (who may change it) and parsed
 * by OpenSSL as libcurl will: PEM, at least one certificate.
 *
 * Two depths. Every configuration load (a PAM login loads it each time)
 * stops at the first certificate: well under a millisecond, where parsing
 * Debian's whole bundle (150 certificates) costs about 20 ms. "oidc-auth
 * check-config" parses every block as libcurl does
 * (X509_load_cert_crl_file: one broken block and the whole file is
 * refused, at every connection).
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

/* The first certificate: enough to refuse a file that is no bundle. */
static enum oidc_status ca_first(const char *path, BIO *bio, struct oidc_error *err)
{
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

	if (!x)
		return oidc_err(err, OIDC_E_CONFIG, "%s holds no PEM certificate (a CA "
				"bundle: -----BEGIN CERTIFICATE----- blocks)", path);
	X509_free(x);
	return OIDC_OK;
}

/* Every block, as libcurl's OpenSSL backend loads the file. */
static enum oidc_status ca_all(const char *path, BIO *bio, size_t *certs_out,
			       struct oidc_error *err)
{
	STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	size_t certs = 0;
	int n;

	if (!infos)
		return oidc_err(err, OIDC_E_CONFIG, "%s: a PEM block OpenSSL cannot "
				"read (%s): libcurl refuses the whole file", path,
				ERR_reason_error_string(ERR_peek_last_error()) ?
				ERR_reason_error_string(ERR_peek_last_error()) : "?");
	n = sk_X509_INFO_num(infos);
	for (int i = 0; i < n; i++)
		if (sk_X509_INFO_value(infos, i)->x509)
			certs++;
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	if (!certs)
		return oidc_err(err, OIDC_E_CONFIG, "%s holds no PEM certificate (a CA "
				"bundle: -----BEGIN CERTIFICATE----- blocks)", path);
	if (certs_out)
		*certs_out = certs;
	return OIDC_OK;
}

enum oidc_status oidc_ca_file_check(const char *path, bool every, size_t *certs_out,
				    struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	enum oidc_status st;

	st = oidc_trusted_file_read(path, OIDC_FILE_PUBLIC, OIDC_CA_FILE_MAX, &buf, &len,
				    err);
	if (st != OIDC_OK)
		return st;
	/* OpenSSL's error queue is the host's too (per thread): whatever this
	 * parse adds is taken out again, nothing else */
	ERR_set_mark();
	bio = BIO_new_mem_buf(buf, len > (size_t)INT32_MAX ? INT32_MAX : (int)len);
	if (!bio) {
		st = oidc_err(err, OIDC_E_NOMEM, "ca_file");
		goto out;
	}
	st = every ? ca_all(path, bio, certs_out, err) : ca_first(path, bio, err);
out:
	ERR_pop_to_mark();
	BIO_free(bio);
	free(buf);
	return st;
}
