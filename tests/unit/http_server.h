/* SPDX-License-Identifier: MIT */
/*
 * http_server.h - tests/http/server.py for the C tests: a loopback HTTPS
 * server (and a plain HTTP one, and a second HTTPS port) with a throw-away
 * CA made at run time by the openssl CLI, started in a private work
 * directory and stopped (directory removed) at exit or when the test dies.
 * Include once, in a test's .c file.
 */
#ifndef OIDC_TEST_HTTP_SERVER_H
#define OIDC_TEST_HTTP_SERVER_H

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t server_pid = -1;
static char workdir[] = "/tmp/oidc-test-http-XXXXXX";
static bool workdir_made;
static int https_port, http_port, https2_port;
static char ca_file[256], other_ca_file[256];

/* ---- server lifecycle --------------------------------------------------- */

static inline int rm_entry(const char *path, const struct stat *st, int flag,
			   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
	if (workdir_made) {
		nftw(workdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
		workdir_made = false;
	}
}

static inline bool start_server(void)
{
	const char *root = getenv("ROOT");
	char script[512], line[128];
	size_t len = 0;
	int pfd[2];
	pid_t parent = getpid();

	snprintf(script, sizeof(script), "%s/tests/http/server.py",
		 root ? root : ".");
	if (!mkdtemp(workdir))
		return false;
	workdir_made = true;
	atexit(stop_server);
	snprintf(ca_file, sizeof(ca_file), "%s/ca.pem", workdir);
	snprintf(other_ca_file, sizeof(other_ca_file), "%s/other-ca.pem", workdir);
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return false;
	fflush(stdout);
	server_pid = fork();
	if (server_pid < 0)
		return false;
	if (server_pid == 0) {
		/* Die with the test even if it crashes before stop_server. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		dup2(pfd[1], STDOUT_FILENO);
		execl("/usr/bin/python3", "python3", script, workdir, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	/* "READY <https> <http> <https2>\n", at most 30 s (key generation). */
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		if (poll(&p, 1, 30000) <= 0)
			break;
		ssize_t n = read(pfd[0], line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	line[len] = '\0';
	char *end = NULL;
	if (strncmp(line, "READY ", 6) != 0)
		return false;
	https_port = (int)strtol(line + 6, &end, 10);
	http_port = (int)strtol(end, &end, 10);
	https2_port = (int)strtol(end, &end, 10);
	return https_port > 0 && http_port > 0 && https2_port > 0;
}

/* "scheme://127.0.0.1:port/path" in one of 8 rotating buffers. */
static inline const char *url_at(const char *scheme, int port, const char *path)
{
	static char buf[8][1024];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s://127.0.0.1:%d%s", scheme, port, path);
	return buf[i];
}

static inline const char *surl(const char *path)
{
	return url_at("https", https_port, path);
}

static inline const char *hurl(const char *path)
{
	return url_at("http", http_port, path);
}

/* The second HTTPS port (same certificate): another origin for redirects. */
static inline const char *s2url(const char *path)
{
	return url_at("https", https2_port, path);
}

#endif /* OIDC_TEST_HTTP_SERVER_H */
