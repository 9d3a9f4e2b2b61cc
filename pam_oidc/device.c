/* SPDX-License-Identifier: MIT */
/*
 * device.c - placeholder until the core's RFC 8628 client lands in main:
 * device mode fails closed as a configuration error.
 */
#include <syslog.h>

#include <security/pam_ext.h>

#include "pam_oidc.h"

enum oidc_status pam_oidc_device_login(pam_handle_t *pamh,
				       const struct pam_oidc_opts *opts,
				       struct pam_oidc_handle *h,
				       const char *pam_user,
				       struct oidc_result **res_out,
				       struct oidc_audit *audit)
{
	(void)opts;
	(void)h;
	(void)pam_user;
	(void)res_out;
	(void)audit;
	pam_syslog(pamh, LOG_ERR, "device mode needs the core device flow");
	return OIDC_E_CONFIG;
}
