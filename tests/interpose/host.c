/* SPDX-License-Identifier: MIT */
/*
 * host.c - a host program like postgres for tests/interpose: it exports
 * (built with -rdynamic) functions named like jansson's, with definitions
 * that crash when called, as PostgreSQL's SQL function json_object does
 * when a library's json_object() call binds to it. Then it loads the
 * plugins through the real libraries: pam_oidc through libpam
 * (pam_start_confdir), the SASL plugin through libsasl2.
 *
 *   host pam CONFDIR SERVICE USER TOKENFILE [N]
 *       N transactions (default 1) in this process: "auth=PAM_..." each
 *   host sasl PLUGDIR CONFDIR TOKENFILE [N]
 *       N OAUTHBEARER exchanges (a=USER from $HOST_SASL_USER, default
 *       alice): "sasl=SASL_..." each, "saslog: ..." for the plugin's log
 *
 * Built with -DEXPORT_CRYPTO it also exports EVP_DigestVerify and
 * curl_easy_init, functions the core really calls; with -DEXPORT_PAM it
 * exports pam_prompt, which pam_oidc calls from libpam. Exit status 0
 * unless it could not run (a crash is a signal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sasl/sasl.h>
#include <security/pam_appl.h>

#define SECRET_MAX (1 << 20)
#define EXPORTED __attribute__((visibility("default"), used, noinline))

/* What postgres' json_object does with a jansson caller's arguments. */
static void crash(const char *name)
{
	fprintf(stderr, "host: the plugin called the host's %s\n", name);
	fflush(stderr);
	*(volatile int *)(size_t)8 = 1;
}

/* Incompatible on purpose: other arguments, other results. */
#define CRASHER(name) \
	EXPORTED int name(int a, int b); \
	EXPORTED int name(int a, int b) { (void)a; (void)b; crash(#name); return -1; }

CRASHER(json_object)
CRASHER(json_object_get)
CRASHER(json_object_set_new)
CRASHER(json_object_setn_new)
CRASHER(json_string)
CRASHER(json_stringn)
CRASHER(json_string_value)
CRASHER(json_string_length)
CRASHER(json_integer)
CRASHER(json_integer_value)
CRASHER(json_real)
CRASHER(json_true)
CRASHER(json_false)
CRASHER(json_null)
CRASHER(json_array)
CRASHER(json_array_get)
CRASHER(json_array_size)
CRASHER(json_loads)
CRASHER(json_loadb)
CRASHER(json_dumps)
CRASHER(json_delete)
#ifdef EXPORT_CRYPTO
CRASHER(EVP_DigestVerify)
CRASHER(curl_easy_init)
#endif
#ifdef EXPORT_PAM
CRASHER(pam_prompt)
#endif

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
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp_out,
		void *arg)
{
	struct pam_response *resp = calloc((size_t)n, sizeof(*resp));

	if (!resp)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		resp[i].resp = strdup(arg);
		if (!resp[i].resp) {
			while (i-- > 0)
				free(resp[i].resp);
			free(resp);
			return PAM_CONV_ERR;
		}
	}
	*resp_out = resp;
	return PAM_SUCCESS;
}

static const char *pam_rc(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_IGNORE: return "PAM_IGNORE";
	}
	return "PAM_other";
}

static int run_pam(int argc, char **argv)
{
	char *token;
	int n = argc > 6 ? atoi(argv[6]) : 1;

	if (argc < 6 || !(token = read_secret(argv[5])))
		return 2;
	for (int i = 0; i < n; i++) {
		struct pam_conv pc = { conv, token };
		pam_handle_t *pamh = NULL;
		int rc = pam_start_confdir(argv[3], argv[4], &pc, argv[2], &pamh);

		if (rc != PAM_SUCCESS) {
			printf("pam_start=%s\n", pam_rc(rc));
			return 2;
		}
		rc = pam_authenticate(pamh, 0);
		printf("auth=%s\n", pam_rc(rc));
		fflush(stdout);
		pam_end(pamh, rc);
	}
	free(token);
	return 0;
}

static const char *sasl_rc(int rc)
{
	switch (rc) {
	case SASL_OK: return "SASL_OK";
	case SASL_CONTINUE: return "SASL_CONTINUE";
	case SASL_FAIL: return "SASL_FAIL";
	case SASL_BADAUTH: return "SASL_BADAUTH";
	case SASL_NOMECH: return "SASL_NOMECH";
	case SASL_BADPROT: return "SASL_BADPROT";
	case SASL_TRYAGAIN: return "SASL_TRYAGAIN";
	case SASL_UNAVAIL: return "SASL_UNAVAIL";
	}
	return "SASL_other";
}

static const char *plugdir, *confdir;

static int getpath(void *context, const char **path)
{
	(void)context;
	*path = plugdir;
	return SASL_OK;
}

static int getconfpath(void *context, char **path)
{
	(void)context;
	*path = (char *)confdir;
	return SASL_OK;
}

static int saslog(void *context, int level, const char *message)
{
	(void)context;
	printf("saslog: %d %s\n", level, message);
	fflush(stdout);
	return SASL_OK;
}

static int run_sasl(int argc, char **argv)
{
	static sasl_callback_t cbs[] = {
		{ SASL_CB_GETPATH, (int (*)(void))(void (*)(void))getpath, NULL },
		{ SASL_CB_GETCONFPATH, (int (*)(void))(void (*)(void))getconfpath, NULL },
		{ SASL_CB_LOG, (int (*)(void))(void (*)(void))saslog, NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	const char *user = getenv("HOST_SASL_USER") ? getenv("HOST_SASL_USER") : "alice";
	int n = argc > 5 ? atoi(argv[5]) : 1, rc;
	char *token, *msg;
	size_t len;

	if (argc < 5 || !(token = read_secret(argv[4])))
		return 2;
	plugdir = argv[2];
	confdir = argv[3];
	len = strlen(token) + strlen(user) + 32;
	msg = malloc(len);
	if (!msg)
		return 2;
	/* RFC 7628 3.1: gs2 header, then auth=Bearer in a kvpair */
	len = (size_t)snprintf(msg, len, "n,a=%s,\001auth=Bearer %s\001\001", user, token);
	rc = sasl_server_init(cbs, "oidctest");
	if (rc != SASL_OK) {
		printf("sasl_server_init=%s\n", sasl_rc(rc));
		return 2;
	}
	for (int i = 0; i < n; i++) {
		sasl_conn_t *conn = NULL;
		const char *out = NULL;
		unsigned outlen = 0;

		rc = sasl_server_new("oidctest", "mx.example.test", NULL, NULL, NULL, NULL, 0,
				     &conn);
		if (rc != SASL_OK) {
			printf("sasl_server_new=%s\n", sasl_rc(rc));
			return 2;
		}
		rc = sasl_server_start(conn, "OAUTHBEARER", msg, (unsigned)len, &out, &outlen);
		/* RFC 7628 3.2.3: the error challenge is answered with %x01 */
		if (rc == SASL_CONTINUE && outlen > 0)
			rc = sasl_server_step(conn, "\001", 1, &out, &outlen);
		printf("sasl=%s\n", sasl_rc(rc));
		fflush(stdout);
		sasl_dispose(&conn);
	}
	sasl_server_done();
	free(msg);
	free(token);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "pam") == 0)
		return run_pam(argc, argv);
	if (argc > 1 && strcmp(argv[1], "sasl") == 0)
		return run_sasl(argc, argv);
	fprintf(stderr, "usage: host pam|sasl ...\n");
	return 2;
}
