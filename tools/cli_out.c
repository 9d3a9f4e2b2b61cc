/* SPDX-License-Identifier: MIT */
/*
 * cli_out.c - the one way the oidc-auth tool writes text: every line goes
 * through cli_line() (or cli_put()), which escapes whatever could act on a
 * terminal or fake a line, because much of what the tool prints came from
 * someone else: claims and the kid of a token, a provider's metadata, cache
 * entries, file names, error details. A signed token must not be able to
 * clear the administrator's screen, retitle the window, or print its own
 * "user: root" line.
 *
 * Escaped, always: C0 controls (including CR, LF and TAB), DEL, and the
 * code points of Unicode categories Cc, Cf, Zl and Zp (C1 controls, bidi
 * overrides and isolates such as U+202E, zero-width characters, the line
 * and paragraph separators, tags), shown as \xNN (bytes below 0x80) or
 * \uNNNN / \U00NNNNNN; bytes that are not UTF-8 as \xNN. Other non-ASCII
 * UTF-8 (names like "Jürgen") is printed as it is when the locale's
 * character set is UTF-8, and escaped otherwise: on an 8-bit terminal the
 * bytes 0x80-0x9f of a UTF-8 sequence are C1 controls (0x9b is CSI).
 * Backslashes are printed as they are. The only raw control byte written
 * is the '\n' ending each line.
 *
 * JSON (--json) is written by cli_json(): JSON's escapes, all non-ASCII as
 * \uNNNN and DEL as \u007f, so the output is printable ASCII plus the final
 * newline whatever the strings hold.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Code points always escaped (beyond C0 and DEL): Unicode 15 Cc (C1), Cf,
 * Zl, Zp. Sorted. */
static const struct {
	uint32_t lo, hi;
} always_escaped[] = {
	{ 0x80, 0x9f },       { 0xad, 0xad },       { 0x600, 0x605 },
	{ 0x61c, 0x61c },     { 0x6dd, 0x6dd },     { 0x70f, 0x70f },
	{ 0x890, 0x891 },     { 0x8e2, 0x8e2 },     { 0x180e, 0x180e },
	{ 0x200b, 0x200f },   { 0x2028, 0x202e },   { 0x2060, 0x2064 },
	{ 0x2066, 0x206f },   { 0xfeff, 0xfeff },   { 0xfff9, 0xfffb },
	{ 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
	{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
	{ 0xe0020, 0xe007f },
};

static bool utf8_terminal;

void cli_out_init(void)
{
	const char *cs;

	/* Only LC_CTYPE, only to learn the character set; then back to "C"
	 * so nothing else in the tool depends on the environment. */
	if (!setlocale(LC_CTYPE, ""))
		return;
	cs = nl_langinfo(CODESET);
	utf8_terminal = cs && strcmp(cs, "UTF-8") == 0;
	setlocale(LC_CTYPE, "C");
}

static bool escaped_code_point(uint32_t cp)
{
	size_t n = sizeof(always_escaped) / sizeof(always_escaped[0]);

	if (cp < 0x20 || cp == 0x7f)
		return true;
	if (cp >= 0x80 && !utf8_terminal)
		return true;
	for (size_t i = 0; i < n && always_escaped[i].lo <= cp; i++)
		if (cp <= always_escaped[i].hi)
			return true;
	return false;
}

/* RFC 3629 4: length of the well-formed sequence at s (code point in *cp),
 * 0 when it is not one (overlong, surrogate, past U+10FFFF, truncated). */
static size_t utf8_sequence(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

void cli_put(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp = 0;
		size_t n = utf8_sequence(p + i, len - i, &cp);

		if (n == 0 || (n == 1 && escaped_code_point(cp)))
			fprintf(f, "\\x%02x", p[i]);
		else if (!escaped_code_point(cp))
			fwrite(p + i, 1, n, f);
		else if (cp <= 0xffff)
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fprintf(f, "\\U%08x", (unsigned)cp);
		i += n ? n : 1;
	}
}

void cli_vline(FILE *f, const char *fmt, va_list ap)
{
	char *text = NULL;
	int n = vasprintf(&text, fmt, ap);

	if (n >= 0)
		cli_put(f, text, (size_t)n);
	else
		fputs("oidc-auth: out of memory", f);
	fputc('\n', f);
	free(text);
}

void cli_line(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_vline(f, fmt, ap);
	va_end(ap);
}

int cli_json(FILE *f, const json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	if (!text) {
		fputc('\n', f);
		return -1;
	}
	/* jansson leaves DEL as it is; a raw DEL can only be inside a string,
	 * where \u007f means the same */
	for (const char *p = text; *p; p++) {
		if (*p == 0x7f)
			fputs("\\u007f", f);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
	free(text);
	return 0;
}
