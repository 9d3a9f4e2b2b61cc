/* SPDX-License-Identifier: MIT */
/*
 * device.c - RFC 8628 device authorization through the PAM conversation.
 *
 * The verification URI, the user code and a QR code of
 * verification_uri_complete go into the text of one PAM_PROMPT_ECHO_ON
 * message answered with Enter: OpenSSH shows PAM_TEXT_INFO only together
 * with the next prompt, so a separate info message would arrive too late.
 * Then the token endpoint is polled as the core says (interval, slow_down,
 * expires_in, device_timeout) and the token received is validated like a
 * token typed as the password.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "pam_oidc.h"

/* bounds a misbehaving poll loop whatever the core says (device_timeout
 * is at most 3600 s) */
#define DEVICE_HARD_LIMIT_S 3700
#define PROMPT_MAX 16384

static void sleep_seconds(int s)
{
	struct timespec ts = { s > 0 ? s : 1, 0 };

	/* no signal handlers of ours: restart after the host's signals */
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t monotonic_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

/* Show the instructions as the text of a prompt; the answer is ignored. */
static enum oidc_status show_instructions(pam_handle_t *pamh,
					  const struct pam_oidc_opts *opts,
					  const struct oidc_device_auth *da,
					  const char *pam_user)
{
	const char *full = oidc_device_verification_uri_complete(da);
	char user[65];
	char *qr = NULL, *prompt = NULL, *answer = NULL;
	enum oidc_status st = OIDC_E_NOMEM;
	int n;

	oidc_log_escape(user, sizeof(user), pam_user);
	if (full && opts->qr != PAM_OIDC_QR_OFF)
		qr = oidc_qr_text(full, opts->qr == PAM_OIDC_QR_ASCII);
	prompt = malloc(PROMPT_MAX);
	if (!prompt)
		goto out;
	n = snprintf(prompt, PROMPT_MAX,
		     "To log in as %s, open %s\nand enter the code: %s\n%s%s"
		     "\nPress Enter once you have signed in: ",
		     user, oidc_device_verification_uri(da),
		     oidc_device_user_code(da),
		     qr ? "\nOr scan this QR code with your phone:\n" : "",
		     qr ? qr : "");
	if (n < 0 || n >= PROMPT_MAX) {
		st = OIDC_E_INTERNAL;
		goto out;
	}
	if (pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &answer, "%s", prompt) !=
	    PAM_SUCCESS) {
		st = OIDC_E_BAD_REQUEST; /* the service cannot converse */
		goto out;
	}
	st = OIDC_OK;
out:
	if (answer) {
		explicit_bzero(answer, strlen(answer));
		free(answer);
	}
	free(prompt);
	free(qr);
	return st;
}

static enum oidc_status poll_tokens(pam_handle_t *pamh,
				    const struct pam_oidc_opts *opts,
				    struct oidc_ctx *ctx,
				    struct oidc_device_auth *da,
				    struct oidc_tokens **tokens_out)
{
	struct oidc_error err = { OIDC_OK, "" };
	int64_t give_up = monotonic_s() + DEVICE_HARD_LIMIT_S;
	enum oidc_status st;
	int polls = 0;

	for (;;) {
		st = oidc_device_poll(ctx, da, tokens_out, &err);
		polls++;
		if (st != OIDC_E_AUTH_PENDING)
			break;
		if (monotonic_s() > give_up) {
			st = OIDC_E_DEVICE_EXPIRED;
			break;
		}
		sleep_seconds(oidc_device_interval(da));
	}
	if (opts->debug)
		pam_syslog(pamh, LOG_DEBUG, "device flow: %d polls, %s%s%s",
			   polls, oidc_status_name(st),
			   err.detail[0] ? ": " : "", err.detail);
	return st;
}

enum oidc_status pam_oidc_device_login(pam_handle_t *pamh,
				       const struct pam_oidc_opts *opts,
				       struct pam_oidc_handle *h,
				       const char *pam_user,
				       struct oidc_result **res_out,
				       char **token_out,
				       struct oidc_audit *audit,
				       struct oidc_error *err)
{
	struct oidc_device_auth *da = NULL;
	struct oidc_tokens *tokens = NULL;
	enum oidc_status st;
	const char *tok;

	st = oidc_device_start(h->ctx, NULL, &da, err);
	if (st != OIDC_OK) {
		if (opts->debug)
			pam_syslog(pamh, LOG_DEBUG, "device start: %s: %s",
				   oidc_status_name(st), err->detail);
		goto out;
	}
	st = show_instructions(pamh, opts, da, pam_user);
	if (st != OIDC_OK)
		goto out;
	st = poll_tokens(pamh, opts, h->ctx, da, &tokens);
	if (st != OIDC_OK)
		goto out;
	/* OIDC Core 3.1.3.7 rules for ID tokens are the core's business */
	tok = h->accept_id_tokens && tokens->id_token ? tokens->id_token :
							  tokens->access_token;
	st = oidc_validate(h->ctx, tok, strlen(tok),
			   opts->user_case == PAM_OIDC_CASE_EXACT ? pam_user :
								    NULL,
			   res_out, audit, err);
	if (st != OIDC_OK && opts->debug && err->detail[0])
		pam_syslog(pamh, LOG_DEBUG, "%s: %s", oidc_status_name(st),
			   err->detail);
	if (st == OIDC_OK && !(*token_out = strdup(tok))) {
		oidc_result_free(res_out);
		st = OIDC_E_NOMEM;
	}
out:
	oidc_tokens_free(&tokens);
	oidc_device_free(&da);
	return st;
}
