/* SPDX-License-Identifier: MIT */
/*
 * token_source.c - tokens for the client plugin: oidc_token_file, read at
 * each use (an agent may rewrite it), at most XO_TOKEN_FILE_MAX bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token_source.h"

#define XO_TOKEN_FILE_MAX 65536

struct xo_token_source {
	int unused;
};

int xo_token_source_new(const sasl_utils_t *utils, const struct xo_options *opts,
			struct xo_token_source **src_out)
{
	(void)utils;
	(void)opts;
	*src_out = NULL;
	return SASL_OK;
}

void xo_token_source_free(struct xo_token_source **src)
{
	if (!src || !*src)
		return;
	free(*src);
	*src = NULL;
}

/* The whole file, refusing anything but a small regular file. */
static int read_token_file(const char *path, char **tok_out, size_t *len_out)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return SASL_FAIL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > XO_TOKEN_FILE_MAX)
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto fail;
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	if (len == 0)
		goto fail;
	buf[len] = '\0';
	close(fd);
	*tok_out = buf;
	*len_out = len;
	return SASL_OK;
fail:
	if (buf) {
		explicit_bzero(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return SASL_FAIL;
}

int xo_token_source_get(struct xo_token_source *src, const struct xo_options *opts,
			char **tok_out, size_t *len_out)
{
	(void)src;
	*tok_out = NULL;
	*len_out = 0;
	if (opts->token_file)
		return read_token_file(opts->token_file, tok_out, len_out);
	return SASL_OK;
}
