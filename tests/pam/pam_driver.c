/* SPDX-License-Identifier: MIT */
/*
 * pam_driver.c - runs a real libpam transaction from a private service
 * folder (pam_start_confdir, Linux-PAM >= 1.4) for tests/pam. Unlike
 * pamtester it answers with secrets of any length.
 *
 *   pam_driver CONFDIR SERVICE USER [auth] [acct] [open] [close] [env]
 *
 * Environment:
 *   PAM_DRIVER_SECRET  file whose bytes (one trailing '\n' removed) answer
 *                      PAM_PROMPT_ECHO_OFF (and ECHO_ON unless
 *                      PAM_DRIVER_ECHO_ON is set);
 *   PAM_DRIVER_ECHO_ON answer to PAM_PROMPT_ECHO_ON ("" = just Enter);
 *   PAM_DRIVER_WAIT    a file: ECHO_ON is answered once it exists (the test
 *                      creates it after approving a device login);
 *   PAM_DRIVER_LOG     file receiving every message and prompt;
 *   PAM_DRIVER_REPEAT  run the whole transaction N times in this process
 *                      (profiling a long-lived host); prints the mean
 *                      "us_per_transaction=" on stderr.
 *
 * Prints one line per step, "auth=PAM_SUCCESS", and with "env" the PAM
 * environment as "env NAME=VALUE" lines. Exit 0 unless it could not run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define SECRET_MAX (1 << 20)

struct driver {
	char *secret;
	const char *echo_on;
	const char *wait_file;
	FILE *log;
};

static char *read_secret(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(SECRET_MAX + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, SECRET_MAX, f);
	fclose(f);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return buf;
}

static void wait_for(const char *path)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	/* at most 120 s: the module's device_timeout is shorter */
	for (i = 0; path && i < 2400 && access(path, F_OK) != 0; i++)
		nanosleep(&ts, NULL);
}

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp_out, void *arg)
{
	struct driver *d = arg;
	struct pam_response *resp = calloc((size_t)n, sizeof(*resp));
	const char *answer;
	int i;

	if (!resp)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if (d->log) {
			fprintf(d->log, "[%d] %s\n", style, msg[i]->msg);
			fflush(d->log);
		}
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		answer = d->secret ? d->secret : "";
		if (style == PAM_PROMPT_ECHO_ON && d->echo_on) {
			wait_for(d->wait_file);
			answer = d->echo_on;
		}
		resp[i].resp = strdup(answer);
		if (!resp[i].resp)
			goto fail;
	}
	*resp_out = resp;
	return PAM_SUCCESS;
fail:
	while (i-- > 0)
		free(resp[i].resp);
	free(resp);
	return PAM_CONV_ERR;
}

static const char *rc_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_SESSION_ERR: return "PAM_SESSION_ERR";
	case PAM_CRED_INSUFFICIENT: return "PAM_CRED_INSUFFICIENT";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_ABORT: return "PAM_ABORT";
	default: return "PAM_OTHER";
	}
}

static int atoi_bounded(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return (*end || v < 1 || v > 1000000) ? 1 : (int)v;
}

/* One pam_start .. pam_end; prints the step results when show. */
static int run_transaction(struct pam_conv *pc, int argc, char **argv,
			   int show)
{
	pam_handle_t *pamh = NULL;
	char **env;
	int rc, i;

	rc = pam_start_confdir(argv[2], argv[3], pc, argv[1], &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start_confdir: %s\n", rc_name(rc));
		return -1;
	}
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "auth") == 0) {
			rc = pam_authenticate(pamh, 0);
		} else if (strcmp(argv[i], "acct") == 0) {
			rc = pam_acct_mgmt(pamh, 0);
		} else if (strcmp(argv[i], "open") == 0) {
			rc = pam_open_session(pamh, 0);
		} else if (strcmp(argv[i], "close") == 0) {
			rc = pam_close_session(pamh, 0);
		} else if (strcmp(argv[i], "env") == 0) {
			env = pam_getenvlist(pamh);
			for (int j = 0; env && env[j]; j++) {
				if (show)
					printf("env %s\n", env[j]);
				free(env[j]);
			}
			free(env);
			continue;
		} else {
			fprintf(stderr, "unknown step %s\n", argv[i]);
			rc = PAM_ABORT;
		}
		if (show)
			printf("%s=%s\n", argv[i], rc_name(rc));
	}
	fflush(stdout);
	pam_end(pamh, rc);
	return 0;
}

int main(int argc, char **argv)
{
	struct driver d = { NULL, NULL, NULL, NULL };
	struct pam_conv pc = { conv, &d };
	struct timespec t0, t1;
	const char *p;
	int repeat, r;

	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFDIR SERVICE USER [steps]\n",
			argv[0]);
		return 2;
	}
	p = getenv("PAM_DRIVER_SECRET");
	if (p && !(d.secret = read_secret(p))) {
		fprintf(stderr, "cannot read %s: %s\n", p, strerror(errno));
		return 2;
	}
	d.echo_on = getenv("PAM_DRIVER_ECHO_ON");
	d.wait_file = getenv("PAM_DRIVER_WAIT");
	p = getenv("PAM_DRIVER_LOG");
	if (p)
		d.log = fopen(p, "a");
	repeat = getenv("PAM_DRIVER_REPEAT") ? atoi_bounded(getenv("PAM_DRIVER_REPEAT")) : 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 0; r < repeat; r++) {
		if (run_transaction(&pc, argc, argv, r == repeat - 1) != 0)
			return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (repeat > 1)
		fprintf(stderr, "us_per_transaction=%.1f\n",
			((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / repeat);
	if (d.secret) {
		memset(d.secret, 0, strlen(d.secret));
		free(d.secret);
	}
	if (d.log)
		fclose(d.log);
	return 0;
}
