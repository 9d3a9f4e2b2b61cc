/* SPDX-License-Identifier: MIT */
/*
 * oidc-auth - the administrator's command line tool.
 *
 *   oidc-auth validate --config FILE [--user NAME] [--json] [TOKEN | -]
 *   oidc-auth jws-verify --jwks FILE [--alg LIST] [--json] [TOKEN | -]
 *   oidc-auth check-config FILE [--as-user USER] [--json]   (cmd_check.c)
 *
 * Exit status: 0 valid, 1 rejected, 2 usage or configuration error,
 * 3 temporarily unable (identity provider unreachable). Never prints a
 * whole token, a signature or a secret.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"
#include "cli.h"

enum { EXIT_VALID = 0, EXIT_REJECTED = 1, EXIT_USAGE = 2, EXIT_UNAVAILABLE = 3 };

#define TOKEN_READ_MAX (1024 * 1024)

static const char usage_main[] =
	"usage: oidc-auth COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  validate      validate a token as pam_oidc and sasl_xoauth2 would\n"
	"  jws-verify    check only a token's signature against a JWKS file\n"
	"  check-config  parse a configuration file and print its effective values\n"
	"  discover      show a provider's metadata and the keys it would trust\n"
	"  cache         show or clear the cache of discovery documents and keys\n"
	"  login         sign in at the provider (device flow) and store the tokens\n"
	"  token         print a fresh access token from the stored tokens\n"
	"\n"
	"Run 'oidc-auth COMMAND --help' for a command's options.\n"
	"Exit status: 0 valid, 1 rejected, 2 usage or configuration error,\n"
	"3 temporarily unable (identity provider unreachable).\n";

static const char usage_validate[] =
	"usage: oidc-auth validate --config FILE [OPTIONS] [TOKEN | -]\n"
	"\n"
	"Validate TOKEN (or the token on standard input) with the configuration in\n"
	"FILE: signature, issuer, audience, times, type, scopes, required claims\n"
	"and username mapping. Prints the verdict and the mapped username, or the\n"
	"reason code and what to fix.\n"
	"\n"
	"  -c, --config FILE     configuration file (oidc-auth.conf(5))\n"
	"  -u, --user NAME       also require the mapped username to be NAME\n"
	"  -s, --set KEY=VALUE   override a configuration key (repeatable)\n"
	"      --now SECONDS     validate as if the time were SECONDS since the epoch\n"
	"  -j, --json            print one JSON object\n"
	"  -h, --help            this text\n";

static const char usage_jws[] =
	"usage: oidc-auth jws-verify --jwks FILE [OPTIONS] [TOKEN | -]\n"
	"\n"
	"Check only the signature of TOKEN (structure, header rules, algorithm,\n"
	"key selection by kid); no claim is read. For debugging keys.\n"
	"\n"
	"  -k, --jwks FILE       JSON Web Key Set file\n"
	"  -a, --alg LIST        allowed algorithms (default: all asymmetric)\n"
	"      --max-size N      largest token accepted (default 16384)\n"
	"  -j, --json            print one JSON object\n"
	"  -h, --help            this text\n";

__attribute__((format(printf, 2, 3))) static int
usage_error(const char *usage, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	cli_line(stderr, "oidc-auth: %s", msg ? msg : "out of memory");
	free(msg);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

int cli_exit_code(enum oidc_status st)
{
	switch (oidc_status_class(st)) {
	case OIDC_CLASS_OK:
		return EXIT_VALID;
	case OIDC_CLASS_DENY:
	case OIDC_CLASS_FORBIDDEN:
	case OIDC_CLASS_BADREQ:
		return EXIT_REJECTED;
	case OIDC_CLASS_UNAVAILABLE:
	case OIDC_CLASS_PENDING:
		return EXIT_UNAVAILABLE;
	case OIDC_CLASS_INTERNAL:
		return EXIT_USAGE;
	}
	return EXIT_USAGE;
}

static const char *result_word(enum oidc_status st)
{
	switch (oidc_status_class(st)) {
	case OIDC_CLASS_OK: return "valid";
	case OIDC_CLASS_UNAVAILABLE:
	case OIDC_CLASS_PENDING: return "unavailable";
	case OIDC_CLASS_INTERNAL: return "error";
	case OIDC_CLASS_DENY:
	case OIDC_CLASS_FORBIDDEN:
	case OIDC_CLASS_BADREQ: return "rejected";
	}
	return "error";
}

/*
 * Print a failed verdict (rejected, unavailable or error) and return the
 * exit code. Configuration errors go to stderr, verdicts to stdout.
 */
int cli_print_failure(const struct oidc_error *err, const char *fingerprint,
		      const char *note, bool json)
{
	enum oidc_status st = err->status;
	enum oidc_status_class cls = oidc_status_class(st);

	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}",
				      "result", result_word(st),
				      "reason", oidc_status_name(st),
				      "class", oidc_class_name(cls),
				      "message", oidc_status_text(st),
				      "detail", err->detail);
		if (o && fingerprint)
			json_object_set_new(o, "token_sha256",
					    json_string(fingerprint));
		if (o && note && *note)
			json_object_set_new(o, "note", json_string(note));
		cli_json(stdout, o);
		json_decref(o);
	} else if (cls == OIDC_CLASS_INTERNAL) {
		cli_line(stderr, "oidc-auth: %s: %s", oidc_status_name(st), err->detail);
		cli_line(stderr, "  %s", oidc_status_text(st));
	} else {
		cli_line(stdout, "%s: %s (%s)", result_word(st), oidc_status_name(st),
			 oidc_class_name(cls));
		cli_line(stdout, "  %s", oidc_status_text(st));
		if (err->detail[0])
			cli_line(stdout, "  detail: %s", err->detail);
		if (fingerprint)
			cli_line(stdout, "  token:  sha256:%s", fingerprint);
		if (note && *note)
			cli_line(stdout, "  note:   %s", note);
	}
	return cli_exit_code(st);
}

/*
 * The token from argv or standard input ("-" or none), surrounding
 * whitespace removed. Returns a malloc'd string or NULL with err set.
 */
char *cli_read_token(const char *arg, size_t *len_out, struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;

	if (arg && strcmp(arg, "-") != 0) {
		buf = strdup(arg);
		len = buf ? strlen(buf) : 0;
	} else {
		buf = malloc(TOKEN_READ_MAX + 1);
		if (buf) {
			len = fread(buf, 1, TOKEN_READ_MAX + 1, stdin);
			if (len > TOKEN_READ_MAX) {
				free(buf);
				err->status = OIDC_E_TOO_LARGE;
				snprintf(err->detail, sizeof(err->detail),
					 "more than %d bytes on standard input",
					 TOKEN_READ_MAX);
				return NULL;
			}
			buf[len] = '\0';
		}
	}
	if (!buf) {
		err->status = OIDC_E_NOMEM;
		snprintf(err->detail, sizeof(err->detail), "reading the token");
		return NULL;
	}
	size_t start = 0;
	while (start < len && strchr(" \t\r\n", buf[start]))
		start++;
	while (len > start && strchr(" \t\r\n", buf[len - 1]))
		len--;
	memmove(buf, buf + start, len - start);
	len -= start;
	buf[len] = '\0';
	*len_out = len;
	return buf;
}

/* Parse "KEY=VALUE" and apply it to the top level of cfg. */
static enum oidc_status apply_set(struct oidc_config *cfg, const char *kv,
				  struct oidc_error *err)
{
	const char *eq = strchr(kv, '=');
	enum oidc_status st;
	char *key;

	if (!eq || eq == kv) {
		err->status = OIDC_E_CONFIG;
		snprintf(err->detail, sizeof(err->detail),
			 "--set wants KEY=VALUE");
		return OIDC_E_CONFIG;
	}
	key = strndup(kv, (size_t)(eq - kv));
	if (!key)
		return OIDC_E_NOMEM;
	st = oidc_config_set(cfg, NULL, key, eq + 1, err);
	free(key);
	return st;
}

/*
 * Read FILE (or, with issuer_url, a one-issuer configuration made from the
 * URL alone, for "discover") and apply the --set overrides; not finished.
 */
enum oidc_status cli_parse_config(const char *path, const char *issuer_url,
				  char **sets, size_t n_sets,
				  struct oidc_config **cfg_out,
				  struct oidc_error *err)
{
	struct oidc_config *cfg = NULL;
	enum oidc_status st;

	st = oidc_config_new(&cfg, err);
	if (st == OIDC_OK && path)
		st = oidc_config_load_file(cfg, path, err);
	if (st == OIDC_OK && issuer_url) {
		st = oidc_config_set(cfg, NULL, "issuer", issuer_url, err);
		/* discover reads no token: any audience will do */
		if (st == OIDC_OK)
			st = oidc_config_set(cfg, NULL, "audience", "discover", err);
	}
	for (size_t i = 0; st == OIDC_OK && i < n_sets; i++)
		st = apply_set(cfg, sets[i], err);
	if (st != OIDC_OK) {
		oidc_config_free(&cfg);
		return st;
	}
	*cfg_out = cfg;
	return OIDC_OK;
}

/* cli_parse_config, then finish: the configuration as a service loads it. */
enum oidc_status cli_load_config(const char *path, const char *issuer_url,
				 char **sets, size_t n_sets,
				 struct oidc_config **cfg_out,
				 struct oidc_error *err)
{
	enum oidc_status st;

	st = cli_parse_config(path, issuer_url, sets, n_sets, cfg_out, err);
	if (st != OIDC_OK)
		return st;
	st = oidc_config_finish(*cfg_out, err);
	if (st != OIDC_OK)
		oidc_config_free(cfg_out);
	return st;
}

int64_t cli_now(void)
{
	return (int64_t)time(NULL);
}

static int64_t fixed_clock(void *arg)
{
	return *(const int64_t *)arg;
}

static bool parse_int64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

static int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "set", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct oidc_error err = { OIDC_OK, "" };
	struct oidc_audit audit;
	struct oidc_config *cfg = NULL;
	struct oidc_ctx *ctx = NULL;
	struct oidc_result *res = NULL;
	const char *config = NULL, *user = NULL;
	char **sets = NULL, *token = NULL;
	size_t n_sets = 0, len = 0;
	bool json = false, have_now = false;
	int64_t now = 0;
	int c, rc = EXIT_USAGE;

	sets = calloc((size_t)argc, sizeof(*sets));
	if (!sets)
		return EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "c:u:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'u': user = optarg; break;
		case 's': sets[n_sets++] = optarg; break;
		case 'j': json = true; break;
		case 'n':
			if (!parse_int64(optarg, &now)) {
				rc = usage_error(usage_validate,
						 "--now wants seconds, not '%s'",
						 optarg);
				goto out;
			}
			have_now = true;
			break;
		case 'h':
			fputs(usage_validate, stdout);
			rc = EXIT_VALID;
			goto out;
		default:
			rc = usage_error(usage_validate, "bad option '%s'",
					 argv[optind - 1]);
			goto out;
		}
	}
	if (!config || argc - optind > 1) {
		rc = usage_error(usage_validate, "%s",
				 config ? "give at most one token" :
					  "--config FILE is required");
		goto out;
	}
	token = cli_read_token(optind < argc ? argv[optind] : NULL, &len, &err);
	if (!token) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	if (cli_load_config(config, NULL, sets, n_sets, &cfg, &err) != OIDC_OK ||
	    oidc_ctx_new(&ctx, cfg, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	if (have_now)
		oidc_ctx_set_clock(ctx, fixed_clock, &now);
	if (oidc_validate(ctx, token, len, user, &res, &audit, &err) != OIDC_OK)
		rc = cli_print_failure(&err, audit.token_sha256, audit.note, json);
	else
		rc = cli_print_valid(res, &audit, oidc_ctx_now(ctx), json);
out:
	oidc_result_free(&res);
	oidc_ctx_free(&ctx);
	if (token) {
		memset(token, 0, len);
		free(token);
	}
	free(sets);
	return rc;
}

static int cmd_jws_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "jwks", required_argument, NULL, 'k' },
		{ "alg", required_argument, NULL, 'a' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct oidc_error err = { OIDC_OK, "" };
	struct oidc_keyset *ks = NULL;
	struct oidc_jws jws = { 0 };
	const char *jwks = NULL, *algs = NULL;
	char *token = NULL, fp[17];
	uint32_t mask = 0;
	int64_t max = 16384;
	size_t len = 0;
	bool json = false;
	int c, rc = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "k:a:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': jwks = optarg; break;
		case 'a': algs = optarg; break;
		case 'j': json = true; break;
		case 'm':
			if (!parse_int64(optarg, &max) || max < 1 ||
			    max > 1024 * 1024)
				return usage_error(usage_jws,
						   "bad --max-size '%s'", optarg);
			break;
		case 'h':
			fputs(usage_jws, stdout);
			return EXIT_VALID;
		default:
			return usage_error(usage_jws, "bad option '%s'",
					   argv[optind - 1]);
		}
	}
	if (!jwks || argc - optind > 1)
		return usage_error(usage_jws, "%s",
				   jwks ? "give at most one token" :
					  "--jwks FILE is required");
	if (oidc_alg_list_parse(algs ? algs :
				"RS256,RS384,RS512,PS256,PS384,PS512,"
				"ES256,ES384,ES512,EdDSA", &mask, &err) != OIDC_OK ||
	    oidc_keyset_load_file(jwks, &ks, &err) != OIDC_OK)
		return cli_print_failure(&err, NULL, NULL, json);
	token = cli_read_token(optind < argc ? argv[optind] : NULL, &len, &err);
	if (!token) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	oidc_token_fingerprint(token, len, fp);
	if (oidc_jws_verify(ks, mask, token, len, (size_t)max, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, fp, NULL, json);
		goto out;
	}
	/* Verified: re-read the header only to show which key and alg. */
	if (oidc_jws_parse(token, len, (size_t)max, &jws, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, fp, NULL, json);
		goto out;
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "result", "valid",
				      "alg", oidc_alg_get(jws.alg)->name,
				      "token_sha256", fp);
		if (o)
			json_object_set_new(o, "kid", jws.kid ?
					    json_string(jws.kid) : json_null());
		cli_json(stdout, o);
		json_decref(o);
	} else {
		cli_line(stdout, "signature valid");
		cli_line(stdout, "  alg:    %s", oidc_alg_get(jws.alg)->name);
		if (jws.kid)
			cli_line(stdout, "  kid:    %s", jws.kid);
		cli_line(stdout, "  token:  sha256:%s", fp);
	}
	rc = EXIT_VALID;
out:
	oidc_jws_clear(&jws);
	free(token);
	oidc_keyset_free(&ks);
	return rc;
}

int main(int argc, char **argv)
{
	opterr = 0; /* our own message, prefixed "oidc-auth: " */
	cli_out_init();
	if (argc < 2)
		return usage_error(usage_main, "%s", "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return EXIT_VALID;
	}
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "jws-verify"))
		return cmd_jws_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-config"))
		return cli_cmd_check_config(argc - 1, argv + 1);
	if (!strcmp(argv[1], "discover"))
		return cli_cmd_discover(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cache"))
		return cli_cmd_cache(argc - 1, argv + 1);
	if (!strcmp(argv[1], "login"))
		return cli_cmd_login(argc - 1, argv + 1);
	if (!strcmp(argv[1], "token"))
		return cli_cmd_token(argc - 1, argv + 1);
	return usage_error(usage_main, "unknown command '%s'", argv[1]);
}
