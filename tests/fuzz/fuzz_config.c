/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - libFuzzer harness for the config parser (design.md
 * section 4): the input is the text of a config file.
 *
 * oidc_config_load_buffer() parses it into a fresh configuration, then
 * oidc_config_visit() walks whatever was stored - also after a refused
 * input, since a host frees (and the CLI may print) a config whose load
 * failed. oidc_config_finish() is deliberately not called: it opens the
 * files the input names (jwks_file, hmac_secret_file, map_file:...).
 * Aborts on contract breaks: a failed load reports OIDC_E_CONFIG (or
 * OIDC_E_NOMEM) in err with a printable detail; visited strings are
 * NUL-terminated and keys are never NULL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz_config: %s\n", what);
	abort();
}

static void fuzz_check_error(enum oidc_status st, const struct oidc_error *err)
{
	size_t i;

	if (st != OIDC_E_CONFIG && st != OIDC_E_NOMEM)
		fuzz_die("load_buffer failed with a status other than config_error");
	if (err->status != st)
		fuzz_die("err->status differs from the returned status");
	for (i = 0; i < sizeof(err->detail) && err->detail[i]; i++) {
		if (err->detail[i] < 0x20 || err->detail[i] > 0x7e)
			fuzz_die("err->detail is not printable ASCII");
	}
	if (i == sizeof(err->detail))
		fuzz_die("err->detail is not NUL-terminated");
}

struct fuzz_visit {
	size_t calls;
	size_t bytes;
};

static void fuzz_visit_cb(void *arg, const char *section, const char *key,
			  const char *value)
{
	struct fuzz_visit *v = arg;

	if (!key)
		fuzz_die("visit passed a NULL key");
	/* strlen lets ASan check each string lies inside live memory. */
	v->bytes += strlen(key);
	if (section)
		v->bytes += strlen(section);
	if (value)
		v->bytes += strlen(value);
	v->calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err;
	struct fuzz_visit visit = { 0, 0 };
	enum oidc_status st;
	char *text = NULL;

	/* Exact-size copy, no NUL: the parser must honour len. */
	text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);

	if (oidc_config_new(&cfg, &err) != OIDC_OK || !cfg)
		fuzz_die("oidc_config_new failed");
	st = oidc_config_load_buffer(cfg, "fuzz.conf", text, size, &err);
	if (st != OIDC_OK)
		fuzz_check_error(st, &err);
	if (cfg->finished)
		fuzz_die("load_buffer marked the config finished");
	if (oidc_config_visit(cfg, fuzz_visit_cb, &visit) != OIDC_OK)
		fuzz_die("oidc_config_visit failed");
	if (visit.calls == 0)
		fuzz_die("oidc_config_visit reported no key");
	oidc_config_free(&cfg);
	if (cfg)
		fuzz_die("oidc_config_free did not clear the pointer");
	free(text);
	return 0;
}
