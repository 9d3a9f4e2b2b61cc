/* SPDX-License-Identifier: MIT */
/*
 * test_trusted_file.c - common/trusted_file.c, the one reader of files that
 * decide who gets in or hold a secret: what it accepts (content, length,
 * relative paths, sticky directories, check-only) and every refusal with
 * the errno it reports (missing, symbolic link, not a regular file, FIFO
 * without blocking, mode for both policies, another owner, too large, a
 * directory others can write or another user owns). Files are made in a
 * mkdtemp directory; the owner cases need root (chown) and say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

static char dir[] = "/tmp/oidc-test-tf-XXXXXX";

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static bool make_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	fputs(text, f);
	return fclose(f) == 0 && chmod(path, mode) == 0;
}

/* Read path; the status, errno and detail of the call. */
static enum oidc_status rd(const char *path, enum oidc_file_policy policy, size_t max,
			   int *errno_out, struct oidc_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	enum oidc_status st;

	errno = 0;
	st = oidc_trusted_file_read(path, policy, max, &buf, &len, err);
	*errno_out = errno;
	if (buf) {
		explicit_bzero(buf, len + 1);
		free(buf);
	}
	return st;
}

/* One refusal: OIDC_E_CONFIG, the errno, and a detail naming the file. */
static void refused(const char *name, const char *path, enum oidc_file_policy policy,
		    int want_errno, const char *detail_part)
{
	struct oidc_error err = { OIDC_OK, "" };
	int e = 0;
	enum oidc_status st = rd(path, policy, 4096, &e, &err);
	const char *base = strrchr(path, '/');

	CHECK(st == OIDC_E_CONFIG && e == want_errno, "%s: refused, errno %d (got %s, %d)",
	      name, want_errno, oidc_status_name(st), e);
	CHECK(strstr(err.detail, base ? base + 1 : path) &&
		      (!detail_part || strstr(err.detail, detail_part)),
	      "%s: detail names the file%s%s: %s", name, detail_part ? " and " : "",
	      detail_part ? detail_part : "", err.detail);
}

static void test_accepts(void)
{
	struct oidc_error err = { OIDC_OK, "" };
	char p[256], *buf = NULL, cwd[512];
	size_t len = 0;

	path_of(p, sizeof(p), "public");
	CHECK(make_file(p, "issuer = x\n", 0644), "make public file");
	CHECK_STATUS(oidc_trusted_file_read(p, OIDC_FILE_PUBLIC, 4096, &buf, &len, &err),
		     OIDC_OK, "0644 file, public policy");
	CHECK(buf && len == 11 && strcmp(buf, "issuer = x\n") == 0 && buf[len] == '\0',
	      "content, length and terminating NUL");
	free(buf);
	buf = NULL;
	CHECK_STATUS(oidc_trusted_file_read(p, OIDC_FILE_PUBLIC, 11, &buf, &len, &err),
		     OIDC_OK, "exactly max bytes accepted");
	free(buf);
	buf = NULL;
	CHECK_STATUS(oidc_trusted_file_read(p, OIDC_FILE_PUBLIC, 11, NULL, NULL, &err),
		     OIDC_OK, "check only (no buffer)");

	path_of(p, sizeof(p), "secret");
	CHECK(make_file(p, "s3cret", 0600), "make secret file");
	CHECK_STATUS(oidc_trusted_file_read(p, OIDC_FILE_SECRET, 4096, &buf, &len, &err),
		     OIDC_OK, "0600 file, secret policy");
	CHECK(buf && len == 6 && memcmp(buf, "s3cret", 6) == 0, "secret content");
	explicit_bzero(buf, len + 1);
	free(buf);
	buf = NULL;
	chmod(p, 0400);
	CHECK_STATUS(oidc_trusted_file_read(p, OIDC_FILE_SECRET, 4096, NULL, NULL, &err),
		     OIDC_OK, "0400 secret accepted");

	path_of(p, sizeof(p), "empty");
	CHECK(make_file(p, "", 0600), "make empty file");
	CHECK(oidc_trusted_file_read(p, OIDC_FILE_PUBLIC, 4096, &buf, &len, &err) ==
			      OIDC_OK && buf && len == 0 && buf[0] == '\0',
	      "empty file is an empty string");
	free(buf);
	buf = NULL;

	/* relative to the working directory */
	if (getcwd(cwd, sizeof(cwd)) && chdir(dir) == 0) {
		CHECK_STATUS(oidc_trusted_file_read("public", OIDC_FILE_PUBLIC, 4096, NULL,
						    NULL, &err),
			     OIDC_OK, "relative path");
		CHECK(chdir(cwd) == 0, "back to the working directory");
	}

	/* a sticky directory others can write (like /tmp): only the owner
	 * of a name may replace it */
	path_of(p, sizeof(p), "sticky");
	CHECK(mkdir(p, 0700) == 0 && chmod(p, 01777) == 0, "make sticky directory");
	path_of(p, sizeof(p), "sticky/f");
	CHECK(make_file(p, "x", 0644), "file in the sticky directory");
	CHECK_STATUS(oidc_trusted_file_read(p, OIDC_FILE_PUBLIC, 4096, NULL, NULL, &err),
		     OIDC_OK, "file in a sticky, world-writable directory accepted");
	CHECK_STATUS(oidc_trusted_file_read("/etc/passwd", OIDC_FILE_PUBLIC, 1 << 20, NULL,
					    NULL, &err),
		     OIDC_OK, "/etc/passwd (root's, in root's /etc) accepted");
}

static void test_refusals(void)
{
	struct oidc_error err = { OIDC_OK, "" };
	char p[256], q[256];
	int e = 0;

	path_of(p, sizeof(p), "missing");
	refused("missing file", p, OIDC_FILE_PUBLIC, ENOENT, "cannot open");
	path_of(p, sizeof(p), "nodir/file");
	refused("missing directory", p, OIDC_FILE_PUBLIC, ENOENT, NULL);

	path_of(p, sizeof(p), "public");
	path_of(q, sizeof(q), "link");
	CHECK(symlink(p, q) == 0, "make symlink to a good file");
	refused("symbolic link to a good file", q, OIDC_FILE_PUBLIC, ELOOP,
		"symbolic link");
	path_of(q, sizeof(q), "dirlink");
	CHECK(symlink(dir, q) == 0, "make symlink to the directory");
	path_of(q, sizeof(q), "dirlink/public");
	CHECK_STATUS(rd(q, OIDC_FILE_PUBLIC, 4096, &e, &err), OIDC_OK,
		     "a symbolic link higher up the path is followed (its target is "
		     "checked)");

	refused("directory", dir, OIDC_FILE_PUBLIC, EINVAL, "not a regular file");
	snprintf(p, sizeof(p), "%s/", dir);
	CHECK(rd(p, OIDC_FILE_PUBLIC, 4096, &e, &err) == OIDC_E_CONFIG && e == EINVAL,
	      "path ending in a slash refused (EINVAL)");
	refused("character device", "/dev/null", OIDC_FILE_PUBLIC, EINVAL,
		"not a regular file");
	path_of(p, sizeof(p), "fifo");
	CHECK(mkfifo(p, 0600) == 0, "make FIFO");
	refused("FIFO, without blocking", p, OIDC_FILE_PUBLIC, EINVAL, NULL);

	static const struct {
		mode_t mode;
		enum oidc_file_policy policy;
		const char *name;
	} modes[] = {
		{ 0664, OIDC_FILE_PUBLIC, "group-writable file" },
		{ 0646, OIDC_FILE_PUBLIC, "world-writable file" },
		{ 0644, OIDC_FILE_SECRET, "secret readable by others" },
		{ 0640, OIDC_FILE_SECRET, "secret readable by the group" },
		{ 0602, OIDC_FILE_SECRET, "secret writable by others" },
		{ 0610, OIDC_FILE_SECRET, "secret executable by the group" },
	};
	path_of(p, sizeof(p), "modes");
	CHECK(make_file(p, "x", 0600), "make file for the mode cases");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		chmod(p, modes[i].mode);
		refused(modes[i].name, p, modes[i].policy, EPERM, "chmod");
	}

	path_of(p, sizeof(p), "big");
	CHECK(make_file(p, "12345", 0644), "make 5-byte file");
	CHECK(rd(p, OIDC_FILE_PUBLIC, 4, &e, &err) == OIDC_E_CONFIG && e == EFBIG &&
		      strstr(err.detail, "larger than 4 bytes"),
	      "one byte over max refused (EFBIG): %s", err.detail);
	CHECK(oidc_trusted_file_read(p, OIDC_FILE_PUBLIC, 4, NULL, NULL, &err) ==
		      OIDC_E_CONFIG,
	      "check only applies max too");

	/* a directory others could write lets them replace the file */
	path_of(p, sizeof(p), "open-dir");
	CHECK(mkdir(p, 0700) == 0, "make directory");
	path_of(q, sizeof(q), "open-dir/f");
	CHECK(make_file(q, "x", 0644), "file in it");
	chmod(p, 0770);
	refused("group-writable directory", q, OIDC_FILE_PUBLIC, EPERM, "its directory");
	chmod(p, 0777);
	refused("world-writable directory", q, OIDC_FILE_PUBLIC, EPERM, "chmod go-w");
	chmod(p, 0755);
	CHECK_STATUS(rd(q, OIDC_FILE_PUBLIC, 4096, &e, &err), OIDC_OK,
		     "the same file once the directory is 0755");

	/* more bytes than fstat said (a file growing while it is read; procfs
	 * files report size 0): refused, never a silently cut file */
	CHECK(rd("/proc/self/status", OIDC_FILE_PUBLIC, 4096, &e, &err) == OIDC_E_CONFIG &&
		      e == EAGAIN && strstr(err.detail, "changed while being read"),
	      "a file longer than its size when read is refused: %s", err.detail);

	CHECK(oidc_trusted_file_read("", OIDC_FILE_PUBLIC, 10, NULL, NULL, &err) ==
		      OIDC_E_INTERNAL,
	      "empty path is a caller error");
	CHECK(oidc_trusted_file_read(NULL, OIDC_FILE_PUBLIC, 10, NULL, NULL, NULL) ==
		      OIDC_E_INTERNAL,
	      "NULL path, NULL err");

	/* a long path is shown by its end */
	char longp[600];
	int n = snprintf(longp, sizeof(longp), "%s/", dir);
	for (; n < 400; n++)
		longp[n] = 'd';
	snprintf(longp + n, sizeof(longp) - (size_t)n, "/the-file-name");
	rd(longp, OIDC_FILE_PUBLIC, 10, &e, &err);
	CHECK(strstr(err.detail, "the-file-name") && strlen(err.detail) < 200,
	      "long path: the end is shown, the detail stays short: %s", err.detail);
}

static void test_owners(void)
{
	char p[256], q[256];

	if (geteuid() != 0) {
		printf("# owner cases need root (chown): skipped, not counted\n");
		return;
	}
	path_of(p, sizeof(p), "theirs");
	CHECK(make_file(p, "x", 0644) && chown(p, 65534, 65534) == 0,
	      "file owned by nobody");
	refused("file owned by another user", p, OIDC_FILE_PUBLIC, EPERM, "owned by uid");
	chmod(p, 0600);
	refused("secret owned by another user", p, OIDC_FILE_SECRET, EPERM, "chown");

	path_of(p, sizeof(p), "their-dir");
	CHECK(mkdir(p, 0755) == 0 && chown(p, 65534, 65534) == 0,
	      "directory owned by nobody");
	path_of(q, sizeof(q), "their-dir/f");
	CHECK(make_file(q, "x", 0644), "our file in it");
	refused("our file in another user's directory", q, OIDC_FILE_PUBLIC, EPERM,
		"its directory is owned");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	bool made = mkdtemp(dir) != NULL;

	CHECK(made, "temporary directory");
	if (made) {
		test_accepts();
		test_refusals();
		test_owners();
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	return test_done();
}
