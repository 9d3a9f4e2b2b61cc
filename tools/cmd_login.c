/* SPDX-License-Identifier: MIT */
/*
 * cmd_login.c - "oidc-auth login" (the device flow for a person, RFC 8628)
 * and "oidc-auth token" (a fresh access token from the stored refresh
 * token, for clients that only have a password field).
 *
 * Human messages go to stderr, so that stdout carries only what a script
 * asked for (the access token with --print-token, or JSON with --json).
 * The token file is JSON, 0600 in a 0700 directory, replaced atomically,
 * and read back like every secret (oidc_trusted_file_read). What the
 * provider sent is printed through cli_line (cli_out.c), escaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define TOKEN_FILE_MAX (256 * 1024)
#define TOKEN_LOCK_WAIT_MS 30000  /* longest wait for another refresh */

static const char usage_login[] =
	"usage: oidc-auth login --config FILE [--issuer NAME] [OPTIONS]\n"
	"\n"
	"Sign in at the identity provider with the device flow (RFC 8628): open\n"
	"the URL shown (or scan the QR code) on any device, enter the code, sign\n"
	"in with MFA. The tokens are stored (0600) for 'oidc-auth token'.\n"
	"\n"
	"  -c, --config FILE     configuration file (client_id, request_scopes...)\n"
	"  -i, --issuer NAME     the [issuer NAME] section (default: the only one)\n"
	"  -s, --set KEY=VALUE   override a configuration key (repeatable)\n"
	"  -o, --token-file PATH where to store the tokens (default:\n"
	"                        $XDG_STATE_HOME/oidc-auth/tokens-SECTION.json)\n"
	"  -p, --print-token     print the access token on stdout when signed in\n"
	"      --no-qr           do not draw the QR code\n"
	"      --no-validate     the tokens are for another server (a mail\n"
	"                        provider's SMTP or IMAP): do not check them here\n"
	"  -j, --json            machine-readable events on stdout, one per line\n"
	"  -h, --help            this text\n"
	"Exit status: 0 signed in (and the token validates), 1 refused, expired\n"
	"or not valid here, 2 usage or configuration error, 3 provider unreachable.\n";

static const char usage_token[] =
	"usage: oidc-auth token --config FILE [--issuer NAME] [OPTIONS]\n"
	"\n"
	"Print a fresh access token: the stored one while it stays valid for\n"
	"--min-valid seconds, else a new one from the stored refresh token.\n"
	"\n"
	"  -c, --config FILE     configuration file\n"
	"  -i, --issuer NAME     the [issuer NAME] section (default: the only one)\n"
	"  -s, --set KEY=VALUE   override a configuration key (repeatable)\n"
	"  -o, --token-file PATH the stored tokens (default as for login)\n"
	"  -m, --min-valid SECS  refresh when less is left (default 60)\n"
	"  -j, --json            print {\"access_token\":...,\"expires_at\":...}\n"
	"  -h, --help            this text\n"
	"Exit status: 0 ok, 1 refused (sign in again with 'oidc-auth login'),\n"
	"2 usage or configuration error, 3 provider unreachable.\n";

struct login_opts {
	const char *config, *issuer, *token_file;
	char **sets;
	size_t n_sets;
	bool print_token, no_qr, no_validate, json;
	long min_valid;
};

static int fail(const char *usage, const char *what, const char *arg)
{
	cli_line(stderr, "oidc-auth: %s%s%s%s", what, arg ? " '" : "", arg ? arg : "",
		 arg ? "'" : "");
	fputs(usage, stderr);
	return 2;
}

/* Colour only on a terminal that wants it (NO_COLOR, TERM=dumb). */
static bool colour(FILE *f)
{
	const char *term = getenv("TERM");

	return isatty(fileno(f)) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
}

static int parse_opts(int argc, char **argv, const char *usage, bool login,
		      struct login_opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "set", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 'o' },
		{ "print-token", no_argument, NULL, 'p' },
		{ "no-qr", no_argument, NULL, 'Q' },
		{ "no-validate", no_argument, NULL, 'V' },
		{ "min-valid", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->min_valid = 60;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:s:o:pm:jh", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'i': o->issuer = optarg; break;
		case 'o': o->token_file = optarg; break;
		case 'j': o->json = true; break;
		case 's': {
			char **n = realloc(o->sets, (o->n_sets + 1) * sizeof(*n));

			if (!n)
				return fail(usage, "out of memory", NULL);
			o->sets = n;
			o->sets[o->n_sets++] = optarg;
			break;
		}
		case 'p':
		case 'Q':
		case 'V':
			if (!login)
				return fail(usage, "bad option", argv[optind - 1]);
			if (c == 'p')
				o->print_token = true;
			else if (c == 'Q')
				o->no_qr = true;
			else
				o->no_validate = true;
			break;
		case 'm':
			errno = 0;
			o->min_valid = strtol(optarg, &end, 10);
			if (login || errno || *end || end == optarg || o->min_valid < 0 ||
			    o->min_valid > 86400)
				return fail(usage, "bad --min-valid (0..86400):", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return fail(usage, "bad option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return fail(usage, "unexpected argument", argv[optind]);
	if (!o->config)
		return fail(usage, "--config FILE is required", NULL);
	return -1;
}

/* Default token file: $XDG_STATE_HOME (or ~/.local/state)/oidc-auth/. */
static char *token_path(const struct login_opts *o)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *p = NULL;

	if (o->token_file)
		return strdup(o->token_file);
	if (state && *state == '/') {
		if (asprintf(&p, "%s/oidc-auth/tokens-%s.json", state,
			     o->issuer ? o->issuer : "default") < 0)
			p = NULL;
	} else if (home && *home == '/') {
		if (asprintf(&p, "%s/.local/state/oidc-auth/tokens-%s.json", home,
			     o->issuer ? o->issuer : "default") < 0)
			p = NULL;
	}
	return p;
}

/* mkdir -p of the parent of path, new directories 0700. */
static int make_parent(const char *path)
{
	char *dir = strdup(path), *s;

	if (!dir)
		return -1;
	s = strrchr(dir, '/');
	if (s && s != dir) {
		*s = '\0';
		for (char *q = dir + 1; *q; q++) {
			if (*q != '/')
				continue;
			*q = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST)
				break;
			*q = '/';
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			free(dir);
			return -1;
		}
	}
	free(dir);
	return 0;
}

static int store_tokens(const char *path, const struct oidc_tokens *t,
			const char *keep_refresh)
{
	char *text = oidc_tokens_json(t, keep_refresh);
	int rc = -1, e = ENOMEM;

	if (text && make_parent(path) == 0) {
		rc = oidc_file_replace(path, text, strlen(text));
		e = errno;
	} else if (text) {
		e = errno;
	}
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	errno = e;
	return rc;
}

static void print_instructions(const struct oidc_device_auth *da, const struct login_opts *o)
{
	const char *uri = oidc_device_verification_uri(da);
	const char *full = oidc_device_verification_uri_complete(da);
	const char *code = oidc_device_user_code(da);
	bool c = colour(stderr);
	char *qr = NULL;

	if (o->json) {
		json_t *ev = json_pack("{s:s, s:s, s:s, s:I, s:i}", "event",
				       "device_authorization", "verification_uri", uri,
				       "user_code", code, "expires_at",
				       (json_int_t)oidc_device_expires_at(da),
				       "interval", oidc_device_interval(da));
		if (ev && full)
			json_object_set_new(ev, "verification_uri_complete", json_string(full));
		cli_json(stdout, ev);
		fflush(stdout);
		json_decref(ev);
	}
	/* the bold on and off are ours; the URI and the code are escaped */
	fputs("To sign in, open ", stderr);
	fputs(c ? "\033[1m" : "", stderr);
	cli_put(stderr, uri, strlen(uri));
	fputs(c ? "\033[0m\nand enter the code \033[1m" : "\nand enter the code ", stderr);
	cli_put(stderr, code, strlen(code));
	fputs(c ? "\033[0m\n" : "\n", stderr);
	if (full && !o->no_qr && isatty(fileno(stderr)))
		qr = oidc_qr_text(full, 0);
	if (qr)
		fprintf(stderr, "or scan this code with your phone:\n%s", qr);
	free(qr);
}

/* Sleep s seconds showing how long is left (only on a terminal). */
static void wait_poll(int s, int64_t left)
{
	if (isatty(fileno(stderr)))
		fprintf(stderr, "\rwaiting for you to sign in... %lld s left  ",
			(long long)left);
	sleep((unsigned)s);
}

static int finish_login(struct oidc_ctx *ctx, const struct oidc_tokens *t,
			const char *path, const struct login_opts *o)
{
	struct oidc_result *res = NULL;
	struct oidc_audit audit;
	struct oidc_error err = { OIDC_OK, "" };
	enum oidc_status st;
	const char *result;
	int rc = 0;

	if (store_tokens(path, t, NULL) != 0) {
		cli_line(stderr, "oidc-auth: cannot store the tokens in %s: %s", path,
			 strerror(errno));
		return 2;
	}
	/* Would our servers accept it? Same check as pam_oidc / the plugin. */
	if (o->no_validate) {
		result = "not_validated";
		cli_line(stderr, "signed in; tokens stored in %s (not checked here: "
			 "--no-validate)", path);
	} else {
		st = oidc_validate(ctx, t->access_token, strlen(t->access_token), NULL,
				   &res, &audit, &err);
		if (st != OIDC_OK && t->id_token)
			st = oidc_validate(ctx, t->id_token, strlen(t->id_token), NULL,
					   &res, &audit, &err);
		result = oidc_status_name(st);
		if (st == OIDC_OK)
			cli_line(stderr, "signed in as %s; tokens stored in %s",
				 oidc_result_username(res), path);
		else
			cli_line(stderr, "signed in, tokens stored in %s, but the token does "
				 "not validate here: %s (%s)", path, result, err.detail);
		if (st != OIDC_OK)
			rc = cli_exit_code(st);
	}
	if (o->json) {
		json_t *ev = json_pack("{s:s, s:s, s:s, s:I}", "event", "signed_in",
				       "result", result, "token_file", path,
				       "expires_at", (json_int_t)t->expires_at);
		if (ev && res)
			json_object_set_new(ev, "user", json_string(oidc_result_username(res)));
		if (ev && o->print_token)
			json_object_set_new(ev, "access_token", json_string(t->access_token));
		cli_json(stdout, ev);
		json_decref(ev);
	} else if (o->print_token) {
		cli_line(stdout, "%s", t->access_token);
	}
	oidc_result_free(&res);
	return rc;
}

static int open_ctx(const struct login_opts *o, struct oidc_ctx **ctx_out)
{
	struct oidc_config *cfg = NULL;
	struct oidc_error err = { OIDC_OK, "" };

	if (cli_load_config(o->config, NULL, o->sets, o->n_sets, &cfg, &err) != OIDC_OK ||
	    oidc_ctx_new(ctx_out, cfg, &err) != OIDC_OK)
		return cli_print_failure(&err, NULL, NULL, o->json);
	return 0;
}

int cli_cmd_login(int argc, char **argv)
{
	struct login_opts o = { 0 };
	struct oidc_ctx *ctx = NULL;
	struct oidc_device_auth *da = NULL;
	struct oidc_tokens *t = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	enum oidc_status st;
	char *path = NULL;
	int rc = parse_opts(argc, argv, usage_login, true, &o);

	if (rc >= 0)
		goto out;
	path = token_path(&o);
	if (!path) {
		rc = fail(usage_login, "no HOME or XDG_STATE_HOME: give --token-file", NULL);
		goto out;
	}
	rc = open_ctx(&o, &ctx);
	if (rc != 0)
		goto out;
	st = oidc_device_start(ctx, o.issuer, &da, &err);
	if (st != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, o.json);
		goto out;
	}
	print_instructions(da, &o);
	do {
		int64_t left = oidc_device_expires_at(da) - oidc_ctx_now(ctx);

		wait_poll(oidc_device_interval(da), left > 0 ? left : 0);
		st = oidc_device_poll(ctx, da, &t, &err);
	} while (st == OIDC_E_AUTH_PENDING);
	if (isatty(fileno(stderr)))
		fputs("\n", stderr);
	if (st != OIDC_OK)
		rc = cli_print_failure(&err, NULL, NULL, o.json);
	else
		rc = finish_login(ctx, t, path, &o);
out:
	oidc_tokens_free(&t);
	oidc_device_free(&da);
	oidc_ctx_free(&ctx);
	free(path);
	free(o.sets);
	return rc;
}

/* The stored tokens: access token, refresh token, expires_at. Read like
 * every secret (trusted_file.c): a token file others can read, or a
 * symbolic link put where it should be, is refused. */
static int load_tokens(const char *path, json_t **doc_out)
{
	struct oidc_error err = { OIDC_OK, "" };
	json_error_t jerr;
	char *text = NULL;
	size_t len = 0;

	if (oidc_trusted_file_read(path, OIDC_FILE_SECRET, TOKEN_FILE_MAX, &text, &len,
				   &err) != OIDC_OK) {
		if (errno == ENOENT) {
			cli_line(stderr, "oidc-auth: no stored tokens in %s: run "
				 "'oidc-auth login' first", path);
			return 1;
		}
		cli_line(stderr, "oidc-auth: token file refused: %s (or sign in again "
			 "with 'oidc-auth login')", err.detail);
		return 2;
	}
	*doc_out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	explicit_bzero(text, len + 1);
	free(text);
	if (!*doc_out || !json_is_object(*doc_out)) {
		cli_line(stderr, "oidc-auth: %s is not a token file: run 'oidc-auth "
			 "login' again", path);
		return 2;
	}
	return 0;
}

static void print_token(const char *at, int64_t exp, bool json)
{
	if (json) {
		json_t *ev = json_pack("{s:s, s:I}", "access_token", at, "expires_at",
				       (json_int_t)exp);
		cli_json(stdout, ev);
		json_decref(ev);
	} else {
		cli_line(stdout, "%s", at);
	}
}

int cli_cmd_token(int argc, char **argv)
{
	struct login_opts o = { 0 };
	struct oidc_ctx *ctx = NULL;
	struct oidc_tokens *t = NULL;
	struct oidc_error err = { OIDC_OK, "" };
	json_t *doc = NULL;
	const char *at, *rt;
	json_int_t exp;
	char *path = NULL;
	int lock_fd = -1;
	int rc = parse_opts(argc, argv, usage_token, false, &o);

	if (rc >= 0)
		goto out;
	path = token_path(&o);
	if (!path) {
		rc = fail(usage_token, "no HOME or XDG_STATE_HOME: give --token-file", NULL);
		goto out;
	}
	rc = open_ctx(&o, &ctx);
	/* the second pass runs under the lock: another process (a mail client
	 * and a sync tool asking at once) may have refreshed meanwhile, and a
	 * provider that rotates refresh tokens refuses the one it replaced */
	for (int pass = 0; rc == 0 && pass < 2; pass++) {
		if (pass == 1) {
			lock_fd = oidc_file_lock(path, TOKEN_LOCK_WAIT_MS);
			if (lock_fd < 0) {
				int e = errno;   /* before stdio can change it */

				cli_line(stderr, "oidc-auth: cannot lock %s.lock: %s", path,
					 e == EWOULDBLOCK ? "another process holds it"
							  : strerror(e));
				rc = e == EWOULDBLOCK ? 3 : 2;
				goto out;
			}
			json_decref(doc);
			doc = NULL;
		}
		rc = load_tokens(path, &doc);
		if (rc != 0)
			goto out;
		at = json_string_value(json_object_get(doc, "access_token"));
		exp = json_integer_value(json_object_get(doc, "expires_at"));
		if (at && exp > 0 && exp - o.min_valid > oidc_ctx_now(ctx)) {
			print_token(at, exp, o.json);
			goto out;
		}
	}
	if (rc != 0)
		goto out;
	rt = json_string_value(json_object_get(doc, "refresh_token"));
	if (!rt) {
		cli_line(stderr, "oidc-auth: the stored access token expired and there is "
			 "no refresh token: run 'oidc-auth login' again");
		rc = 1;
		goto out;
	}
	if (oidc_token_refresh(ctx, o.issuer, rt, &t, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, o.json);
		goto out;
	}
	if (store_tokens(path, t, rt) != 0) {
		cli_line(stderr, "oidc-auth: cannot store the tokens in %s: %s", path,
			 strerror(errno));
		rc = 2;
		goto out;
	}
	print_token(t->access_token, t->expires_at, o.json);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	oidc_tokens_free(&t);
	json_decref(doc);
	oidc_ctx_free(&ctx);
	free(path);
	free(o.sets);
	return rc;
}
