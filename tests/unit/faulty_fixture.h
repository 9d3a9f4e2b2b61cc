/* SPDX-License-Identifier: MIT */
/*
 * faulty_fixture.h - for C tests against the misbehaving loopback server
 * tests/idp/faulty.py: a private work directory, a throw-away CA made by
 * the openssl CLI (tests/idp/lib.sh idp_make_ca), up to two servers on
 * free 127.0.0.1 ports serving the JWKS file "served", and their request
 * counters. Include once per test program, after testutil.h; the program
 * sets "served" and calls start_server().
 */
#ifndef OIDC_FAULTY_FIXTURE_H
#define OIDC_FAULTY_FIXTURE_H

#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

static char workdir[] = "/tmp/oidc-test-faulty-XXXXXX";
static bool workdir_made;
static char served[300], pki_ca[300];
static struct {
	pid_t pid;
	int port, http_port;
} srv[2] = { { -1, 0, 0 }, { -1, 0, 0 } };

static inline int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void stop_server(int i)
{
	if (srv[i].pid > 0) {
		kill(srv[i].pid, SIGTERM);
		waitpid(srv[i].pid, NULL, 0);
		srv[i].pid = -1;
	}
}

static inline void cleanup(void)
{
	stop_server(0);
	stop_server(1);
	if (workdir_made) {
		nftw(workdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
		workdir_made = false;
	}
}

static inline const char *root_dir(void)
{
	const char *r = getenv("ROOT");

	return r ? r : ".";
}

static inline bool run_lib(const char *fn, const char *dir)
{
	char lib[512];
	pid_t pid;
	int status;

	snprintf(lib, sizeof(lib), "%s/tests/idp/lib.sh", root_dir());
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		execl("/bin/bash", "bash", "-c", ". \"$1\" && \"$2\" \"$3\"", "sh",
		      lib, fn, dir, (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static inline int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/*
 * Start argv (a server of ours that prints "READY" when it listens) with
 * stdout on a pipe, killed with SIGTERM if this test dies; waits for READY.
 * The pid, or -1.
 */
static inline pid_t spawn_ready(char *const argv[])
{
	char line[64] = "";
	size_t len = 0;
	int pfd[2];
	pid_t parent = getpid(), pid;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (pid > 0 && len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		if (poll(&p, 1, 20000) <= 0)
			break;
		ssize_t n = read(pfd[0], line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		line[len] = '\0';
	}
	close(pfd[0]);
	if (pid > 0 && strncmp(line, "READY", 5) != 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* faulty.py on free loopback ports (HTTPS + plain HTTP); waits for READY. */
static inline bool start_server(int i)
{
	char script[512], cert[300], key[300], log[300], p1[16], p2[16];
	char *argv[] = { (char *)"/usr/bin/python3", script, (char *)"--port", p1,
			 (char *)"--http-port", p2, (char *)"--cert", cert,
			 (char *)"--key", key, (char *)"--jwks", served,
			 (char *)"--log", log, NULL };

	srv[i].port = free_port();
	srv[i].http_port = free_port();
	snprintf(script, sizeof(script), "%s/tests/idp/faulty.py", root_dir());
	snprintf(cert, sizeof(cert), "%s/pki/server.pem", workdir);
	snprintf(key, sizeof(key), "%s/pki/server.key", workdir);
	snprintf(log, sizeof(log), "%s/faulty-%d.log", workdir, i);
	snprintf(p1, sizeof(p1), "%d", srv[i].port);
	snprintf(p2, sizeof(p2), "%d", srv[i].http_port);
	srv[i].pid = spawn_ready(argv);
	return srv[i].pid > 0;
}

/* A validation context from config text, written to workdir/NAME. NULL
 * (and why on stdout) when the configuration is refused. */
static inline struct oidc_ctx *ctx_from_text(const char *name, const char *text)
{
	struct oidc_config *cfg = NULL;
	struct oidc_ctx *ctx = NULL;
	struct oidc_error err = { 0 };
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", workdir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	if (oidc_config_new(&cfg, &err) != OIDC_OK ||
	    oidc_config_load_file(cfg, path, &err) != OIDC_OK ||
	    oidc_config_finish(cfg, &err) != OIDC_OK) {
		printf("# config: %s\n", err.detail);
		oidc_config_free(&cfg);
		return NULL;
	}
	/* takes cfg, also on failure */
	if (oidc_ctx_new(&ctx, cfg, &err) != OIDC_OK)
		printf("# context: %s\n", err.detail);
	return ctx;
}

/* The work directory (removed at exit), served = workdir/served.json and
 * a CA with a server certificate for 127.0.0.1 in workdir/pki. */
static inline bool fixture_begin(void)
{
	char dir[320];

	if (!mkdtemp(workdir))
		return false;
	workdir_made = true;
	atexit(cleanup);
	snprintf(served, sizeof(served), "%s/served.json", workdir);
	snprintf(pki_ca, sizeof(pki_ca), "%s/pki/ca.pem", workdir);
	snprintf(dir, sizeof(dir), "%s/pki", workdir);
	return run_lib("idp_make_ca", dir);
}

static inline bool copy_file(const char *from, const char *to)
{
	char tmp[320];
	size_t len = 0;
	char *buf = test_read_file(from, &len);
	FILE *f;
	bool ok;

	if (!buf)
		return false;
	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	f = fopen(tmp, "wb");
	ok = f && fwrite(buf, 1, len, f) == len;
	if (f)
		ok = fclose(f) == 0 && ok;
	free(buf);
	/* Atomic: the server re-reads the file per request. */
	return ok && rename(tmp, to) == 0;
}

static inline int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline const char *url(int s, const char *path)
{
	static char buf[8][400];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "https://127.0.0.1:%d%s", srv[s].port,
		 path);
	return buf[i];
}

/* The faulty server's own request counters (not our fetch counter). */
static inline long count(int s, const char *path)
{
	struct oidc_http_opts o = { .ca_file = pki_ca };
	struct oidc_http_response r = { 0 };
	char u[300];
	long n = -1;

	snprintf(u, sizeof(u), "/__count?path=%s", path);
	if (oidc_http_get(&o, url(s, u), NULL, &r, NULL) == OIDC_OK &&
	    r.status == 200 && r.body)
		n = strtol((const char *)r.body, NULL, 10);
	oidc_http_response_clear(&r);
	return n;
}

static inline void server_reset(int s)
{
	struct oidc_http_opts o = { .ca_file = pki_ca };
	struct oidc_http_response r = { 0 };

	if (oidc_http_get(&o, url(s, "/__reset"), NULL, &r, NULL) != OIDC_OK ||
	    r.status != 200)
		CHECK(0, "faulty server reset");
	oidc_http_response_clear(&r);
}

static inline long disc_count(int s, const char *mode)
{
	char p[128];

	snprintf(p, sizeof(p), "/%s/.well-known/openid-configuration", mode);
	return count(s, p);
}

static inline long jwks_count(int s, const char *mode)
{
	char p[128];

	snprintf(p, sizeof(p), "/%s/jwks", mode);
	return count(s, p);
}

#endif /* OIDC_FAULTY_FIXTURE_H */
