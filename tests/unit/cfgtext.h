/* SPDX-License-Identifier: MIT */
/*
 * cfgtext.h - small helpers of the C tests that need files and keys made
 * at run time: write a text file, run a /usr/bin/python3 script (PyJWT,
 * python3-cryptography) and read the lines it prints, finish a
 * configuration given as text with @JWKS@ and @DIR@ placeholders.
 */
#ifndef OIDC_CFGTEXT_H
#define OIDC_CFGTEXT_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define CFGTEXT_MAX 8192

/* text into path with mode; 0, or -1. */
static inline int test_write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fputs(text, f) < 0) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

/*
 * Run script as DIR/gen.py with /usr/bin/python3 and one argument (or
 * none); its first n lines of output, without the newline, into lines[i]
 * (cap bytes each). 1 when the script printed them and exited 0.
 */
static inline int test_python_lines(const char *dir, const char *script, const char *arg,
				    char **lines, size_t n, size_t cap)
{
	char path[300], cmd[700];
	FILE *f;
	int ok = 1;

	snprintf(path, sizeof(path), "%s/gen.py", dir);
	if (test_write_text(path, script, 0644) != 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s %s", path, arg ? arg : "");
	f = popen(cmd, "r");
	if (!f)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!fgets(lines[i], (int)cap, f)) {
			ok = 0;
			break;
		}
		lines[i][strcspn(lines[i], "\n")] = '\0';
	}
	return pclose(f) == 0 && ok;
}

/*
 * Parse text (with "@JWKS@" replaced by jwks and "@DIR@" by dir) and finish
 * it. On success *cfg_out (when non-NULL) owns the configuration.
 */
static inline enum oidc_status test_finish_text(const char *text, const char *jwks,
						const char *dir,
						struct oidc_config **cfg_out,
						struct oidc_error *err)
{
	char buf[CFGTEXT_MAX];
	size_t o = 0;
	struct oidc_config *cfg = NULL;
	enum oidc_status st;

	for (const char *p = text; *p && o + 400 < sizeof(buf);) {
		if (strncmp(p, "@JWKS@", 6) == 0) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", jwks);
			p += 6;
		} else if (strncmp(p, "@DIR@", 5) == 0) {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", dir);
			p += 5;
		} else {
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	st = oidc_config_new(&cfg, err);
	if (st == OIDC_OK)
		st = oidc_config_load_buffer(cfg, "test.conf", buf, o, err);
	if (st == OIDC_OK)
		st = oidc_config_finish(cfg, err);
	if (st == OIDC_OK && cfg_out)
		*cfg_out = cfg;
	else
		oidc_config_free(&cfg);
	return st;
}

#endif /* OIDC_CFGTEXT_H */
