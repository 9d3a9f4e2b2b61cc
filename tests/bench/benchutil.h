/* SPDX-License-Identifier: MIT */
/*
 * benchutil.h - what the benchmark programs share: a fatal error that
 * removes the program's temporary files first, a monotonic clock, writing
 * a file. A program sets bench_name and bench_cleanup at the start.
 */
#ifndef OIDC_BENCHUTIL_H
#define OIDC_BENCHUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

static const char *bench_name = "bench";
static void (*bench_cleanup)(void);

static inline void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Message, OpenSSL's error queue, temporary files removed, exit 1. */
static inline void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ERR_print_errors_fp(stderr);
	if (bench_cleanup)
		bench_cleanup();
	exit(1);
}

static inline double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void write_file(const char *path, const void *data, size_t len,
			      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	if (write(fd, data, len) != (ssize_t)len || close(fd) != 0)
		die("write %s", path);
}

#endif /* OIDC_BENCHUTIL_H */
