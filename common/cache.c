/* SPDX-License-Identifier: MIT */
/*
 * cache.c - the disk cache shared by the short-lived processes that host
 * the core (sshd forks, PAM dlclose). One file per entry; writers build a
 * private temporary file and rename() it into place, so concurrent readers
 * and writers only ever see whole versions (design.md section 5).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "internal.h"
#include "net.h"

#define OIDC_CACHE_NAME_MAX 128
#define OIDC_CACHE_KIND_MAX 30          /* "<kind>-<32 hex>" fits out[64] */
#define OIDC_CACHE_HASH_HEX 32
#define OIDC_CACHE_TMP_PREFIX ".oidc-tmp-"
#define OIDC_CACHE_TMP_RAND_HEX 12
#define OIDC_CACHE_TMP_STALE_SECONDS 60 /* older temp files are leftovers */
#define OIDC_CACHE_TMP_TRIES 16
#define OIDC_CACHE_LOCK_PREFIX ".lock-"
#define OIDC_FLOCK_POLL_MS 10           /* first poll; doubles up to ... */
#define OIDC_FLOCK_POLL_MAX_MS 50       /* ... this, while another holds it */
#define OIDC_CACHE_PATH_MAX 4096        /* parents looked at for a message */

static bool oidc_cache_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* [a-z0-9_.-], no leading dot: "." and ".." and our temp files excluded. */
static bool oidc_cache_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > OIDC_CACHE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* An entry oidc_cache_name() makes: [a-z0-9_]{1,30} "-" 32 hex. */
static bool oidc_cache_is_our_entry(const char *name)
{
	size_t n = strlen(name), kind = n - OIDC_CACHE_HASH_HEX - 1;

	if (n < OIDC_CACHE_HASH_HEX + 2 || kind > OIDC_CACHE_KIND_MAX ||
	    name[kind] != '-' ||
	    !oidc_cache_is_hex(name + kind + 1, OIDC_CACHE_HASH_HEX))
		return false;
	for (size_t i = 0; i < kind; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* A temporary file of oidc_cache_write: prefix, name, "." 12 hex. */
static bool oidc_cache_is_our_temp(const char *name)
{
	size_t n = strlen(name), plen = strlen(OIDC_CACHE_TMP_PREFIX);

	return n > plen + 1 + OIDC_CACHE_TMP_RAND_HEX &&
	       strncmp(name, OIDC_CACHE_TMP_PREFIX, plen) == 0 &&
	       name[n - OIDC_CACHE_TMP_RAND_HEX - 1] == '.' &&
	       oidc_cache_is_hex(name + n - OIDC_CACHE_TMP_RAND_HEX,
				 OIDC_CACHE_TMP_RAND_HEX);
}

static bool oidc_cache_owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static enum oidc_status oidc_cache_dir_stat_ok(const char *dir,
					       const struct stat *st,
					       struct oidc_error *err)
{
	if (S_ISLNK(st->st_mode))
		return oidc_err(err, OIDC_E_CACHE_DIR,
				"cache_dir %s is a symlink", dir);
	if (!S_ISDIR(st->st_mode))
		return oidc_err(err, OIDC_E_CACHE_DIR,
				"cache_dir %s is not a directory", dir);
	/* Another user could feed this process keys: a root service must
	 * not share a service user's directory (oidc-auth.conf(5)). */
	if (!oidc_cache_owner_ok(st->st_uid))
		return oidc_err(err, OIDC_E_CACHE_DIR,
				"cache_dir %s is owned by uid %ld, neither root nor "
				"this process (uid %ld): give this service a "
				"cache_dir of its own", dir, (long)st->st_uid,
				(long)geteuid());
	/* Anyone who can write the directory can rename entries in. */
	if (st->st_mode & 022)
		return oidc_err(err, OIDC_E_CACHE_DIR,
				"cache_dir %s is writable by group or others "
				"(mode %04o)", dir, (unsigned)(st->st_mode & 07777));
	return OIDC_OK;
}

/*
 * Permission denied on the way to dir or on dir itself: say which
 * directory this process cannot search or read, with its owner and mode.
 * The usual case is a service user's cache_dir inside a root 0700 parent,
 * which "check-config" run as root never sees. Only on the error path.
 */
static enum oidc_status oidc_cache_denied(struct oidc_error *err,
					  const char *what, const char *dir)
{
	char prefix[OIDC_CACHE_PATH_MAX];
	const char *blocked = dir;
	size_t n = strlen(dir);
	struct stat st;

	for (size_t i = 1; i < n && i < sizeof(prefix); i++) {
		if (dir[i] != '/')
			continue;
		memcpy(prefix, dir, i);
		prefix[i] = '\0';
		if (faccessat(AT_FDCWD, prefix, X_OK, AT_EACCESS) != 0 &&
		    errno == EACCES) {
			blocked = prefix;
			break;
		}
	}
	if (blocked != dir && stat(blocked, &st) == 0)
		return oidc_err(err, OIDC_E_CACHE_DIR,
				"cache_dir %s: uid %ld cannot search %s (owner uid "
				"%ld, mode %04o)", dir, (long)geteuid(), blocked,
				(long)st.st_uid, (unsigned)(st.st_mode & 07777));
	if (blocked == dir && stat(dir, &st) == 0)
		return oidc_err(err, OIDC_E_CACHE_DIR,
				"cache_dir %s: %s: permission denied for uid %ld "
				"(owner uid %ld, mode %04o)", dir, what,
				(long)geteuid(), (long)st.st_uid,
				(unsigned)(st.st_mode & 07777));
	return oidc_err(err, OIDC_E_CACHE_DIR,
			"cache_dir %s: %s: permission denied for uid %ld", dir,
			what, (long)geteuid());
}

static enum oidc_status oidc_cache_errno(struct oidc_error *err, int e,
					 const char *what, const char *dir)
{
	char eb[128];

	if (e == ENOMEM)
		return oidc_err(err, OIDC_E_NOMEM, "out of memory");
	if (e == EACCES || e == EPERM)
		return oidc_cache_denied(err, what, dir);
	/* strerror_r (GNU): strerror is not thread-safe in threaded hosts */
	return oidc_err(err, OIDC_E_CACHE_DIR, "cache_dir %s: %s: %s", dir, what,
			strerror_r(e, eb, sizeof(eb)));
}

/*
 * Open dir without following a symlink and check it through the descriptor,
 * so what was checked is what the *at() calls use. A missing dir gives
 * *fd_out = -1 when missing_ok.
 */
static enum oidc_status oidc_cache_open_dir(const char *dir, bool missing_ok,
					    int *fd_out, struct oidc_error *err)
{
	struct stat st;
	enum oidc_status rc;
	int fd;

	if (!dir || !*dir)
		return oidc_err(err, OIDC_E_CACHE_DIR, "cache_dir is empty");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && missing_ok) {
			*fd_out = -1;
			return OIDC_OK;
		}
		if (e == ENOENT)
			return oidc_err(err, OIDC_E_CACHE_DIR,
					"cache_dir %s does not exist", dir);
		if (e == ELOOP || e == ENOTDIR)
			return oidc_err(err, OIDC_E_CACHE_DIR,
					"cache_dir %s is a symlink or not a directory",
					dir);
		return oidc_cache_errno(err, e, "open", dir);
	}
	if (fstat(fd, &st) != 0) {
		rc = oidc_cache_errno(err, errno, "fstat", dir);
		close(fd);
		return rc;
	}
	rc = oidc_cache_dir_stat_ok(dir, &st, err);
	if (rc != OIDC_OK) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return OIDC_OK;
}

enum oidc_status oidc_cache_dir_check(const char *dir, bool create,
				      struct oidc_error *err)
{
	struct stat st;

	if (!dir || !*dir)
		return oidc_err(err, OIDC_E_CACHE_DIR, "cache_dir is empty");
	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT)
			return oidc_cache_errno(err, errno, "lstat", dir);
		if (!create)
			return oidc_err(err, OIDC_E_CACHE_DIR,
					"cache_dir %s does not exist", dir);
		/* Only the last component: a missing parent is a config
		 * error, not something to invent with the wrong owner. */
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			if (errno == ENOENT)
				return oidc_err(err, OIDC_E_CACHE_DIR,
						"cache_dir %s: parent missing",
						dir);
			return oidc_cache_errno(err, errno, "mkdir", dir);
		}
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					   O_CLOEXEC);
		if (fd < 0)
			return oidc_cache_errno(err, errno, "open", dir);
		/* 0700 whatever the umask of the host process. */
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == geteuid() && (st.st_mode & 07777) != 0700)
			(void)fchmod(fd, 0700);
		close(fd);
		if (lstat(dir, &st) != 0)
			return oidc_cache_errno(err, errno, "lstat", dir);
	}
	return oidc_cache_dir_stat_ok(dir, &st, err);
}

enum oidc_status oidc_cache_read(const char *dir, const char *name,
				 size_t max, unsigned char **data_out,
				 size_t *len_out, struct oidc_error *err)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int dfd = -1, fd = -1;
	enum oidc_status rc;

	if (!data_out || !oidc_cache_name_ok(name))
		return oidc_err(err, OIDC_E_INTERNAL, "bad cache entry name");
	rc = oidc_cache_open_dir(dir, true, &dfd, err);
	if (rc != OIDC_OK || dfd < 0)
		goto absent_or_error;
	/* O_NONBLOCK: a FIFO planted under our name must not hang us. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
				       O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP || errno == EACCES ||
		    errno == ENXIO)
			goto absent_or_error;
		rc = oidc_cache_errno(err, errno, "open entry", dir);
		goto absent_or_error;
	}
	if (fstat(fd, &st) != 0) {
		rc = oidc_cache_errno(err, errno, "fstat entry", dir);
		goto absent_or_error;
	}
	/* Not ours, or changeable by others: as good as absent. */
	if (!S_ISREG(st.st_mode) || !oidc_cache_owner_ok(st.st_uid) ||
	    (st.st_mode & 022) || st.st_size < 0 || (uint64_t)st.st_size > max)
		goto absent_or_error;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = oidc_err(err, OIDC_E_NOMEM, "out of memory");
		goto absent_or_error;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = oidc_cache_errno(err, errno, "read entry", dir);
			goto absent_or_error;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* Entries are replaced, never rewritten: a size change means someone
	 * else edits it in place; do not trust it. */
	if (len != (size_t)st.st_size)
		goto absent_or_error;
	buf[len] = '\0';
	*data_out = buf;
	if (len_out)
		*len_out = len;
	buf = NULL;
	goto out;

absent_or_error:
	if (rc == OIDC_OK) {
		*data_out = NULL;
		if (len_out)
			*len_out = 0;
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static bool oidc_cache_temp_name(const char *name, char *tmp, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[OIDC_CACHE_TMP_RAND_HEX / 2];
	char suffix[OIDC_CACHE_TMP_RAND_HEX + 1];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return false;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		suffix[2 * i] = hex[rnd[i] >> 4];
		suffix[2 * i + 1] = hex[rnd[i] & 15];
	}
	suffix[OIDC_CACHE_TMP_RAND_HEX] = '\0';
	int n = snprintf(tmp, cap, "%s%s.%s", OIDC_CACHE_TMP_PREFIX, name, suffix);
	return n > 0 && (size_t)n < cap;
}

static bool oidc_cache_write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

enum oidc_status oidc_cache_write(const char *dir, const char *name,
				  const void *data, size_t len,
				  struct oidc_error *err)
{
	char tmp[sizeof(OIDC_CACHE_TMP_PREFIX) + OIDC_CACHE_NAME_MAX +
		 OIDC_CACHE_TMP_RAND_HEX + 2];
	int dfd = -1, fd = -1;
	bool tmp_made = false;
	enum oidc_status rc;

	if (!oidc_cache_name_ok(name) || (!data && len))
		return oidc_err(err, OIDC_E_INTERNAL, "bad cache entry name");
	rc = oidc_cache_open_dir(dir, false, &dfd, err);
	if (rc != OIDC_OK)
		return rc;
	for (int i = 0; i < OIDC_CACHE_TMP_TRIES && fd < 0; i++) {
		if (!oidc_cache_temp_name(name, tmp, sizeof(tmp))) {
			rc = oidc_err(err, OIDC_E_INTERNAL, "getrandom failed");
			goto out;
		}
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					      O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			rc = oidc_cache_errno(err, errno, "create temp", dir);
			goto out;
		}
	}
	if (fd < 0) {
		rc = oidc_err(err, OIDC_E_INTERNAL, "no free temp name in %s", dir);
		goto out;
	}
	tmp_made = true;
	/* 0600 also under a host umask that would make it 0000. */
	if (fchmod(fd, 0600) != 0 || !oidc_cache_write_all(fd, data, len) ||
	    fsync(fd) != 0) {
		rc = oidc_cache_errno(err, errno, "write temp", dir);
		goto out;
	}
	int cfd = fd;
	fd = -1;
	if (close(cfd) != 0) {
		rc = oidc_cache_errno(err, errno, "close temp", dir);
		goto out;
	}
	/* rename(2) is atomic: readers see the old or the new file. */
	if (renameat(dfd, tmp, dfd, name) != 0) {
		rc = oidc_cache_errno(err, errno, "rename", dir);
		goto out;
	}
	tmp_made = false;
	/* Make the rename itself durable; failure here loses nothing. */
	(void)fsync(dfd);
	rc = OIDC_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		(void)unlinkat(dfd, tmp, 0);
	close(dfd);
	return rc;
}

enum oidc_status oidc_cache_clear(const char *dir, struct oidc_error *err)
{
	enum oidc_status rc;
	struct dirent *de;
	DIR *d = NULL;
	int dfd = -1, lfd;
	time_t now = time(NULL);

	rc = oidc_cache_open_dir(dir, true, &dfd, err);
	if (rc != OIDC_OK || dfd < 0)
		return rc;
	/* fdopendir owns its descriptor; keep dfd for the *at() calls. */
	lfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	if (lfd >= 0)
		d = fdopendir(lfd);
	if (!d) {
		rc = oidc_cache_errno(err, errno, "opendir", dir);
		if (lfd >= 0)
			close(lfd);
		goto out;
	}
	for (;;) {
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		bool entry = oidc_cache_is_our_entry(de->d_name);
		bool temp = !entry && oidc_cache_is_our_temp(de->d_name);
		if (!entry && !temp)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    S_ISDIR(st.st_mode))
			continue;
		/* A young temp file may be a concurrent writer's. */
		if (temp && now - st.st_mtime < OIDC_CACHE_TMP_STALE_SECONDS)
			continue;
		if (unlinkat(dfd, de->d_name, 0) != 0 && errno != ENOENT &&
		    rc == OIDC_OK)
			rc = oidc_cache_errno(err, errno, "unlink", dir);
	}
	if (errno != 0 && rc == OIDC_OK)
		rc = oidc_cache_errno(err, errno, "readdir", dir);
out:
	if (d)
		closedir(d);
	close(dfd);
	return rc;
}

void oidc_cache_name(const char *issuer, const char *kind, char out[64])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	const char *k = (kind && *kind) ? kind : "entry";
	size_t o = 0;

	SHA256((const unsigned char *)(issuer ? issuer : ""),
	       issuer ? strlen(issuer) : 0, md);
	/* Keep the kind inside [a-z0-9_] so oidc_cache_clear can tell our
	 * entries from anything else in the directory. */
	for (; k[o] && o < OIDC_CACHE_KIND_MAX; o++) {
		char c = k[o];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		out[o] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ?
				 c : '_';
	}
	out[o++] = '-';
	for (int i = 0; i < OIDC_CACHE_HASH_HEX / 2; i++) {
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o] = '\0';
}

/* ---- the refresh lock ---------------------------------------------------- */

int64_t oidc_mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int oidc_flock_wait(int fd, int64_t wait_ms, bool *waited_out)
{
	int64_t end = oidc_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	int64_t step = OIDC_FLOCK_POLL_MS, left;

	if (waited_out)
		*waited_out = false;
	/* Polled, not a blocking flock: a stopped holder must not hang the
	 * host past its deadline, and no signal (alarm) is ours to use. */
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (waited_out)
			*waited_out = true;
		left = end - oidc_mono_ms();
		if (left <= 0) {
			errno = EWOULDBLOCK;
			return -1;
		}
		if (step > left)
			step = left;
		struct timespec ts = { step / 1000, (long)(step % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		if (step < OIDC_FLOCK_POLL_MAX_MS)
			step *= 2;
	}
	return 0;
}

/* Held for longer than stuck_ms by the mtime its holder stamped? */
static bool oidc_cache_lock_stuck(int fd, int64_t stuck_ms)
{
	struct timespec now;
	struct stat st;

	if (stuck_ms <= 0 || fstat(fd, &st) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0)
		return false;
	return ((int64_t)now.tv_sec - st.st_mtim.tv_sec) * 1000 +
		       (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000 > stuck_ms;
}

enum oidc_status oidc_cache_lock(const char *dir, const char *name,
				 int64_t wait_ms, int64_t stuck_ms, int *fd_out,
				 bool *waited_out, bool *stuck_out,
				 struct oidc_error *err)
{
	char lname[sizeof(OIDC_CACHE_LOCK_PREFIX) + OIDC_CACHE_NAME_MAX];
	struct stat st;
	int dfd = -1, fd = -1;
	enum oidc_status rc;

	*fd_out = -1;
	*waited_out = false;
	*stuck_out = false;
	if (!oidc_cache_name_ok(name))
		return oidc_err(err, OIDC_E_INTERNAL, "bad cache entry name");
	rc = oidc_cache_open_dir(dir, false, &dfd, err);
	if (rc != OIDC_OK)
		return rc;
	snprintf(lname, sizeof(lname), "%s%s", OIDC_CACHE_LOCK_PREFIX, name);
	/* O_NONBLOCK: a FIFO planted under our name must not hang us. */
	fd = openat(dfd, lname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
					O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		rc = oidc_cache_errno(err, errno, "open lock file", dir);
		goto out;
	}
	/* Someone who could plant it could also hold it forever. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !oidc_cache_owner_ok(st.st_uid) || (st.st_mode & 022)) {
		rc = oidc_err(err, OIDC_E_CONFIG, "cache_dir %s: lock file %s is not "
			      "a private regular file of ours", dir, lname);
		goto out;
	}
	/* A frozen holder (SIGSTOP, a debugger) keeps its flock: past the
	 * longest refresh, waiting for it would only refuse logins. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK &&
	    oidc_cache_lock_stuck(fd, stuck_ms)) {
		*waited_out = *stuck_out = true;
		goto out;
	}
	if (oidc_flock_wait(fd, wait_ms, waited_out) != 0) {
		if (errno != EWOULDBLOCK)
			rc = oidc_cache_errno(err, errno, "flock", dir);
		goto out;
	}
	/* the stamp the others judge a stuck holder by */
	(void)futimens(fd, NULL);
	*fd_out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

void oidc_cache_unlock(int *fd)
{
	if (!fd || *fd < 0)
		return;
	/* LOCK_UN first: a child forked while we held it shares the open
	 * file description, and close() alone would leave it locked there. */
	(void)flock(*fd, LOCK_UN);
	close(*fd);
	*fd = -1;
}
