/* SPDX-License-Identifier: MIT */
/*
 * test_tokenfile.c - common/tokenfile.c: the lock other processes wait on
 * (bounded wait, no symlinks) and the atomic replacement of a token file
 * (mode 0600, nothing left behind, old content kept when it fails).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "oidc.h"
#include "testutil.h"

static char dir[] = "/tmp/oidc-test-tokenfile-XXXXXX";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	char path[256], lpath[300], other[300], buf[64];
	struct stat st;
	size_t len;
	char *got;
	int fd, fd2, status, e;
	pid_t pid;
	double t0;

	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof(path), "%s/refresh", dir);
	snprintf(lpath, sizeof(lpath), "%s.lock", path);

	/* replace: creates, then replaces; 0600 whatever the umask */
	umask(022);
	CHECK(oidc_file_replace(path, "first\n", 6) == 0, "replace: creates the file");
	CHECK(oidc_file_replace(path, "second\n", 7) == 0, "replace: replaces it");
	got = test_read_file(path, &len);
	CHECK(got && len == 7 && !memcmp(got, "second\n", 7), "replace: new content whole");
	free(got);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "replace: mode 0600");
	CHECK(entries() == 1, "replace: no temporary file left");
	CHECK(oidc_file_replace(path, "", 0) == 0 && stat(path, &st) == 0 && st.st_size == 0,
	      "replace: empty content");
	oidc_file_replace(path, "keep\n", 5);

	/* replace into a missing directory: -1 and errno, nothing created */
	snprintf(other, sizeof(other), "%s/missing/refresh", dir);
	errno = 0;
	CHECK(oidc_file_replace(other, "x", 1) == -1 && errno == ENOENT,
	      "replace: missing directory gives -1, ENOENT");
	/* the target a directory: rename fails, old content and no temp file stay */
	snprintf(other, sizeof(other), "%s/adir", dir);
	mkdir(other, 0700);
	errno = 0;
	CHECK(oidc_file_replace(other, "x", 1) == -1 && errno == EISDIR,
	      "replace: over a directory fails (EISDIR)");
	CHECK(entries() == 2, "replace: ... and leaves no temporary file");
	rmdir(other);
	got = test_read_file(path, &len);
	CHECK(got && len == 5 && !memcmp(got, "keep\n", 5), "replace: other file untouched");
	free(got);
	CHECK(oidc_file_replace(NULL, "x", 1) == -1 && errno == EINVAL, "replace: NULL path");
	CHECK(oidc_file_replace(path, NULL, 1) == -1 && errno == EINVAL, "replace: NULL data");

	/* lock: the lock file is created 0600 beside the token file */
	fd = oidc_file_lock(path, 0);
	CHECK(fd >= 0, "lock: taken at once when free");
	CHECK(stat(lpath, &st) == 0 && (st.st_mode & 0777) == 0600, "lock: PATH.lock, mode 0600");

	/* another process waits a bounded time, then gets EWOULDBLOCK */
	pid = fork();
	if (pid == 0) {
		double t = now_ms();
		int f = oidc_file_lock(path, 300), err = errno;

		t = now_ms() - t;
		_exit(f < 0 && err == EWOULDBLOCK && t >= 250 && t < 5000 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "lock: held elsewhere: EWOULDBLOCK after about wait_ms");

	/* ... and gets it as soon as the holder closes */
	pid = fork();
	if (pid == 0) {
		int f;

		close(fd); /* the inherited copy would hold the lock for us */
		f = oidc_file_lock(path, 10000);

		_exit(f >= 0 ? 0 : 1);
	}
	usleep(100 * 1000);
	t0 = now_ms();
	close(fd);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0 && now_ms() - t0 < 2000,
	      "lock: a waiting process gets it when the holder closes");

	/* a lock is per open: two in one process exclude each other too */
	fd = oidc_file_lock(path, 0);
	fd2 = oidc_file_lock(path, 0);
	e = errno;
	CHECK(fd >= 0 && fd2 < 0 && e == EWOULDBLOCK, "lock: second open in the same process waits");
	if (fd2 >= 0)
		close(fd2);
	close(fd);

	/* PATH.lock a symlink: refused, the link target never created */
	unlink(lpath);
	snprintf(other, sizeof(other), "%s/target", dir);
	CHECK(symlink(other, lpath) == 0, "lock: symlink planted");
	errno = 0;
	fd = oidc_file_lock(path, 0);
	e = errno;
	CHECK(fd < 0 && e == ELOOP, "lock: a symlinked lock file is refused (ELOOP)");
	CHECK(lstat(other, &st) != 0, "lock: ... and its target is not created");
	unlink(lpath);
	CHECK(oidc_file_lock(NULL, 0) == -1 && errno == EINVAL, "lock: NULL path");
	CHECK(oidc_file_lock(path, -1) == -1 && errno == EINVAL, "lock: negative wait");

	/* the JSON token file shared by the CLI and the SASL client */
	{
		char at1[] = "at1", idt[] = "idt", rt1[] = "rt1", scope[] = "openid mail",
		     at2[] = "at2";
		struct oidc_tokens t = { at1, idt, rt1, scope, 1700000000 };
		struct oidc_tokens no_rt = { at2, NULL, NULL, NULL, 0 };
		char *j = oidc_tokens_json(&t, "ignored"), *r;

		r = j ? oidc_tokens_json_refresh(j, strlen(j)) : NULL;
		CHECK(j && strstr(j, "\"access_token\":\"at1\"") &&
			      strstr(j, "\"id_token\":\"idt\"") &&
			      strstr(j, "\"scope\":\"openid mail\"") &&
			      strstr(j, "\"expires_at\":1700000000") && r && !strcmp(r, "rt1"),
		      "json: all members written, refresh_token read back");
		free(j);
		free(r);
		j = oidc_tokens_json(&no_rt, "kept");
		r = j ? oidc_tokens_json_refresh(j, strlen(j)) : NULL;
		CHECK(r && !strcmp(r, "kept") && !strstr(j, "id_token") && !strstr(j, "scope"),
		      "json: keep_refresh when the response had none; absent members left out");
		free(j);
		free(r);
		j = oidc_tokens_json(&no_rt, NULL);
		CHECK(j && !strstr(j, "refresh_token"), "json: no refresh token at all: member left out");
		r = j ? oidc_tokens_json_refresh(j, strlen(j)) : NULL;
		CHECK(!r, "json: ... and none read back");
		free(j);
		free(r);
		no_rt.access_token = NULL;
		CHECK(!oidc_tokens_json(&no_rt, "x") && !oidc_tokens_json(NULL, "x"),
		      "json: no access token: NULL");
		/* files written before the core dropped jansson: the same bytes */
		json_t *old = json_pack("{s:s,s:s,s:s,s:s,s:I}", "access_token", at1,
					"refresh_token", rt1, "id_token", idt, "scope",
					"openid \"mail\"\t\u00e9", "expires_at",
					(json_int_t)1700000000);
		char *old_text = old ? json_dumps(old, JSON_COMPACT) : NULL;
		char quoted[] = "openid \"mail\"\t\u00e9";

		t.scope = quoted;
		j = oidc_tokens_json(&t, NULL);
		CHECK(j && old_text && !strcmp(j, old_text),
		      "json: the token file is byte for byte what jansson wrote (%s)",
		      j ? j : "NULL");
		r = old_text ? oidc_tokens_json_refresh(old_text, strlen(old_text)) : NULL;
		CHECK(r && !strcmp(r, "rt1"), "json: a file jansson wrote is read");
		free(r);
		free(j);
		free(old_text);
		json_decref(old);
		t.scope = scope;
		char bad_utf8[] = "\xff";
		t.scope = bad_utf8;
		CHECK(!oidc_tokens_json(&t, NULL), "json: a member that is not UTF-8: NULL");
		t.scope = scope;
	}
	{
		static const char *bad[] = {
			"rt-bare-token", "{\"refresh_token\":\"\"}", "{\"refresh_token\":7}",
			"{\"refresh_token\":\"a\",\"refresh_token\":\"b\"}", "[\"rt\"]", "{",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *r = oidc_tokens_json_refresh(bad[i], strlen(bad[i]));

			CHECK(!r, "json refresh: refused: %s", bad[i]);
			free(r);
		}
	}

	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	if (system(buf) != 0)
		printf("# could not remove %s\n", dir);
	return test_done();
}
