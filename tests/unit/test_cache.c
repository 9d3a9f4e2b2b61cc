/* SPDX-License-Identifier: MIT */
/*
 * test_cache.c - common/cache.c: directory checks, entry ownership and mode
 * rules, size cap, clearing, and concurrent writers and readers in separate
 * processes that must never see a torn or mixed entry.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"
#include "net.h"
#include "testutil.h"

#define NOBODY_UID 65534
#define WRITERS 4
#define WRITES_EACH 200
#define READERS 2
#define READS_EACH 2000
#define PAYLOAD_BODY_MAX 65536

static char base[] = "/tmp/oidc-test-cache-XXXXXX";

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh 0700 directory under base. */
static const char *fresh_dir(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, name);
	if (mkdir(buf[i], 0700) != 0 && errno != EEXIST)
		printf("# mkdir %s: %s\n", buf[i], strerror(errno));
	return buf[i];
}

static void write_file(const char *dir, const char *name, const char *data,
		       mode_t mode)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		printf("# write %s failed\n", path);
	if (fd >= 0) {
		fchmod(fd, mode);
		close(fd);
	}
}

static bool path_exists(const char *dir, const char *name)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	for (de = readdir(d); de; de = readdir(d))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Read entry; returns the status, *data (malloc'd or NULL) and *len. */
static enum oidc_status rd(const char *dir, const char *name, size_t max,
			   unsigned char **data, size_t *len)
{
	struct oidc_error err = { 0 };

	*data = NULL;
	*len = 0;
	return oidc_cache_read(dir, name, max, data, len, &err);
}

static bool read_is(const char *dir, const char *name, const char *want)
{
	unsigned char *d = NULL;
	size_t len = 0;
	bool ok = rd(dir, name, 1 << 20, &d, &len) == OIDC_OK && d &&
		  len == strlen(want) && memcmp(d, want, len) == 0 &&
		  d[len] == '\0';

	free(d);
	return ok;
}

static bool read_absent(const char *dir, const char *name)
{
	unsigned char *d = (unsigned char *)"sentinel";
	size_t len = 1;
	enum oidc_status st = rd(dir, name, 1 << 20, &d, &len);
	bool ok = st == OIDC_OK && d == NULL && len == 0;

	free(d);
	return ok;
}

static void test_name(void)
{
	static const char issuer[] = "https://idp.example.com/realms/test";
	unsigned char md[32];
	unsigned int mdlen = 0;
	char out[64], want[64];

	/* Expected value from OpenSSL's EVP, not from the code under test. */
	EVP_Digest(issuer, strlen(issuer), md, &mdlen, EVP_sha256(), NULL);
	int o = snprintf(want, sizeof(want), "jwks-");
	for (int i = 0; i < 16; i++)
		o += snprintf(want + o, sizeof(want) - (size_t)o, "%02x", md[i]);
	oidc_cache_name(issuer, "jwks", out);
	CHECK(strcmp(out, want) == 0, "cache name is kind-<32 hex of sha256>");
	oidc_cache_name(issuer, "discovery", out);
	CHECK(strncmp(out, "discovery-", 10) == 0 &&
		      strcmp(out + 10, want + 5) == 0,
	      "cache name: kind prefix, same hash");
	oidc_cache_name("https://other.example.com", "jwks", out);
	CHECK(strcmp(out, want) != 0, "cache name differs per issuer");
	oidc_cache_name(issuer, "A-b.C/../x", out);
	CHECK(strncmp(out, "a_b_c____x-", 11) == 0,
	      "cache name: kind kept inside [a-z0-9_]");
	oidc_cache_name(issuer, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
			out);
	CHECK(strlen(out) == 30 + 1 + 32 && out[30] == '-',
	      "cache name: long kind truncated, hash intact");
}

static void test_dir_check(void)
{
	struct oidc_error err = { 0 };
	char path[600], link[600];
	struct stat st;
	const char *d;

	snprintf(path, sizeof(path), "%s/created", base);
	CHECK_STATUS(oidc_cache_dir_check(path, false, &err), OIDC_E_CACHE_DIR,
		     "missing dir, create false");
	mode_t old = umask(0777);
	CHECK_STATUS(oidc_cache_dir_check(path, true, &err), OIDC_OK,
		     "missing dir created");
	umask(old);
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		      (st.st_mode & 07777) == 0700,
	      "created dir is 0700 whatever the umask");
	CHECK_STATUS(oidc_cache_dir_check(path, true, &err), OIDC_OK,
		     "existing dir accepted");
	snprintf(path, sizeof(path), "%s/no-parent/cache", base);
	CHECK_STATUS(oidc_cache_dir_check(path, true, &err), OIDC_E_CACHE_DIR,
		     "missing parent refused");
	CHECK_STATUS(oidc_cache_dir_check("", true, &err), OIDC_E_CACHE_DIR,
		     "empty path refused");
	CHECK_STATUS(oidc_cache_dir_check(NULL, true, &err), OIDC_E_CACHE_DIR,
		     "NULL path refused");

	d = fresh_dir("modes");
	chmod(d, 0750);
	CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_OK,
		     "0750 accepted");
	chmod(d, 0770);
	CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_E_CACHE_DIR,
		     "group-writable dir refused");
	chmod(d, 0703);
	CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_E_CACHE_DIR,
		     "other-writable dir refused");
	chmod(d, 01777);
	CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_E_CACHE_DIR,
		     "sticky world-writable dir refused");
	chmod(d, 0700);

	d = fresh_dir("target");
	snprintf(link, sizeof(link), "%s/link", base);
	CHECK(symlink(d, link) == 0, "symlink made");
	CHECK_STATUS(oidc_cache_dir_check(link, false, &err), OIDC_E_CACHE_DIR,
		     "symlinked dir refused");
	CHECK_STATUS(oidc_cache_dir_check(link, true, &err), OIDC_E_CACHE_DIR,
		     "symlinked dir refused with create");

	write_file(base, "plainfile", "x", 0600);
	snprintf(path, sizeof(path), "%s/plainfile", base);
	CHECK_STATUS(oidc_cache_dir_check(path, true, &err), OIDC_E_CACHE_DIR,
		     "regular file refused");

	if (geteuid() == 0) {
		d = fresh_dir("nobody");
		CHECK(chown(d, NOBODY_UID, NOBODY_UID) == 0, "chown to nobody");
		CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_E_CACHE_DIR,
			     "dir owned by another uid refused");
	} else {
		printf("# not root: ownership checks skipped\n");
	}
}

/*
 * As uid nobody in a child: the status and detail of checking (mode 0) or
 * reading (mode 1) dir, through a pipe. false when the child failed.
 */
static bool as_nobody(const char *dir, int mode, enum oidc_status *st_out,
		      char *detail, size_t cap)
{
	struct oidc_error err = { 0 };
	int fds[2], status = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0)
		return false;
	pid = fork();
	if (pid == 0) {
		unsigned char *data = NULL;
		size_t len = 0;

		close(fds[0]);
		if (setgid(NOBODY_UID) != 0 || setuid(NOBODY_UID) != 0)
			_exit(1);
		if (mode == 0)
			(void)oidc_cache_dir_check(dir, true, &err);
		else
			(void)oidc_cache_read(dir, "x", 10, &data, &len, &err);
		free(data);
		if (write(fds[1], &err, sizeof(err)) != (ssize_t)sizeof(err))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	n = pid > 0 ? read(fds[0], &err, sizeof(err)) : -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (n != (ssize_t)sizeof(err) || !WIFEXITED(status) || WEXITSTATUS(status))
		return false;
	*st_out = err.status;
	snprintf(detail, cap, "%s", err.detail);
	return true;
}

/* What a service user sees: the detail names the directory that stops it. */
static void test_denied_details(void)
{
	struct oidc_error err = { 0 };
	enum oidc_status st = OIDC_OK;
	char svc[600], cache[600], rootonly[600], detail[OIDC_DETAIL_MAX], want[700];
	const char *d;

	if (geteuid() != 0) {
		printf("# not root: permission details skipped\n");
		return;
	}
	/* base is root 0700 (mkdtemp): the old package's /var/cache/oidc-auth */
	snprintf(svc, sizeof(svc), "%s/svc", base);
	snprintf(cache, sizeof(cache), "%s/svc/cache", base);
	snprintf(rootonly, sizeof(rootonly), "%s/svc/rootonly", base);
	CHECK(mkdir(svc, 0755) == 0 && mkdir(cache, 0700) == 0 &&
		      chown(cache, NOBODY_UID, NOBODY_UID) == 0 &&
		      mkdir(rootonly, 0700) == 0,
	      "denied: directories made");
	CHECK(as_nobody(cache, 0, &st, detail, sizeof(detail)), "denied: child ran");
	snprintf(want, sizeof(want), "uid %d cannot search %s (owner uid 0, mode 0700)",
		 NOBODY_UID, base);
	CHECK(st == OIDC_E_CACHE_DIR && strstr(detail, want) && strstr(detail, cache),
	      "root 0700 parent: cache_dir_unusable names the parent, owner, mode");
	printf("# detail: %s\n", detail);
	chmod(base, 0755);
	CHECK(as_nobody(cache, 0, &st, detail, sizeof(detail)) && st == OIDC_OK,
	      "searchable parent: the service user's own dir is accepted");
	CHECK(as_nobody(rootonly, 1, &st, detail, sizeof(detail)),
	      "denied read: child ran");
	snprintf(want, sizeof(want), "permission denied for uid %d (owner uid 0, mode 0700)",
		 NOBODY_UID);
	CHECK(st == OIDC_E_CACHE_DIR && strstr(detail, want) && strstr(detail, rootonly),
	      "unreadable dir: cache_dir_unusable with owner and mode");
	printf("# detail: %s\n", detail);
	chmod(base, 0700);

	/* A root service and a service user's directory. */
	d = fresh_dir("svc-owned");
	CHECK(chown(d, NOBODY_UID, NOBODY_UID) == 0, "chown to nobody");
	CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_E_CACHE_DIR,
		     "root process, dir of a service user: refused");
	snprintf(want, sizeof(want), "owned by uid %d, neither root nor this process (uid 0)",
		 NOBODY_UID);
	CHECK(strstr(err.detail, want) != NULL, "... and the detail says whose it is");
	chmod(d, 0700);
	CHECK(chown(d, 0, 0) == 0 && chmod(d, 0770) == 0, "group-writable dir");
	CHECK_STATUS(oidc_cache_dir_check(d, false, &err), OIDC_E_CACHE_DIR,
		     "group-writable: refused");
	CHECK(strstr(err.detail, "mode 0770") != NULL, "... and the detail gives the mode");
	chmod(d, 0700);
}

static void test_round_trip(void)
{
	struct oidc_error err = { 0 };
	const char *d = fresh_dir("rt");
	static const unsigned char bin[] = { 'a', 0, 'b', 0xff, '\n', 0 };
	unsigned char *data = NULL;
	size_t len = 0;
	char path[600];
	struct stat st;

	CHECK(read_absent(d, "jwks-1"), "read absent entry");
	CHECK_STATUS(oidc_cache_write(d, "jwks-1", "{\"keys\":[]}", 11, &err),
		     OIDC_OK, "write");
	CHECK(read_is(d, "jwks-1", "{\"keys\":[]}"), "read back");
	CHECK_STATUS(oidc_cache_write(d, "jwks-1", "second version", 14, &err),
		     OIDC_OK, "overwrite");
	CHECK(read_is(d, "jwks-1", "second version"), "read overwritten");
	CHECK(count_entries(d) == 1, "no temporary file left behind");
	snprintf(path, sizeof(path), "%s/jwks-1", d);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 &&
		      st.st_uid == geteuid(),
	      "entry is 0600 and ours");

	CHECK_STATUS(oidc_cache_write(d, "bin", bin, sizeof(bin), &err), OIDC_OK,
		     "write binary");
	CHECK(rd(d, "bin", 100, &data, &len) == OIDC_OK && data &&
		      len == sizeof(bin) && memcmp(data, bin, len) == 0 &&
		      data[len] == 0,
	      "binary round trip");
	free(data);
	CHECK_STATUS(oidc_cache_write(d, "empty", "", 0, &err), OIDC_OK,
		     "write empty");
	CHECK(read_is(d, "empty", ""), "empty round trip");

	mode_t old = umask(0777);
	CHECK_STATUS(oidc_cache_write(d, "umask", "u", 1, &err), OIDC_OK,
		     "write under umask 0777");
	umask(old);
	snprintf(path, sizeof(path), "%s/umask", d);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
	      "entry 0600 whatever the umask");

	/* Size cap. */
	char big[1001];
	memset(big, 'b', 1000);
	big[1000] = '\0';
	CHECK_STATUS(oidc_cache_write(d, "big", big, 1000, &err), OIDC_OK,
		     "write 1000 bytes");
	CHECK(rd(d, "big", 1000, &data, &len) == OIDC_OK && data && len == 1000,
	      "read with max == size");
	free(data);
	CHECK(rd(d, "big", 999, &data, &len) == OIDC_OK && data == NULL,
	      "read with max < size: treated as absent");
	free(data);

	/* Names outside [a-z0-9_.-] or with a leading dot. */
	static const char *const bad[] = { "", "../x", "a/b", ".hidden", "..",
					   "UPPER", "sp ace", "nl\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(oidc_cache_write(d, bad[i], "x", 1, &err) != OIDC_OK,
		      "write refuses name %zu", i);
		CHECK(rd(d, bad[i], 10, &data, &len) != OIDC_OK, "read refuses name %zu",
		      i);
	}
	char longname[130];
	memset(longname, 'a', 129);
	longname[129] = '\0';
	CHECK(oidc_cache_write(d, longname, "x", 1, &err) != OIDC_OK,
	      "write refuses a 129-character name");
}

static void test_untrusted(void)
{
	struct oidc_error err = { 0 };
	const char *d = fresh_dir("untrusted");
	unsigned char *data = NULL;
	size_t len = 0;
	char path[600], target[600];

	write_file(d, "mode0666", "planted", 0666);
	CHECK(read_absent(d, "mode0666"), "entry mode 0666 ignored");
	write_file(d, "mode0620", "planted", 0620);
	CHECK(read_absent(d, "mode0620"), "group-writable entry ignored");
	write_file(d, "mode0644", "readable", 0644);
	CHECK(read_is(d, "mode0644", "readable"), "entry 0644 (not writable) read");
	write_file(d, "target", "via link", 0600);
	snprintf(path, sizeof(path), "%s/link", d);
	snprintf(target, sizeof(target), "%s/target", d);
	CHECK(symlink(target, path) == 0, "entry symlink made");
	CHECK(read_absent(d, "link"), "symlinked entry ignored");
	snprintf(path, sizeof(path), "%s/fifo", d);
	CHECK(mkfifo(path, 0600) == 0, "fifo made");
	CHECK(read_absent(d, "fifo"), "fifo entry ignored without blocking");
	snprintf(path, sizeof(path), "%s/subdir", d);
	CHECK(mkdir(path, 0700) == 0, "subdir made");
	CHECK(read_absent(d, "subdir"), "directory entry ignored");
	if (geteuid() == 0) {
		write_file(d, "foreign", "planted", 0600);
		snprintf(path, sizeof(path), "%s/foreign", d);
		CHECK(chown(path, NOBODY_UID, NOBODY_UID) == 0, "chown entry");
		CHECK(read_absent(d, "foreign"), "entry owned by another uid ignored");
		/* A write replaces it with our own. */
		CHECK_STATUS(oidc_cache_write(d, "foreign", "ours", 4, &err),
			     OIDC_OK, "write over a foreign entry");
		CHECK(read_is(d, "foreign", "ours"), "foreign entry replaced");
	}

	/* A bad directory is refused by read and write alike. */
	const char *g = fresh_dir("groupw");
	CHECK_STATUS(oidc_cache_write(g, "x", "1", 1, &err), OIDC_OK,
		     "write before chmod");
	chmod(g, 0770);
	CHECK_STATUS(oidc_cache_write(g, "x", "2", 1, &err), OIDC_E_CACHE_DIR,
		     "write into group-writable dir refused");
	CHECK_STATUS(rd(g, "x", 10, &data, &len), OIDC_E_CACHE_DIR,
		     "read from group-writable dir refused");
	CHECK(data == NULL, "no data from a refused dir");
	chmod(g, 0700);
	snprintf(path, sizeof(path), "%s/glink", base);
	CHECK(symlink(g, path) == 0, "dir symlink made");
	CHECK_STATUS(oidc_cache_write(path, "x", "3", 1, &err), OIDC_E_CACHE_DIR,
		     "write through symlinked dir refused");
	CHECK_STATUS(rd(path, "x", 10, &data, &len), OIDC_E_CACHE_DIR,
		     "read through symlinked dir refused");
	CHECK(read_is(g, "x", "1"), "refused writes changed nothing");

	snprintf(path, sizeof(path), "%s/missing", base);
	CHECK(read_absent(path, "x"), "read from a missing dir: absent");
	CHECK_STATUS(oidc_cache_write(path, "x", "1", 1, &err), OIDC_E_CACHE_DIR,
		     "write into a missing dir refused");
}

static void test_clear(void)
{
	struct oidc_error err = { 0 };
	const char *d = fresh_dir("clear");
	char a[64], b[64], stale[128], fresh[128], path[600];
	struct timeval old[2];

	oidc_cache_name("https://a.example", "jwks", a);
	oidc_cache_name("https://b.example", "discovery", b);
	CHECK(oidc_cache_write(d, a, "a", 1, &err) == OIDC_OK &&
		      oidc_cache_write(d, b, "b", 1, &err) == OIDC_OK,
	      "entries written");
	write_file(d, "README", "keep", 0600);
	write_file(d, "jwks-notahash", "keep", 0600);
	write_file(d, "keep-0123456789abcdef0123456789abcdeg", "keep", 0600);
	snprintf(stale, sizeof(stale), ".oidc-tmp-%s.0123456789ab", a);
	snprintf(fresh, sizeof(fresh), ".oidc-tmp-%s.ba9876543210", b);
	write_file(d, stale, "stale", 0600);
	write_file(d, fresh, "fresh", 0600);
	snprintf(path, sizeof(path), "%s/%s", d, stale);
	gettimeofday(&old[0], NULL);
	old[0].tv_sec -= 3600;
	old[1] = old[0];
	CHECK(utimes(path, old) == 0, "stale temp file aged");

	CHECK_STATUS(oidc_cache_clear(d, &err), OIDC_OK, "clear");
	CHECK(!path_exists(d, a) && !path_exists(d, b), "our entries removed");
	CHECK(path_exists(d, "README") && path_exists(d, "jwks-notahash") &&
		      path_exists(d, "keep-0123456789abcdef0123456789abcdeg"),
	      "other files kept");
	CHECK(!path_exists(d, stale), "stale temp file removed");
	CHECK(path_exists(d, fresh), "young temp file (a writer's) kept");
	snprintf(path, sizeof(path), "%s/never-made", base);
	CHECK_STATUS(oidc_cache_clear(path, &err), OIDC_OK,
		     "clear of a missing dir");
	chmod(d, 0777);
	CHECK_STATUS(oidc_cache_clear(d, &err), OIDC_E_CACHE_DIR,
		     "clear of a world-writable dir refused");
	chmod(d, 0700);
}

/* ---- concurrency ------------------------------------------------------- */

/* Payload: "OIDC <body len> <sha256 hex of body>\n" then the body. */
static size_t make_payload(unsigned char *buf, size_t cap, unsigned seed)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	size_t body_len = 1 + seed % PAYLOAD_BODY_MAX, o;
	unsigned char *body;
	int n;

	char hdr[128];
	unsigned char rnd[32];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, (int)seed, sizeof(rnd));
	body = buf + 128; /* header is written in front afterwards */
	for (size_t i = 0; i < body_len; i++)
		body[i] = (unsigned char)(rnd[i % 32] ^ (i * 131) ^ seed);
	EVP_Digest(body, body_len, md, &mdlen, EVP_sha256(), NULL);
	n = snprintf(hdr, sizeof(hdr), "OIDC %zu ", body_len);
	for (int i = 0; i < 32; i++)
		n += snprintf(hdr + n, sizeof(hdr) - (size_t)n, "%02x", md[i]);
	hdr[n++] = '\n';
	if ((size_t)n + body_len > cap)
		return 0;
	memmove(buf + n, body, body_len);
	memcpy(buf, hdr, (size_t)n);
	o = (size_t)n + body_len;
	return o;
}

/* 0 when data is one whole payload. */
static int check_payload(const unsigned char *data, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65], *end = NULL;
	const char *nl;
	long long body_len;

	if (len < 5 || memcmp(data, "OIDC ", 5) != 0)
		return 1;
	nl = memchr(data, '\n', len < 128 ? len : 128);
	if (!nl)
		return 2;
	errno = 0;
	body_len = strtoll((const char *)data + 5, &end, 10);
	if (errno || !end || *end != ' ' || body_len <= 0)
		return 3;
	size_t hlen = (size_t)(nl - (const char *)data) + 1;
	if (hlen + (size_t)body_len != len)
		return 4;
	EVP_Digest(nl + 1, (size_t)body_len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if ((size_t)(nl - end - 1) != 64 || memcmp(end + 1, hex, 64) != 0)
		return 5;
	return 0;
}

static void test_concurrency(void)
{
	const char *d = fresh_dir("concurrent");
	static unsigned char buf[PAYLOAD_BODY_MAX + 256];
	struct oidc_error err = { 0 };
	pid_t pids[WRITERS + READERS];
	int pipes[READERS][2];
	struct timespec t0, t1;
	size_t len;
	int bad = 0;

	/* A first version, so the entry always exists: rename(2) replaces it
	 * atomically and a reader must never find it missing. */
	len = make_payload(buf, sizeof(buf), 12345);
	CHECK_STATUS(oidc_cache_write(d, "concurrent", buf, len, &err), OIDC_OK,
		     "initial payload");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fflush(stdout);
	for (int p = 0; p < WRITERS + READERS; p++) {
		bool reader = p >= WRITERS;
		if (reader && pipe(pipes[p - WRITERS]) != 0)
			return;
		pids[p] = fork();
		if (pids[p] < 0) {
			CHECK(0, "fork");
			return;
		}
		if (pids[p] > 0) {
			if (reader)
				close(pipes[p - WRITERS][1]);
			continue;
		}
		int fails = 0;
		if (!reader) {
			for (int i = 0; i < WRITES_EACH; i++) {
				size_t l = make_payload(buf, sizeof(buf),
							(unsigned)(p * 100003 + i * 7919));
				if (!l || oidc_cache_write(d, "concurrent", buf, l,
							   NULL) != OIDC_OK)
					fails++;
			}
			_exit(fails ? 1 : 0);
		}
		long seen[6] = { 0 };
		for (int i = 0; i < READS_EACH; i++) {
			unsigned char *data = NULL;
			size_t dl = 0;
			if (oidc_cache_read(d, "concurrent", sizeof(buf), &data,
					    &dl, NULL) != OIDC_OK || !data) {
				fails++;
				continue;
			}
			int rc = check_payload(data, dl);
			seen[rc]++;
			fails += rc != 0;
			free(data);
		}
		/* Tell the parent what the reader saw, for the log. */
		char msg[128];
		int n = snprintf(msg, sizeof(msg),
				 "# reader: %ld whole, %d bad or missing\n",
				 seen[0], fails);
		if (write(pipes[p - WRITERS][1], msg, (size_t)n) < 0)
			fails++;
		_exit(fails ? 1 : 0);
	}
	for (int p = 0; p < WRITERS + READERS; p++) {
		int status = 0;
		if (waitpid(pids[p], &status, 0) != pids[p] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad++;
		if (p >= WRITERS) {
			char msg[128];
			ssize_t n = read(pipes[p - WRITERS][0], msg, sizeof(msg) - 1);
			if (n > 0) {
				msg[n] = '\0';
				fputs(msg, stdout);
			}
			close(pipes[p - WRITERS][0]);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(bad == 0, "%d writers x %d writes, %d readers x %d reads: "
		  "no torn, mixed or missing entry",
	      WRITERS, WRITES_EACH, READERS, READS_EACH);
	printf("# concurrency run: %.2f s (%.0f writes/s with fsync)\n", secs,
	       WRITERS * WRITES_EACH / secs);
	unsigned char *data = NULL;
	size_t dl = 0;
	CHECK(oidc_cache_read(d, "concurrent", sizeof(buf), &data, &dl, NULL) ==
			      OIDC_OK &&
		      data && check_payload(data, dl) == 0,
	      "final entry whole");
	free(data);
	CHECK(count_entries(d) == 1, "no temporary files after the run");

	/* Control: the checker does catch a torn payload. */
	len = make_payload(buf, sizeof(buf), 777);
	CHECK(check_payload(buf, len) == 0 && check_payload(buf, len - 1) != 0,
	      "payload checker detects truncation");
	buf[len - 1] ^= 1;
	CHECK(check_payload(buf, len) != 0, "payload checker detects mixing");
}

int main(void)
{
	if (!mkdtemp(base)) {
		CHECK(0, "mkdtemp");
		return test_done();
	}
	test_name();
	test_dir_check();
	test_denied_details();
	test_round_trip();
	test_untrusted();
	test_clear();
	test_concurrency();
	nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return test_done();
}
