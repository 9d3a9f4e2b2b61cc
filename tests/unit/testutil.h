/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - the tiny assertion layer every C test uses.
 *
 * Each check prints "ok - NAME" or "not ok - NAME (file:line)" on stdout;
 * tests/run.sh counts those lines. A test program ends with
 * "return test_done();", which exits non-zero if any check failed.
 */
#ifndef OIDC_TESTUTIL_H
#define OIDC_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failed_count;
static int test_passed_count;

__attribute__((format(printf, 4, 5))) static inline int
test_report(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fputs(cond ? "ok - " : "not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!cond)
		printf(" (%s:%d)", file, line);
	putchar('\n');
	if (cond)
		test_passed_count++;
	else
		test_failed_count++;
	return cond;
}

/* CHECK(cond, "name %d", i): one named check. */
#define CHECK(cond, ...) test_report(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* CHECK_STATUS(got, want, "name"): compares two enum oidc_status values and
 * prints both audit names on failure. */
#define CHECK_STATUS(got, want, ...)                                          \
	do {                                                                  \
		enum oidc_status got_ = (got), want_ = (want);                \
		if (!test_report(got_ == want_, __FILE__, __LINE__,           \
				 __VA_ARGS__))                                \
			printf("#   got %s, want %s\n",                       \
			       oidc_status_name(got_),                        \
			       oidc_status_name(want_));                      \
	} while (0)

static inline int test_done(void)
{
	printf("# %d passed, %d failed\n", test_passed_count, test_failed_count);
	fflush(stdout);
	return test_failed_count ? 1 : 0;
}

/* Read a whole file into a NUL-terminated malloc'd buffer, or NULL. */
static inline char *test_read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

#endif /* OIDC_TESTUTIL_H */
