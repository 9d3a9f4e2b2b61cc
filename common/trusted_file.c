/* SPDX-License-Identifier: MIT */
/*
 * trusted_file.c - the one reader of the files that decide who gets in or
 * hold a secret: configuration files, jwks_file, hmac_secret_file,
 * client_secret_file, username map files, ca_file (checked only: libcurl
 * reads it), the CLI's token file, the SASL client's token files and its
 * configuration file.
 *
 * Whoever can change such a file, or replace it, can log in as anyone (a
 * key set, a map, a configuration naming their own provider); whoever can
 * read a secret can impersonate this server. So the file is opened once,
 * relative to its directory, never through a symbolic link, and every
 * check is made on the open descriptors (fstat), not by name: a name
 * checked with stat() and opened again can be swapped in between.
 *
 * Policy (docs/oidc-auth.conf.md "Files"):
 *  - a regular file (a FIFO must not hang us: O_NONBLOCK, then fstat);
 *  - not a symbolic link (O_NOFOLLOW): name the file itself;
 *  - owned by root or by the effective uid;
 *  - not writable by group or others; secrets not readable by them either;
 *  - its directory owned by root or the effective uid and not writable by
 *    group or others unless sticky (in a sticky directory such as /tmp
 *    only the owner of a name may replace it); the directories above it
 *    are not checked;
 *  - at most max bytes, read in one pass; a file that grows meanwhile is
 *    refused. Secrets are wiped on every failure (callers wipe them too).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Left-truncated path in a detail, so "[issuer X] key: PATH: why" fits. */
#define TF_PATH_SHOWN 100

struct tf_check {
	char path[TF_PATH_SHOWN + 4];   /* shown in the detail */
	int dfd;                        /* the directory, O_PATH */
	int fd;                         /* the file */
	int fault;                      /* errno for the caller */
};

/* Not root and not us: someone else can change it. */
static bool tf_foreign_owner(uid_t uid)
{
	return uid != 0 && uid != geteuid();
}

static enum oidc_status tf_refuse(struct tf_check *c, int fault, struct oidc_error *err,
				  const char *why)
{
	c->fault = fault;
	return oidc_err(err, OIDC_E_CONFIG, "%s: %s", c->path, why);
}

/*
 * The directory holding path, as an O_PATH descriptor (no read permission
 * needed, as for open(path) itself); *base_out is the last component.
 */
static enum oidc_status tf_open_dir(struct tf_check *c, const char *path,
				    const char **base_out, struct oidc_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL, eb[96], why[160];
	struct stat sb;

	*base_out = slash ? slash + 1 : path;
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir) {
		c->fault = ENOMEM;
		return oidc_err(err, OIDC_E_NOMEM, "%s: out of memory", c->path);
	}
	c->dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->dfd < 0) {
		int e = errno;

		free(dir);
		snprintf(why, sizeof(why), "cannot open its directory: %s",
			 strerror_r(e, eb, sizeof(eb)));
		return tf_refuse(c, e, err, why);
	}
	free(dir);
	if (fstat(c->dfd, &sb) != 0) {
		int e = errno;

		snprintf(why, sizeof(why), "cannot stat its directory: %s",
			 strerror_r(e, eb, sizeof(eb)));
		return tf_refuse(c, e, err, why);
	}
	if (tf_foreign_owner(sb.st_uid)) {
		snprintf(why, sizeof(why), "its directory is owned by uid %u, neither "
			 "root nor the current user, who could replace the file "
			 "(chown root the directory)", (unsigned)sb.st_uid);
		return tf_refuse(c, EPERM, err, why);
	}
	if ((sb.st_mode & 022) && !(sb.st_mode & S_ISVTX))
		return tf_refuse(c, EPERM, err, "its directory is writable by group or "
				 "others, who could replace the file (chmod go-w the "
				 "directory)");
	return OIDC_OK;
}

/* The file itself, on its descriptor. */
static enum oidc_status tf_open_file(struct tf_check *c, const char *base,
				     enum oidc_file_policy policy, size_t max,
				     struct stat *sb, struct oidc_error *err)
{
	unsigned forbidden = policy == OIDC_FILE_SECRET ? 077 : 022;
	char eb[96], why[160];

	if (!*base)
		return tf_refuse(c, EINVAL, err, "not a regular file");
	/* O_NONBLOCK: a FIFO put in place of the file must not hang us */
	c->fd = openat(c->dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			       O_NONBLOCK);
	if (c->fd < 0 && errno == ELOOP)
		return tf_refuse(c, ELOOP, err, "is a symbolic link: name the file "
				 "itself (readlink -f)");
	if (c->fd < 0) {
		int e = errno;

		snprintf(why, sizeof(why), "cannot open: %s", strerror_r(e, eb, sizeof(eb)));
		return tf_refuse(c, e, err, why);
	}
	if (fstat(c->fd, sb) != 0) {
		int e = errno;

		snprintf(why, sizeof(why), "cannot stat: %s", strerror_r(e, eb, sizeof(eb)));
		return tf_refuse(c, e, err, why);
	}
	if (!S_ISREG(sb->st_mode))
		return tf_refuse(c, EINVAL, err, "not a regular file");
	if (sb->st_mode & forbidden)
		return tf_refuse(c, EPERM, err, policy == OIDC_FILE_SECRET ?
				 "readable or writable by group or others (chmod 600)" :
				 "writable by group or others (chmod go-w)");
	if (tf_foreign_owner(sb->st_uid)) {
		snprintf(why, sizeof(why), "owned by uid %u, neither root nor the "
			 "current user (chown it to root or to uid %u)",
			 (unsigned)sb->st_uid, (unsigned)geteuid());
		return tf_refuse(c, EPERM, err, why);
	}
	if (sb->st_size < 0 || (unsigned long long)sb->st_size > max) {
		snprintf(why, sizeof(why), "larger than %zu bytes", max);
		return tf_refuse(c, EFBIG, err, why);
	}
	return OIDC_OK;
}

/* All of it, once; one byte more than the size so growth is seen. */
static enum oidc_status tf_read(struct tf_check *c, const struct stat *sb,
				char **buf_out, size_t *len_out,
				struct oidc_error *err)
{
	size_t cap = (size_t)sb->st_size + 1, len = 0;
	char *buf = malloc(cap + 1), eb[96], why[160];

	if (!buf) {
		c->fault = ENOMEM;
		return oidc_err(err, OIDC_E_NOMEM, "%s: out of memory", c->path);
	}
	while (len < cap) {
		ssize_t n = read(c->fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			oidc_free_secret(buf, cap + 1);
			snprintf(why, sizeof(why), "cannot read: %s",
				 strerror_r(e, eb, sizeof(eb)));
			return tf_refuse(c, e, err, why);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap) {
		oidc_free_secret(buf, cap + 1);
		return tf_refuse(c, EAGAIN, err, "changed while being read");
	}
	buf[len] = '\0';
	*buf_out = buf;
	*len_out = len;
	return OIDC_OK;
}

OIDC_EXPORT enum oidc_status oidc_trusted_file_read(const char *path,
						    enum oidc_file_policy policy,
						    size_t max, char **buf_out,
						    size_t *len_out,
						    struct oidc_error *err)
{
	struct tf_check c = { .dfd = -1, .fd = -1 };
	const char *base = NULL, *shown;
	enum oidc_status st;
	struct stat sb;

	if (!path || !*path || (buf_out && !len_out)) {
		errno = EINVAL;
		return oidc_err(err, OIDC_E_INTERNAL, "oidc_trusted_file_read: no path");
	}
	shown = oidc_config_short_path(path, c.path, sizeof(c.path));
	if (shown != c.path)
		snprintf(c.path, sizeof(c.path), "%s", shown);
	st = tf_open_dir(&c, path, &base, err);
	if (st == OIDC_OK)
		st = tf_open_file(&c, base, policy, max, &sb, err);
	if (st == OIDC_OK && buf_out)
		st = tf_read(&c, &sb, buf_out, len_out, err);
	if (c.fd >= 0)
		close(c.fd);
	if (c.dfd >= 0)
		close(c.dfd);
	if (st != OIDC_OK)
		errno = c.fault;
	return st;
}
