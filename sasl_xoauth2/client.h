/* SPDX-License-Identifier: MIT */
/* client.h - the client mechanisms (OAUTHBEARER, XOAUTH2). */
#ifndef OIDC_SASL_CLIENT_H
#define OIDC_SASL_CLIENT_H

#include "plugin.h"

int xo_client_plug_init(const sasl_utils_t *utils, int maxversion, int *out_version,
			sasl_client_plug_t **pluglist, int *plugcount);

#endif /* OIDC_SASL_CLIENT_H */
