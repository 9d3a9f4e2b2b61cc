/* SPDX-License-Identifier: MIT */
/*
 * cmd_net.c - the oidc-auth commands that talk to the identity provider or
 * its cache: "discover" and "cache show|clear". The provider's metadata, its
 * kids and the cache entries are someone else's text: every line goes
 * through cli_line (cli_out.c).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "internal.h"
#include "keysource.h"

static const char usage_discover[] =
	"usage: oidc-auth discover (--config FILE [--issuer NAME] | ISSUER-URL) [OPTIONS]\n"
	"\n"
	"Fetch (or read from the cache) the provider's discovery document and\n"
	"keys, and print the metadata and the keys that would be trusted.\n"
	"\n"
	"  -c, --config FILE     configuration file\n"
	"  -i, --issuer NAME     the [issuer NAME] section (default: the only one)\n"
	"  -s, --set KEY=VALUE   override a configuration key (repeatable)\n"
	"  -j, --json            print one JSON object\n"
	"  -h, --help            this text\n"
	"Exit status: 0 ok, 2 usage or configuration error, 3 provider unreachable.\n";

static const char usage_cache[] =
	"usage: oidc-auth cache (show | clear) (--config FILE | --dir DIR) [--json]\n"
	"\n"
	"show: list the cached discovery documents and key sets.\n"
	"clear: remove them (the next validation fetches again).\n"
	"\n"
	"  -c, --config FILE     take cache_dir from this configuration\n"
	"  -d, --dir DIR         the cache directory itself\n"
	"  -j, --json            print one JSON object\n"
	"  -h, --help            this text\n";

static int fail_usage(const char *usage, const char *what)
{
	cli_line(stderr, "oidc-auth: %s", what);
	fputs(usage, stderr);
	return 2;
}

/* The issuer configuration to use: the named section or the only one. */
static const struct oidc_issuer_cfg *pick_issuer(const struct oidc_config *cfg,
						 const char *name,
						 struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n = oidc_config_issuers(cfg, &list);

	for (size_t i = 0; i < n; i++)
		if (name ? strcmp(list[i]->name, name) == 0 : n == 1)
			return list[i];
	err->status = OIDC_E_CONFIG;
	snprintf(err->detail, sizeof(err->detail), name ?
		 "no [issuer %.64s] section" :
		 "several issuers are configured: choose one with --issuer",
		 name);
	return NULL;
}

static void print_meta_text(const struct oidc_provider_meta *m)
{
	cli_line(stdout, "  issuer:                 %s", m->issuer ? m->issuer : "-");
	cli_line(stdout, "  jwks_uri:               %s", m->jwks_uri ? m->jwks_uri : "-");
	cli_line(stdout, "  introspection_endpoint: %s",
		 m->introspection_endpoint ? m->introspection_endpoint : "-");
	cli_line(stdout, "  userinfo_endpoint:      %s",
		 m->userinfo_endpoint ? m->userinfo_endpoint : "-");
	cli_line(stdout, "  device_authorization:   %s",
		 m->device_authorization_endpoint ? m->device_authorization_endpoint : "-");
	cli_line(stdout, "  token_endpoint:         %s",
		 m->token_endpoint ? m->token_endpoint : "-");
}

static json_t *meta_json(const struct oidc_provider_meta *m)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "issuer", m->issuer ? json_string(m->issuer) : json_null());
	json_object_set_new(o, "jwks_uri", m->jwks_uri ? json_string(m->jwks_uri) : json_null());
	json_object_set_new(o, "introspection_endpoint", m->introspection_endpoint ?
			    json_string(m->introspection_endpoint) : json_null());
	json_object_set_new(o, "userinfo_endpoint", m->userinfo_endpoint ?
			    json_string(m->userinfo_endpoint) : json_null());
	json_object_set_new(o, "device_authorization_endpoint",
			    m->device_authorization_endpoint ?
			    json_string(m->device_authorization_endpoint) : json_null());
	json_object_set_new(o, "token_endpoint", m->token_endpoint ?
			    json_string(m->token_endpoint) : json_null());
	return o;
}

static int print_discovery(const struct oidc_issuer_cfg *ic,
			   const struct oidc_provider_meta *meta,
			   const struct oidc_keyset *keys, unsigned fetches,
			   bool json)
{
	size_t n = oidc_keyset_count(keys);
	json_t *o = NULL, *arr = NULL;

	if (json) {
		o = json_pack("{s:s, s:s, s:I}", "result", "ok", "section", ic->name,
			      "requests", (json_int_t)fetches);
		arr = json_array();
		if (o && meta)
			json_object_set_new(o, "metadata", meta_json(meta));
	} else {
		cli_line(stdout, "issuer %s (section %s)", ic->issuer, ic->name);
		if (meta)
			print_meta_text(meta);
		cli_line(stdout, "keys (%zu usable, %zu skipped):", n,
			 oidc_keyset_skipped(keys));
	}
	for (size_t i = 0; i < n; i++) {
		const char *kid = NULL, *kty = NULL, *alg = NULL;
		unsigned bits = 0;

		if (oidc_keyset_describe(keys, i, &kid, &kty, &alg, &bits) != 0)
			continue;
		if (json) {
			json_t *k = json_pack("{s:s, s:s, s:i}", "kty", kty, "alg", alg,
					      "bits", (int)bits);
			if (k) {
				json_object_set_new(k, "kid", kid ? json_string(kid) :
								    json_null());
				json_array_append_new(arr, k);
			}
		} else {
			cli_line(stdout, "  kid %-40s %-3s %-5s %u bits", kid ? kid : "(none)",
				 kty, alg, bits);
		}
	}
	if (json) {
		if (o) {
			json_object_set_new(o, "keys", arr);
			cli_json(stdout, o);
		} else {
			json_decref(arr);
		}
		json_decref(o);
	} else {
		cli_line(stdout, "(%u request%s to the provider)", fetches,
			 fetches == 1 ? "" : "s");
	}
	return 0;
}

int cli_cmd_discover(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "issuer", required_argument, NULL, 'i' },
		{ "set", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct oidc_error err = { OIDC_OK, "" };
	struct oidc_config *cfg = NULL;
	struct oidc_keysource src;
	struct oidc_http_opts http;
	struct oidc_keyset *keys = NULL;
	const struct oidc_provider_meta *meta = NULL;
	const struct oidc_issuer_cfg *ic;
	const char *config = NULL, *section = NULL;
	char **sets = calloc((size_t)argc + 2, sizeof(*sets));
	size_t n_sets = 0;
	bool json = false, src_ready = false;
	int c, rc = 2;

	if (!sets)
		return 2;
	while ((c = getopt_long(argc, argv, "c:i:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'i': section = optarg; break;
		case 's': sets[n_sets++] = optarg; break;
		case 'j': json = true; break;
		case 'h':
			fputs(usage_discover, stdout);
			rc = 0;
			goto out;
		default:
			rc = fail_usage(usage_discover, "bad option");
			goto out;
		}
	}
	if (!config == (optind >= argc) || argc - optind > 1) {
		rc = fail_usage(usage_discover, "give --config FILE or one issuer URL");
		goto out;
	}
	if (cli_load_config(config, optind < argc ? argv[optind] : NULL, sets,
			    n_sets, &cfg, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	ic = pick_issuer(cfg, section, &err);
	if (!ic) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	if (!ic->network_keys) {
		rc = print_discovery(ic, NULL, ic->keys, 0, json);
		goto out;
	}
	if (oidc_keysource_init(&src, ic) != OIDC_OK) {
		rc = 2;
		goto out;
	}
	src_ready = true;
	oidc_keysource_http_opts(ic, &http);
	if (oidc_keysource_meta(&src, cli_now(), &http, &meta, &err) != OIDC_OK ||
	    oidc_keysource_get(&src, cli_now(), NULL, &http, &keys, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	rc = print_discovery(ic, meta, keys, src.fetches, json);
out:
	oidc_keyset_unref(&keys);
	if (src_ready)
		oidc_keysource_clear(&src);
	oidc_config_free(&cfg);
	free(sets);
	return rc;
}

/* One cache entry for "cache show": the envelope fields, never the body. */
static void show_entry(const char *dir, const char *name, bool json, json_t *arr)
{
	struct oidc_error err = { OIDC_OK, "" };
	unsigned char *data = NULL;
	json_t *env = NULL;
	size_t len = 0;

	if (oidc_cache_read(dir, name, OIDC_HTTP_BODY_MAX * 2, &data, &len, &err) !=
		    OIDC_OK || !data)
		return;
	env = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
	if (env) {
		const char *iss = json_string_value(json_object_get(env, "issuer"));
		const char *url = json_string_value(json_object_get(env, "url"));
		json_int_t f = json_integer_value(json_object_get(env, "fetched_at"));
		json_int_t e = json_integer_value(json_object_get(env, "expires_at"));

		if (json) {
			json_t *o = json_pack("{s:s, s:s?, s:s?, s:I, s:I, s:I}",
					      "name", name, "issuer", iss, "url", url,
					      "fetched_at", f, "expires_at", e,
					      "bytes", (json_int_t)len);
			if (o)
				json_array_append_new(arr, o);
		} else {
			cli_line(stdout, "%s", name);
			cli_line(stdout, "  issuer:  %s", iss ? iss : "?");
			cli_line(stdout, "  url:     %s", url ? url : "?");
			cli_line(stdout, "  fetched: %lld (%lld s ago)", (long long)f,
				 (long long)(cli_now() - f));
			cli_line(stdout, "  expires: %lld (%s)", (long long)e,
				 e > cli_now() ? "fresh" : "stale");
		}
	}
	json_decref(env);
	free(data);
}

int cli_cmd_cache(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct oidc_error err = { OIDC_OK, "" };
	struct oidc_config *cfg = NULL;
	const char *config = NULL, *dir = NULL, *action;
	bool json = false;
	int c, rc = 2;

	while ((c = getopt_long(argc, argv, "c:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'd': dir = optarg; break;
		case 'j': json = true; break;
		case 'h':
			fputs(usage_cache, stdout);
			return 0;
		default:
			return fail_usage(usage_cache, "bad option");
		}
	}
	if (argc - optind != 1 || (!config == !dir))
		return fail_usage(usage_cache, "give show or clear, and --config or --dir");
	action = argv[optind];
	if (strcmp(action, "show") != 0 && strcmp(action, "clear") != 0)
		return fail_usage(usage_cache, "the action is show or clear");
	if (config) {
		const struct oidc_issuer_cfg *const *list = NULL;

		if (cli_load_config(config, NULL, NULL, 0, &cfg, &err) != OIDC_OK)
			return cli_print_failure(&err, NULL, NULL, json);
		oidc_config_issuers(cfg, &list);
		dir = list[0]->cache_dir;
	}
	if (oidc_cache_dir_check(dir, false, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	if (strcmp(action, "clear") == 0) {
		if (oidc_cache_clear(dir, &err) != OIDC_OK) {
			rc = cli_print_failure(&err, NULL, NULL, json);
			goto out;
		}
		if (json)
			printf("{\"result\":\"ok\",\"cleared\":true}\n");
		else
			cli_line(stdout, "cleared %s", dir);
		rc = 0;
		goto out;
	}
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		json_t *arr = json ? json_array() : NULL;

		if (!d) {
			cli_line(stderr, "oidc-auth: cannot read %s: %s", dir, strerror(errno));
			json_decref(arr);
			goto out;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			show_entry(dir, de->d_name, json, arr);
		}
		closedir(d);
		if (json) {
			json_t *o = json_pack("{s:s, s:s, s:o}", "result", "ok", "dir", dir,
					      "entries", arr);
			cli_json(stdout, o);
			json_decref(o);
		}
	}
	rc = 0;
out:
	oidc_config_free(&cfg);
	return rc;
}
