/* SPDX-License-Identifier: MIT */
/*
 * qr.c - a QR code of the device flow's verification URI as terminal text,
 * for the CLI's login and pam_oidc's device prompt (RFC 8628 3.3.1: a
 * non-textual transmission of the URI). libqrencode does the encoding; this
 * file only draws it. The only core file that uses libqrencode: programs
 * that never call oidc_qr_text do not link it in (static archive).
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "internal.h"

#define QR_TEXT_MAX 1024  /* longer URIs make codes no phone reads off a terminal */
#define QR_QUIET 2        /* modules of quiet zone around the code */

/* Module (x, y) is light; outside the symbol is the quiet zone (light). */
static bool light(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return true;
	return !(q->data[y * q->width + x] & 1);
}

OIDC_EXPORT char *oidc_qr_text(const char *text, int ascii)
{
	/* Light modules are drawn (terminals are mostly dark): two module
	 * rows per text line with the upper/lower half blocks. */
	static const char *const utf8[4] = { " ", "\xe2\x96\x84", "\xe2\x96\x80",
					     "\xe2\x96\x88" };
	QRcode *q;
	char *out, *p;
	int lo, hi, step;
	size_t cols, rows, cap;

	if (!text || !*text || strlen(text) > QR_TEXT_MAX)
		return NULL;
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (!q)
		return NULL;
	lo = -QR_QUIET;
	hi = q->width + QR_QUIET;
	step = ascii ? 1 : 2;
	cols = (size_t)(hi - lo);
	rows = (cols + (size_t)step - 1) / (size_t)step;
	/* ASCII: two characters per module; UTF-8: up to three bytes. */
	cap = rows * (cols * (ascii ? 2 : 3) + 1) + 1;
	out = malloc(cap);
	if (!out) {
		QRcode_free(q);
		return NULL;
	}
	p = out;
	for (int y = lo; y < hi; y += step) {
		for (int x = lo; x < hi; x++) {
			const char *s;

			if (ascii)
				s = light(q, x, y) ? "##" : "  ";
			else
				s = utf8[(light(q, x, y) ? 2 : 0) |
					 (y + 1 < hi && light(q, x, y + 1) ? 1 : 0)];
			memcpy(p, s, strlen(s));
			p += strlen(s);
		}
		*p++ = '\n';
	}
	*p = '\0';
	QRcode_free(q);
	return out;
}
