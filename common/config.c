/* SPDX-License-Identifier: MIT */
/*
 * config.c - oidc-auth.conf(5): the configuration object, the file parser,
 * the one setter every source goes through (file lines first, then PAM
 * arguments / SASL options / CLI flags) and the visitor for the CLI.
 * The option table is in config_opts.c, the value parsers in
 * config_values.c, the checks and loading of named files done by
 * oidc_config_finish() in config_finish.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define SECTION_NAME_MAX 63
#define WHERE_MAX 160

static const char top_name[] = "default";

/*
 * What oidc_config_new() allocates. oidc_config_issuers() hands out an
 * array of issuer pointers; without sections that is this one-element
 * array pointing at cfg.top. cfg comes first, so the pointers convert.
 */
struct config_box {
	struct oidc_config cfg;
	const struct oidc_issuer_cfg *top_only[1];
};

OIDC_EXPORT enum oidc_status oidc_config_new(struct oidc_config **cfg_out,
					     struct oidc_error *err)
{
	struct config_box *box = NULL;
	struct oidc_config *cfg = NULL;
	enum oidc_status st;

	if (!cfg_out)
		return oidc_err(err, OIDC_E_INTERNAL, "oidc_config_new: no output");
	box = calloc(1, sizeof(*box));
	if (!box)
		return oidc_err(err, OIDC_E_NOMEM, "configuration: out of memory");
	cfg = &box->cfg;
	box->top_only[0] = &cfg->top;
	cfg->top.name = strdup(top_name);
	if (!cfg->top.name) {
		st = oidc_err(err, OIDC_E_NOMEM, "configuration: out of memory");
		goto fail;
	}
	st = oidc_issuer_cfg_defaults(&cfg->top, err);
	if (st != OIDC_OK)
		goto fail;
	*cfg_out = cfg;
	return OIDC_OK;
fail:
	oidc_config_free(&cfg);
	return st;
}

OIDC_EXPORT void oidc_config_free(struct oidc_config **cfg)
{
	struct oidc_config *c;

	if (!cfg || !*cfg)
		return;
	c = *cfg;
	for (size_t i = 0; i < c->n_sections; i++) {
		oidc_issuer_cfg_clear(c->sections[i]);
		free(c->sections[i]);
	}
	free(c->sections);
	oidc_issuer_cfg_clear(&c->top);
	free((struct config_box *)c);
	*cfg = NULL;
}

size_t oidc_config_issuers(const struct oidc_config *cfg,
			   const struct oidc_issuer_cfg *const **list)
{
	const struct config_box *box = (const struct config_box *)cfg;

	if (!cfg) {
		*list = NULL;
		return 0;
	}
	if (cfg->n_sections) {
		*list = (const struct oidc_issuer_cfg *const *)cfg->sections;
		return cfg->n_sections;
	}
	*list = box->top_only;
	return 1;
}

const char *oidc_config_short_path(const char *path, char *buf, size_t cap)
{
	size_t len = strlen(path);

	if (len < 100 || cap < 100)
		return path;
	/* keep the end: the file name matters more than the directories */
	snprintf(buf, cap, "...%s", path + len - 96);
	return buf;
}

static bool section_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > SECTION_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static struct oidc_issuer_cfg *find_section(const struct oidc_config *cfg,
					    const char *name)
{
	for (size_t i = 0; i < cfg->n_sections; i++)
		if (strcmp(cfg->sections[i]->name, name) == 0)
			return cfg->sections[i];
	return NULL;
}

/* A new section starts as a deep copy of the top level as it is now. */
static enum oidc_status add_section(struct oidc_config *cfg, const char *name,
				    struct oidc_issuer_cfg **ic_out)
{
	struct oidc_issuer_cfg **nv, *ic = calloc(1, sizeof(*ic));

	if (!ic)
		return OIDC_E_NOMEM;
	if (oidc_issuer_cfg_copy(ic, &cfg->top) != OIDC_OK ||
	    !(ic->name = strdup(name)))
		goto nomem;
	nv = realloc(cfg->sections, (cfg->n_sections + 1) * sizeof(*nv));
	if (!nv)
		goto nomem;
	cfg->sections = nv;
	cfg->sections[cfg->n_sections++] = ic;
	*ic_out = ic;
	return OIDC_OK;
nomem:
	oidc_issuer_cfg_clear(ic);
	free(ic);
	return OIDC_E_NOMEM;
}

static bool has_control_char(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/*
 * The one setter. section NULL: the top level and every section defined
 * so far (later sources win); otherwise that section, created if needed.
 * where prefixes error details: "FILE:LINE: " or "argument ".
 */
static enum oidc_status config_set(struct oidc_config *cfg, const char *section,
				   const char *key, const char *value,
				   const char *where, struct oidc_error *err)
{
	const struct oidc_option *opt;
	struct oidc_issuer_cfg *ic;
	enum oidc_status st;
	bool created;
	size_t idx = 0;

	if (cfg->finished)
		return oidc_err(err, OIDC_E_CONFIG, "%s%.40s: the configuration is "
				"already finished", where, key);
	opt = oidc_option_find(key, &idx);
	if (!opt)
		return oidc_err(err, OIDC_E_CONFIG, "%s%.40s: unknown key (see "
				"oidc-auth.conf(5))", where, key);
	if (value && has_control_char(value))
		return oidc_err(err, OIDC_E_CONFIG, "%s%s: control character in "
				"value", where, key);
	if (section) {
		if (!section_name_ok(section) || strcmp(section, top_name) == 0)
			return oidc_err(err, OIDC_E_CONFIG, "%s[issuer %.40s]: bad "
					"section name (1-63 of A-Z a-z 0-9 . _ -, "
					"not 'default')", where, section);
		ic = find_section(cfg, section);
		created = !ic;
		if (!ic && add_section(cfg, section, &ic) != OIDC_OK)
			return oidc_err(err, OIDC_E_NOMEM, "%s[issuer %s]: out of "
					"memory", where, section);
		st = oidc_option_apply(ic, opt, value, where, err);
		if (st == OIDC_OK) {
			ic->set_bits |= UINT64_C(1) << idx;
		} else if (created) {
			/* a refused value leaves no half-made section behind */
			oidc_issuer_cfg_clear(ic);
			free(ic);
			cfg->n_sections--;
		}
		return st;
	}
	st = oidc_option_apply(&cfg->top, opt, value, where, err);
	if (st != OIDC_OK)
		return st;
	cfg->top.set_bits |= UINT64_C(1) << idx;
	for (size_t i = 0; i < cfg->n_sections; i++) {
		st = oidc_option_apply(cfg->sections[i], opt, value, where, err);
		if (st != OIDC_OK)
			return st;
		cfg->sections[i]->set_bits |= UINT64_C(1) << idx;
	}
	return OIDC_OK;
}

/* Trim spaces and tabs in place; returns the first kept character. */
static char *trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	return s;
}

OIDC_EXPORT enum oidc_status oidc_config_set(struct oidc_config *cfg,
					     const char *section, const char *key,
					     const char *value,
					     struct oidc_error *err)
{
	enum oidc_status st;
	char *copy = NULL;

	if (!cfg || !key)
		return oidc_err(err, OIDC_E_INTERNAL, "oidc_config_set: no config or key");
	if (value) {
		copy = strdup(value);
		if (!copy)
			return oidc_err(err, OIDC_E_NOMEM, "argument %.40s: out of "
					"memory", key);
	}
	st = config_set(cfg, section, key, copy ? trim(copy) : NULL, "argument ",
			err);
	free(copy);
	return st;
}

/* "[issuer NAME]": a new section, which must not exist yet. */
static enum oidc_status section_header(struct oidc_config *cfg, char *s,
				       const char *where,
				       struct oidc_issuer_cfg **cur,
				       struct oidc_error *err)
{
	size_t len = strlen(s);
	char *inner, *name;

	if (len < 2 || s[len - 1] != ']')
		return oidc_err(err, OIDC_E_CONFIG, "%ssection header must be "
				"'[issuer NAME]'", where);
	s[len - 1] = '\0';
	inner = trim(s + 1);
	if (strncmp(inner, "issuer", 6) != 0 || (inner[6] != ' ' && inner[6] != '\t'))
		return oidc_err(err, OIDC_E_CONFIG, "%sunknown section '[%.40s]' "
				"(only [issuer NAME])", where, inner);
	name = trim(inner + 6);
	if (!section_name_ok(name) || strcmp(name, top_name) == 0)
		return oidc_err(err, OIDC_E_CONFIG, "%s[issuer %.40s]: bad section "
				"name (1-63 of A-Z a-z 0-9 . _ -, not 'default')",
				where, name);
	if (find_section(cfg, name))
		return oidc_err(err, OIDC_E_CONFIG, "%s[issuer %s]: section defined "
				"twice", where, name);
	if (add_section(cfg, name, cur) != OIDC_OK)
		return oidc_err(err, OIDC_E_NOMEM, "%s[issuer %s]: out of memory",
				where, name);
	return OIDC_OK;
}

/* Refuse NUL and control bytes (tab is blank): they hide what a line says. */
static bool line_chars_ok(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* One "key = value" line (trimmed, not a comment) of the current section. */
static enum oidc_status key_line(struct oidc_config *cfg, char *s,
				 struct oidc_issuer_cfg *cur, uint64_t *seen,
				 const char *where, struct oidc_error *err)
{
	char *eq = strchr(s, '='), *key, *value;
	size_t idx = 0;
	enum oidc_status st;

	if (!eq)
		return oidc_err(err, OIDC_E_CONFIG, "%sexpected 'key = value' or "
				"'[issuer NAME]'", where);
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!*key)
		return oidc_err(err, OIDC_E_CONFIG, "%smissing key before '='", where);
	if (oidc_option_find(key, &idx) && (*seen & (UINT64_C(1) << idx)))
		return oidc_err(err, OIDC_E_CONFIG, "%s%s: set twice in this "
				"section; keep one", where, key);
	st = config_set(cfg, cur ? cur->name : NULL, key, value, where, err);
	if (st == OIDC_OK)
		*seen |= UINT64_C(1) << idx;
	return st;
}

enum oidc_status oidc_config_load_buffer(struct oidc_config *cfg,
					 const char *name, const char *buf,
					 size_t len, struct oidc_error *err)
{
	struct oidc_issuer_cfg *cur = NULL; /* NULL: the top level */
	char line[OIDC_CONFIG_LINE_MAX], where[WHERE_MAX + 16], pbuf[WHERE_MAX];
	const char *sname;
	uint64_t seen = 0; /* keys of the current section set in this buffer */
	unsigned lineno = 0;
	size_t pos = 0;

	if (!cfg || (!buf && len))
		return oidc_err(err, OIDC_E_INTERNAL, "oidc_config_load_buffer: no input");
	sname = oidc_config_short_path(name ? name : "(config)", pbuf, sizeof(pbuf));
	if (cfg->finished)
		return oidc_err(err, OIDC_E_CONFIG, "%s: the configuration is already "
				"finished", sname);
	if (len > OIDC_CONFIG_FILE_MAX)
		return oidc_err(err, OIDC_E_CONFIG, "%s: larger than %d bytes", sname,
				OIDC_CONFIG_FILE_MAX);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		enum oidc_status st;
		char *s;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u: ", sname, lineno);
		if (n >= sizeof(line))
			return oidc_err(err, OIDC_E_CONFIG, "%sline longer than %zu "
					"bytes", where, sizeof(line) - 1);
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!line_chars_ok(line, n))
			return oidc_err(err, OIDC_E_CONFIG, "%sNUL or control "
					"character in line", where);
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			st = section_header(cfg, s, where, &cur, err);
			seen = 0;
		} else {
			st = key_line(cfg, s, cur, &seen, where, err);
		}
		if (st != OIDC_OK)
			return st;
	}
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_config_load_file(struct oidc_config *cfg,
						   const char *path,
						   struct oidc_error *err)
{
	char pbuf[WHERE_MAX];
	char *buf = NULL;
	size_t len = 0;
	enum oidc_status st;

	if (!cfg || !path)
		return oidc_err(err, OIDC_E_INTERNAL, "oidc_config_load_file: no path");
	if (cfg->finished)
		return oidc_err(err, OIDC_E_CONFIG, "%s: the configuration is already "
				"finished", oidc_config_short_path(path, pbuf, sizeof(pbuf)));
	/* A file others can write could name their own keys: refuse it. */
	st = oidc_trusted_file_read(path, OIDC_FILE_PUBLIC, OIDC_CONFIG_FILE_MAX, &buf,
				    &len, err);
	if (st != OIDC_OK)
		return st;
	st = oidc_config_load_buffer(cfg, path, buf, len, err);
	free(buf);
	return st;
}

static enum oidc_status visit_issuer(const struct oidc_issuer_cfg *ic,
				     const char *section, oidc_config_visit_fn fn,
				     void *arg)
{
	for (size_t i = 0; i < oidc_options_count; i++) {
		const struct oidc_option *opt = &oidc_options[i];
		char *value = NULL;

		if (opt->type == OIDC_OPT_RESERVED)
			continue;
		if (oidc_option_format(ic, opt, &value) != OIDC_OK)
			return OIDC_E_NOMEM;
		/* keys without a value are left out: the output parses back */
		if (value && *value)
			fn(arg, section, opt->key, value);
		free(value);
	}
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_config_visit(const struct oidc_config *cfg,
					       oidc_config_visit_fn fn, void *arg)
{
	enum oidc_status st = OIDC_OK;

	if (!cfg || !fn)
		return OIDC_E_INTERNAL;
	/* With sections, the top level only holds defaults each section has
	 * already copied: the sections are the effective configuration. */
	if (cfg->n_sections == 0)
		return visit_issuer(&cfg->top, NULL, fn, arg);
	for (size_t i = 0; i < cfg->n_sections && st == OIDC_OK; i++)
		st = visit_issuer(cfg->sections[i], cfg->sections[i]->name, fn, arg);
	return st;
}
