/* SPDX-License-Identifier: MIT */
/* cli.h - shared between the files of the oidc-auth command line tool. */
#ifndef OIDC_CLI_H
#define OIDC_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "oidc.h"

/*
 * Output (cli_out.c). Everything printed as text goes through cli_line or
 * cli_put: control characters, DEL, C1 controls, bidi and other invisible
 * format characters and bytes that are not UTF-8 come out escaped (\xNN,
 * \uNNNN); other UTF-8 only when the locale is UTF-8. cli_json writes one
 * JSON value and a newline, ASCII only. cli_out_init once, first.
 */
void cli_out_init(void);
void cli_put(FILE *f, const char *s, size_t len);
void cli_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_vline(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int cli_json(FILE *f, const json_t *o);

/* Exit status for a status: 0 ok, 1 rejected, 2 error, 3 unavailable. */
int cli_exit_code(enum oidc_status st);
/* Print a failed verdict (text or JSON); returns the exit code. note: the
 * audit's note (stale keys...), NULL or "" for none. */
int cli_print_failure(const struct oidc_error *err, const char *fingerprint,
		      const char *note, bool json);
/* Print a valid verdict with the key claims; returns 0. */
int cli_print_valid(const struct oidc_result *res,
		    const struct oidc_audit *audit, int64_t now, bool json);
/* Print the effective configuration; returns 0. */
int cli_print_config(const struct oidc_config *cfg, const char *path,
		     bool json);
/* Read a config file (or a one-issuer config from issuer_url) and apply
 * "KEY=VALUE" overrides; not finished (cli_load_config finishes too). */
enum oidc_status cli_parse_config(const char *path, const char *issuer_url,
				  char **sets, size_t n_sets,
				  struct oidc_config **cfg_out,
				  struct oidc_error *err);
/* Load a config file (or a one-issuer config from issuer_url), apply
 * "KEY=VALUE" overrides, finish. */
enum oidc_status cli_load_config(const char *path, const char *issuer_url,
				 char **sets, size_t n_sets,
				 struct oidc_config **cfg_out,
				 struct oidc_error *err);
/* Wall clock in seconds. */
int64_t cli_now(void);
int cli_cmd_check_config(int argc, char **argv);
int cli_cmd_discover(int argc, char **argv);
int cli_cmd_cache(int argc, char **argv);
int cli_cmd_login(int argc, char **argv);
int cli_cmd_token(int argc, char **argv);

/* Token from argv or stdin, whitespace trimmed; NULL with err set. */
char *cli_read_token(const char *arg, size_t *len_out, struct oidc_error *err);

#endif
