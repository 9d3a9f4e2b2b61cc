/* SPDX-License-Identifier: MIT */
/*
 * tokenfile.c - files holding a refresh token that several processes use:
 * the CLI's token file (oidc-auth login / token) and the SASL client's
 * oidc_refresh_token_file. A provider that rotates refresh tokens refuses
 * the old one afterwards, and some revoke the whole grant when a used one
 * comes back, so a refresh must run under a lock, start from the token now
 * in the file, and replace the file atomically before the lock is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "net.h"

OIDC_EXPORT int oidc_file_lock(const char *path, int wait_ms)
{
	char *lpath = NULL;
	int fd, e;

	if (!path || !*path || wait_ms < 0) {
		errno = EINVAL;
		return -1;
	}
	if (asprintf(&lpath, "%s.lock", path) < 0) {
		errno = ENOMEM;
		return -1;
	}
	fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	e = errno;
	free(lpath);
	if (fd < 0) {
		errno = e;
		return -1;
	}
	/* bounded: a stopped process holding the lock must not hang us */
	if (oidc_flock_wait(fd, wait_ms, NULL) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

OIDC_EXPORT int oidc_file_replace(const char *path, const void *data, size_t len)
{
	const char *p = data;
	char *tmp = NULL;
	size_t off = 0;
	int fd, e = 0;

	if (!path || !*path || (!data && len)) {
		errno = EINVAL;
		return -1;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		errno = ENOMEM;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);   /* mode 0600 */
	if (fd < 0) {
		e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	while (off < len && !e) {
		ssize_t n = write(fd, p + off, len - off);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EINTR)
			e = errno;
		else if (n == 0)
			e = EIO;
	}
	if (!e && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) != 0)
		e = errno;
	if (e)
		unlink(tmp);
	free(tmp);
	errno = e;
	return e ? -1 : 0;
}

OIDC_EXPORT char *oidc_tokens_json(const struct oidc_tokens *t, const char *keep_refresh)
{
	const char *rt;
	json_t *doc;
	char *text;
	bool ok;

	if (!t || !t->access_token)
		return NULL;
	rt = t->refresh_token ? t->refresh_token : keep_refresh;
	doc = json_object();
	ok = doc && !json_object_set_new(doc, "access_token", json_string(t->access_token)) &&
	     (!rt || !json_object_set_new(doc, "refresh_token", json_string(rt))) &&
	     (!t->id_token ||
	      !json_object_set_new(doc, "id_token", json_string(t->id_token))) &&
	     (!t->scope || !json_object_set_new(doc, "scope", json_string(t->scope))) &&
	     !json_object_set_new(doc, "expires_at", json_integer(t->expires_at));
	text = ok ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return text;
}

OIDC_EXPORT char *oidc_tokens_json_refresh(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *rt = json_string_value(json_object_get(doc, "refresh_token"));
	char *out = rt && *rt ? strdup(rt) : NULL;

	json_decref(doc);
	return out;
}
