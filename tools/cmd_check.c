/* SPDX-License-Identifier: MIT */
/*
 * cmd_check.c - "oidc-auth check-config": a configuration as the core loads
 * it, and with --as-user as a service will see it.
 *
 * Services read their files and cache_dir as their own user (smtpd as
 * postfix, slapd as openldap, imapd as cyrus), which a check run by root
 * never notices: a cache_dir inside a root 0700 directory locks every login
 * out while root sees no problem. With --as-user the command forks; only
 * the child drops to that user (its primary group alone, as Postfix's
 * daemons run; setgid, setuid, then a check that no privilege is left),
 * opens every file the configuration names, uses cache_dir through the
 * core's own cache code and reports each problem with the path and a fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "internal.h"
#include "keysource.h"

#define CHK_PATHS_MAX 64      /* distinct files and directories looked at */
#define CHK_NAME_MAX 64       /* user and group names */
#define CHK_TEXT_MAX 4096     /* one problem or fix */
#define CHK_PATH_MAX 1024     /* longest path whose parents are looked at */
#define CHK_PWBUF_MAX 16384   /* getpwnam_r / getgrgid_r buffers */
#define CHK_CA_FIX "put the PEM certificate of the CA that signed the provider's " \
	"certificate in it (openssl s_client -showcerts shows the chain), or remove " \
	"ca_file to use the system store"

static const char usage_check[] =
	"usage: oidc-auth check-config FILE [OPTIONS]\n"
	"\n"
	"Parse and check FILE, load the keys and files it names, and print the\n"
	"effective configuration (secrets are never printed). Exit 0 when the\n"
	"configuration is usable, 2 with the file, line and key to fix otherwise.\n"
	"\n"
	"  -s, --set KEY=VALUE   override a configuration key (repeatable)\n"
	"      --as-user USER    check FILE as the service running as USER will\n"
	"                        see it (root only): every file it names readable,\n"
	"                        cache_dir usable; each problem with its fix\n"
	"  -j, --json            print one JSON object\n"
	"  -h, --help            this text\n";

struct chk {
	bool json;
	const char *file;            /* the configuration checked */
	char user[CHK_NAME_MAX];     /* as whom */
	char group[CHK_NAME_MAX];    /* its primary group, for install -d */
	uid_t uid;
	gid_t gid;
	json_t *problems;            /* --json: what chk_problem reported */
	size_t n_problems;
	size_t n_files;              /* files found readable */
	const char *cache_ok;        /* a cache_dir found usable, for the summary */
	const char *seen[CHK_PATHS_MAX];
	size_t n_seen;
};

static int fail_usage(const char *what)
{
	cli_line(stderr, "oidc-auth: %s", what);
	fputs(usage_check, stderr);
	return 2;
}

__attribute__((format(printf, 4, 5))) static void
chk_problem(struct chk *c, const char *path, const char *fix, const char *fmt, ...)
{
	char what[CHK_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	c->n_problems++;
	if (c->json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "path", path, "problem", what,
				      "fix", fix);

		if (o)
			json_array_append_new(c->problems, o);
		return;
	}
	cli_line(stderr, "oidc-auth: %s: %s", path, what);
	cli_line(stderr, "  fix: %s", fix);
}

/* Each path once, however many sections name it. */
static bool chk_seen(struct chk *c, const char *path)
{
	for (size_t i = 0; i < c->n_seen; i++)
		if (strcmp(c->seen[i], path) == 0)
			return true;
	if (c->n_seen < CHK_PATHS_MAX)
		c->seen[c->n_seen++] = path;
	return false;
}

static const char *chk_name_of(uid_t uid, char *buf, size_t cap)
{
	struct passwd pw, *res = NULL;
	char tmp[CHK_PWBUF_MAX];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, cap, "%s", res->pw_name);
	else
		snprintf(buf, cap, "uid %ld", (long)uid);
	return buf;
}

/* "owner root, mode 0700" of path (not following a symlink). */
static const char *chk_describe(const char *path, char *buf, size_t cap)
{
	char owner[CHK_NAME_MAX];
	struct stat st;

	if (lstat(path, &st) != 0)
		snprintf(buf, cap, "%s", strerror(errno));
	else
		snprintf(buf, cap, "owner %s, mode %04o",
			 chk_name_of(st.st_uid, owner, sizeof(owner)),
			 (unsigned)(st.st_mode & 07777));
	return buf;
}

/* The first directory on the way to path that this process cannot search. */
static bool chk_blocked_parent(const char *path, char *out, size_t cap)
{
	size_t n = strlen(path);

	for (size_t i = 1; i < n && i < cap; i++) {
		if (path[i] != '/')
			continue;
		memcpy(out, path, i);
		out[i] = '\0';
		if (access(out, X_OK) != 0 && errno == EACCES)
			return true;
	}
	return false;
}

/* Can the user reach path: every parent searchable? Reported when not. */
static bool chk_reach(struct chk *c, const char *label, const char *path)
{
	char blocked[CHK_PATH_MAX], desc[128], fix[CHK_TEXT_MAX];

	if (!chk_blocked_parent(path, blocked, sizeof(blocked)))
		return true;
	snprintf(fix, sizeof(fix), "chmod 0755 %s (directories on the way only need to be "
		 "searchable; what is private stays 0700 below them)", blocked);
	chk_problem(c, path, fix, "%s: %s cannot search %s (%s)", label, c->user, blocked,
		    chk_describe(blocked, desc, sizeof(desc)));
	return false;
}

/*
 * A file the service opens, through the core's own reader and its rules
 * (owner, mode, directory, no symlink), as the user: check only.
 */
static void chk_file(struct chk *c, const char *label, const char *path,
		     enum oidc_file_policy policy, size_t max)
{
	struct oidc_error err = { OIDC_OK, "" };
	char desc[128], fix[CHK_TEXT_MAX];
	int e;

	if (!path || !*path || chk_seen(c, path) || !chk_reach(c, label, path))
		return;
	if (oidc_trusted_file_read(path, policy, max, NULL, NULL, &err) == OIDC_OK) {
		c->n_files++;
		return;
	}
	e = errno;
	if (e == ENOENT) {
		chk_problem(c, path, "create it, or correct the key", "%s: does not exist",
			    label);
		return;
	}
	/* a secret belongs to the reader (or root, for root services), 0600;
	 * other files to root, writable by no one else */
	if (policy == OIDC_FILE_SECRET)
		snprintf(fix, sizeof(fix), "chown %s %s; chmod 0600 %s (a secret belongs "
			 "to the user of the service that reads it)", c->user, path, path);
	else
		snprintf(fix, sizeof(fix), "chown root: %s; chmod 0644 %s", path, path);
	if (e == EACCES)
		chk_problem(c, path, fix, "%s: %s cannot read it (%s)", label, c->user,
			    chk_describe(path, desc, sizeof(desc)));
	else
		chk_problem(c, path, e == EPERM ? fix : "as the problem says", "%s: %s (%s)",
			    label, err.detail, oidc_status_name(err.status));
}

/* ca_file: readable as the user, and every block one libcurl can load. */
static void chk_ca(struct chk *c, const char *label, const char *path)
{
	struct oidc_error err = { OIDC_OK, "" };
	size_t files = c->n_files;

	/* only a file chk_file found readable now (not one seen before) */
	chk_file(c, label, path, OIDC_FILE_PUBLIC, OIDC_CA_FILE_MAX);
	if (c->n_files == files)
		return;
	if (oidc_ca_file_check(path, true, NULL, &err) != OIDC_OK)
		chk_problem(c, path, CHK_CA_FIX, "%s: %s (%s)", label, err.detail,
			    oidc_status_name(err.status));
}

/* "install -d ... DIR" (and where to set it) for a directory of the user's. */
static void chk_own_dir_fix(const struct chk *c, const char *dir, char *fix, size_t cap)
{
	snprintf(fix, cap, "install -d -o %s -g %s -m 0700 %s, and cache_dir = %s in the "
		 "configuration of this service only (or its PAM argument cache_dir=, SASL "
		 "option oidc_cache_dir)", c->user, c->group, dir, dir);
}

/* The cache directory as cache.c will use it, then a real entry written. */
static void chk_cache(struct chk *c, const char *dir)
{
	struct oidc_error err = { OIDC_OK, "" };
	char fix[CHK_TEXT_MAX], sub[CHK_PATH_MAX], parent[CHK_PATH_MAX], probe[96];
	char owner[CHK_NAME_MAX];
	const char *slash;
	struct stat st;

	if (chk_seen(c, dir) || !chk_reach(c, "cache_dir", dir))
		return;
	if (lstat(dir, &st) != 0) {
		slash = strrchr(dir, '/');
		snprintf(parent, sizeof(parent), "%.*s", slash && slash != dir ?
			 (int)(slash - dir) : 1, slash ? dir : ".");
		if (errno == ENOENT && access(parent, W_OK | X_OK) == 0)
			return; /* the core creates it, 0700, at first use */
		chk_own_dir_fix(c, dir, fix, sizeof(fix));
		chk_problem(c, dir, fix, "cache_dir: does not exist, and %s cannot create it "
			    "in %s", c->user, parent);
		return;
	}
	if (oidc_cache_dir_check(dir, false, &err) != OIDC_OK) {
		if (S_ISDIR(st.st_mode) && st.st_uid != 0 && st.st_uid != c->uid && c->uid == 0)
			snprintf(fix, sizeof(fix), "a root service takes no directory of "
				 "another user (%s could feed it keys): cache_dir = "
				 "/var/cache/oidc-auth, the default, for this service (PAM "
				 "argument cache_dir=, SASL option oidc_cache_dir)",
				 chk_name_of(st.st_uid, owner, sizeof(owner)));
		else if (S_ISDIR(st.st_mode) && !(st.st_mode & 022))
			snprintf(fix, sizeof(fix), "chown %s:%s %s", c->user, c->group, dir);
		else if (S_ISDIR(st.st_mode))
			snprintf(fix, sizeof(fix), "chmod go-w %s", dir);
		else
			chk_own_dir_fix(c, dir, fix, sizeof(fix));
		chk_problem(c, dir, fix, "%s (%s)", err.detail, oidc_status_name(err.status));
		return;
	}
	/* Written as the core writes (temporary file, rename), then removed. */
	snprintf(probe, sizeof(probe), "check-config-probe.%ld", (long)getpid());
	if (oidc_cache_write(dir, probe, "probe", 5, &err) != OIDC_OK) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, c->user);
		chk_own_dir_fix(c, st.st_uid == c->uid ? dir : sub, fix, sizeof(fix));
		chk_problem(c, dir, fix, "cache_dir: %s cannot write it (%s): every process "
			    "then fetches the keys again, and none has the last good keys "
			    "while the provider is down", c->user, err.detail);
		return;
	}
	/* never unlink a truncated (other) path */
	if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, probe) < sizeof(sub))
		(void)unlink(sub);
	c->cache_ok = dir;
}

/* "[issuer NAME] key", or "key" for the single top-level issuer. */
static const char *chk_label(char *buf, size_t cap, const char *sec, const char *key)
{
	if (sec)
		snprintf(buf, cap, "[issuer %s] %s", sec, key);
	else
		snprintf(buf, cap, "%s", key);
	return buf;
}

/* The checks, as whoever runs them; exit code 0 or 2. */
static int chk_run(struct chk *c, char **sets, size_t n_sets)
{
	struct oidc_error err = { OIDC_OK, "" };
	const struct oidc_issuer_cfg *const *list = NULL;
	struct oidc_config *cfg = NULL;
	char label[96], fix[CHK_TEXT_MAX];
	size_t n = 0;

	chk_file(c, "the configuration", c->file, OIDC_FILE_PUBLIC, OIDC_CONFIG_FILE_MAX);
	if (c->n_problems)
		goto report;
	if (cli_parse_config(c->file, NULL, sets, n_sets, &cfg, &err) != OIDC_OK) {
		chk_problem(c, c->file, "correct the line and key named (oidc-auth.conf(5))",
			    "%s (%s)", err.detail, oidc_status_name(err.status));
		goto report;
	}
	n = oidc_config_issuers(cfg, &list);
	for (size_t i = 0; i < n; i++) {
		const struct oidc_issuer_cfg *ic = list[i];
		const char *sec = n > 1 ? ic->name : NULL;

		chk_file(c, chk_label(label, sizeof(label), sec, "jwks_file"),
			 ic->jwks_file, OIDC_FILE_PUBLIC, OIDC_JWKS_MAX);
		chk_file(c, chk_label(label, sizeof(label), sec, "hmac_secret_file"),
			 ic->hmac_secret_file, OIDC_FILE_SECRET, OIDC_SECRET_MAX + 1);
		chk_file(c, chk_label(label, sizeof(label), sec, "client_secret_file"),
			 ic->client_secret_file, OIDC_FILE_SECRET, OIDC_SECRET_MAX + 1);
		chk_ca(c, chk_label(label, sizeof(label), sec, "ca_file"), ic->ca_file);
		for (size_t j = 0; j < ic->n_username_map; j++)
			if (ic->username_map[j].op == OIDC_MAP_FILE)
				chk_file(c, chk_label(label, sizeof(label), sec,
						      "username_map map_file"),
					 ic->username_map[j].arg, OIDC_FILE_PUBLIC,
					 OIDC_CONFIG_FILE_MAX);
	}
	/* The core's own rules (owners and modes of secrets, file contents):
	 * what is left once every file could be opened. */
	if (!c->n_problems && oidc_config_finish(cfg, &err) != OIDC_OK) {
		snprintf(fix, sizeof(fix), "correct what the detail names; a secret must "
			 "belong to %s or root, mode 0600", c->user);
		chk_problem(c, c->file, fix, "%s (%s)", err.detail,
			    oidc_status_name(err.status));
	}
	for (size_t i = 0; i < n; i++)
		if (oidc_keysource_uses_cache(list[i]))
			chk_cache(c, list[i]->cache_dir);
report:
	if (c->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:O}", "result",
				      c->n_problems ? "error" : "ok", "file", c->file,
				      "user", c->user, "uid", (json_int_t)c->uid,
				      "problems", c->problems);

		cli_json(stdout, o);
		json_decref(o);
	} else if (!c->n_problems) {
		char files[64] = "";

		/* n_files counts the configuration itself */
		if (c->n_files > 1)
			snprintf(files, sizeof(files), ", and the %zu file%s it names",
				 c->n_files - 1, c->n_files == 2 ? "" : "s");
		cli_line(stdout, "ok: as %s (uid %ld): %s is readable%s%s%s%s", c->user,
			 (long)c->uid, c->file, files, c->cache_ok ? "; cache_dir " : "",
			 c->cache_ok ? c->cache_ok : "", c->cache_ok ? " is usable" : "");
	}
	oidc_config_free(&cfg);
	return c->n_problems ? 2 : 0;
}

/* Primary group only, then the user; false unless no privilege is left. */
static bool chk_become(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		return false;
	if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
		return false;
	return uid == 0 || setuid(0) != 0;
}

static int chk_as_user(const char *user, const char *file, char **sets, size_t n_sets,
		       bool json)
{
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	char pwbuf[CHK_PWBUF_MAX], grbuf[CHK_PWBUF_MAX];
	struct chk c = { .json = json, .file = file };
	int status = 0, rc;
	pid_t pid;

	if (getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &pwr) != 0 || !pwr) {
		cli_line(stderr, "oidc-auth: --as-user: no user '%s'", user);
		return 2;
	}
	if (geteuid() != 0 && geteuid() != pw.pw_uid) {
		cli_line(stderr, "oidc-auth: --as-user %s needs root (it runs the check "
			 "as %s in a child process)", user, user);
		return 2;
	}
	snprintf(c.user, sizeof(c.user), "%s", pw.pw_name);
	c.uid = pw.pw_uid;
	c.gid = pw.pw_gid;
	if (getgrgid_r(pw.pw_gid, &gr, grbuf, sizeof(grbuf), &grr) == 0 && grr)
		snprintf(c.group, sizeof(c.group), "%s", grr->gr_name);
	else
		snprintf(c.group, sizeof(c.group), "%ld", (long)pw.pw_gid);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		cli_line(stderr, "oidc-auth: fork: %s", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		if (geteuid() != pw.pw_uid && !chk_become(pw.pw_uid, pw.pw_gid)) {
			cli_line(stderr, "oidc-auth: cannot switch to %s", c.user);
			_exit(2);
		}
		c.problems = json ? json_array() : NULL;
		rc = chk_run(&c, sets, n_sets);
		json_decref(c.problems);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

/*
 * The loaded configuration read only the first certificate of each
 * ca_file (every login loads it): here every block, as libcurl will.
 */
static enum oidc_status chk_ca_bundles(const struct oidc_config *cfg, struct oidc_error *err)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n = oidc_config_issuers(cfg, &list);
	struct oidc_error e = { OIDC_OK, "" };

	for (size_t i = 0; i < n; i++) {
		if (!list[i]->ca_file || oidc_ca_file_check(list[i]->ca_file, true, NULL,
							    &e) == OIDC_OK)
			continue;
		if (n > 1)
			return oidc_err(err, e.status, "[issuer %s] ca_file: %s", list[i]->name,
					e.detail);
		return oidc_err(err, e.status, "ca_file: %s", e.detail);
	}
	return OIDC_OK;
}

/*
 * Run as root for a configuration whose cache_dir belongs to a service
 * user: a process of any other user refuses that directory, so say whom
 * the file is for and how to check it as that user.
 */
static void chk_owner_notes(const struct oidc_config *cfg, const char *file)
{
	const struct oidc_issuer_cfg *const *list = NULL;
	size_t n = oidc_config_issuers(cfg, &list);
	char owner[CHK_NAME_MAX];
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		const char *dir = list[i]->cache_dir;
		bool again = false;

		if (!oidc_keysource_uses_cache(list[i]) || lstat(dir, &st) != 0 ||
		    st.st_uid == 0 || st.st_uid == geteuid())
			continue;
		for (size_t j = 0; j < i; j++)
			again = again || (list[j]->cache_dir && !strcmp(list[j]->cache_dir, dir));
		if (again)
			continue;
		chk_name_of(st.st_uid, owner, sizeof(owner));
		cli_line(stderr, "oidc-auth: note: cache_dir %s belongs to %s: this "
			 "configuration is for a service running as %s (other users' "
			 "processes refuse the directory); check it as that user: "
			 "oidc-auth check-config --as-user %s %s", dir, owner, owner,
			 owner, file);
	}
}

int cli_cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "as-user", required_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct oidc_error err = { OIDC_OK, "" };
	struct oidc_config *cfg = NULL;
	char **sets = calloc((size_t)argc, sizeof(*sets));
	const char *as_user = NULL;
	size_t n_sets = 0;
	bool json = false;
	int c, rc = 2;

	if (!sets)
		return 2;
	while ((c = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sets[n_sets++] = optarg; break;
		case 'A': as_user = optarg; break;
		case 'j': json = true; break;
		case 'h':
			fputs(usage_check, stdout);
			rc = 0;
			goto out;
		default:
			rc = fail_usage("bad option");
			goto out;
		}
	}
	if (argc - optind != 1) {
		rc = fail_usage("give one configuration file");
		goto out;
	}
	if (as_user) {
		rc = chk_as_user(as_user, argv[optind], sets, n_sets, json);
		goto out;
	}
	if (cli_load_config(argv[optind], NULL, sets, n_sets, &cfg, &err) != OIDC_OK ||
	    chk_ca_bundles(cfg, &err) != OIDC_OK) {
		rc = cli_print_failure(&err, NULL, NULL, json);
		goto out;
	}
	chk_owner_notes(cfg, argv[optind]);
	rc = cli_print_config(cfg, argv[optind], json);
out:
	oidc_config_free(&cfg);
	free(sets);
	return rc;
}
