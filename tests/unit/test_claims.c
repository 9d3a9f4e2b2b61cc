/* SPDX-License-Identifier: MIT */
/*
 * test_claims.c - oidc_claims_check (checklist D2-D5, D7, D8, E1).
 *
 * Claim sets are JSON text literals parsed in place with oidc_jdoc_parse
 * from a writable copy, as validate.c parses a decoded payload (they are
 * claim sets, not tokens). The clock is pinned at NOW = 1700000000 with
 * a leeway of 60 s, so the boundaries are:
 *   now - leeway = 1699999940 (exp here: expired), 1699999941 (valid)
 *   now + leeway = 1700000060 (nbf/iat here: valid), 1700000061 (future)
 * The time grid at the end checks the overflow-free comparisons against an
 * independent 128-bit oracle for extreme now/leeway/claim values.
 */
#include <inttypes.h>
#include <stdint.h>

#include "internal.h"
#include "testutil.h"

#define NOW INT64_C(1700000000)
#define LEEWAY 60

#define AUD "\"aud\":\"api://mail\""
#define EXP "\"exp\":1700003600"
#define OK_CLAIMS AUD "," EXP
#define GRAPH "00000003-0000-0000-c000-000000000000"

enum cfg_id {
	CFG_BASE,       /* audience, accept_typ at+jwt jwt absent */
	CFG_STRICT_TYP, /* accept_typ at+jwt only */
	CFG_NO_LEEWAY,
	CFG_AZP,
	CFG_SCOPES,     /* mail.read mail.send */
	CFG_CLAIMS,     /* groups, amr, acr */
	CFG_TYPES,      /* level=2|true: only strings may match */
	CFG_ALL,        /* azp + scopes + claims, for the order of checks */
	CFG_CLIENTS,    /* accept_clients cognito-app mail-app (issue 11) */
	CFG_CLIENTS_AZP, /* accept_clients and azp mail-app */
	CFG_COUNT
};

struct claims_case {
	const char *name;
	enum cfg_id cfg;
	const char *typ;  /* header typ, NULL when absent */
	const char *json; /* claim set */
	enum oidc_status want;
};

static const struct claims_case cases[] = {
	{ "minimal valid", CFG_BASE, "at+jwt", "{" OK_CLAIMS "}", OIDC_OK },

	/* D8: sender-constrained tokens (RFC 9449 6, RFC 8705 3) */
	{ "cnf jkt (DPoP-bound)", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}}",
	  OIDC_E_TOKEN_BOUND },
	{ "cnf x5t#S256 (mTLS-bound)", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"cnf\":{\"x5t#S256\":\"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2\"}}",
	  OIDC_E_TOKEN_BOUND },
	{ "cnf null still bound", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"cnf\":null}",
	  OIDC_E_TOKEN_BOUND },
	{ "cnf wins over everything", CFG_BASE, "dpop+jwt",
	  "{\"cnf\":{},\"aud\":\"other\",\"exp\":1}", OIDC_E_TOKEN_BOUND },

	/* D5: typ (RFC 9068 2.1, RFC 7515 4.1.9) */
	{ "typ at+jwt", CFG_BASE, "at+jwt", "{" OK_CLAIMS "}", OIDC_OK },
	{ "typ AT+JWT", CFG_BASE, "AT+JWT", "{" OK_CLAIMS "}", OIDC_OK },
	{ "typ application/at+jwt", CFG_BASE, "application/at+jwt", "{" OK_CLAIMS "}",
	  OIDC_OK },
	{ "typ Application/At+Jwt", CFG_BASE, "Application/At+Jwt", "{" OK_CLAIMS "}",
	  OIDC_OK },
	{ "typ JWT", CFG_BASE, "JWT", "{" OK_CLAIMS "}", OIDC_OK },
	{ "typ jwt", CFG_BASE, "jwt", "{" OK_CLAIMS "}", OIDC_OK },
	{ "typ application/jwt", CFG_BASE, "application/jwt", "{" OK_CLAIMS "}", OIDC_OK },
	{ "typ absent, absent accepted", CFG_BASE, NULL, "{" OK_CLAIMS "}", OIDC_OK },
	{ "typ dpop+jwt", CFG_BASE, "dpop+jwt", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ application/dpop+jwt", CFG_BASE, "application/dpop+jwt",
	  "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ logout+jwt", CFG_BASE, "logout+jwt", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ secevent+jwt", CFG_BASE, "secevent+jwt", "{" OK_CLAIMS "}",
	  OIDC_E_WRONG_TYP },
	{ "typ text/at+jwt", CFG_BASE, "text/at+jwt", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ application/ alone", CFG_BASE, "application/", "{" OK_CLAIMS "}",
	  OIDC_E_WRONG_TYP },
	{ "typ application/application/at+jwt", CFG_BASE, "application/application/at+jwt",
	  "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ empty string", CFG_BASE, "", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ literally absent", CFG_BASE, "absent", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ at+jwt with trailing space", CFG_BASE, "at+jwt ", "{" OK_CLAIMS "}",
	  OIDC_E_WRONG_TYP },
	{ "typ prefix at+jw", CFG_BASE, "at+jw", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ longer at+jwtx", CFG_BASE, "at+jwtx", "{" OK_CLAIMS "}", OIDC_E_WRONG_TYP },
	{ "typ absent, absent not accepted", CFG_STRICT_TYP, NULL, "{" OK_CLAIMS "}",
	  OIDC_E_WRONG_TYP },
	{ "typ JWT, only at+jwt accepted", CFG_STRICT_TYP, "JWT", "{" OK_CLAIMS "}",
	  OIDC_E_WRONG_TYP },
	{ "typ at+jwt, only at+jwt accepted", CFG_STRICT_TYP, "at+jwt", "{" OK_CLAIMS "}",
	  OIDC_OK },

	/* D2: aud */
	{ "aud missing", CFG_BASE, "at+jwt", "{" EXP "}", OIDC_E_NO_AUDIENCE },
	{ "aud missing, client_id but no accept_clients", CFG_AZP, "at+jwt",
	  "{" EXP ",\"client_id\":\"mail-client\"}", OIDC_E_NO_AUDIENCE },

	/* Issue 11 item 2: without aud only accept_clients binds (Cognito
	 * access tokens: client_id and token_use, no aud, no typ header) */
#define COGNITO EXP ",\"sub\":\"8f14e45f\",\"username\":\"alice\",\"scope\":\"mail/access\""
	{ "Cognito access token, client listed", CFG_CLIENTS, NULL,
	  "{" COGNITO ",\"client_id\":\"cognito-app\",\"token_use\":\"access\"}", OIDC_OK },
	{ "Cognito access token, second client listed", CFG_CLIENTS, NULL,
	  "{" COGNITO ",\"client_id\":\"mail-app\",\"token_use\":\"access\"}", OIDC_OK },
	{ "Cognito access token, client not listed", CFG_CLIENTS, NULL,
	  "{" COGNITO ",\"client_id\":\"webapp\",\"token_use\":\"access\"}",
	  OIDC_E_CLIENT_NOT_ACCEPTED },
	{ "Cognito ID token (token_use id), client listed", CFG_CLIENTS, NULL,
	  "{" COGNITO ",\"client_id\":\"cognito-app\",\"token_use\":\"id\"}",
	  OIDC_E_WRONG_TYP },
	/* a real Cognito ID token has aud = the app client: what it is (token_use)
	 * is said before the aud that is no audience here */
	{ "Cognito ID token (aud the app client, token_use id), client listed",
	  CFG_CLIENTS, NULL, "{" COGNITO ",\"aud\":\"cognito-app\",\"token_use\":\"id\"}",
	  OIDC_E_WRONG_TYP },
	{ "token_use id, aud of another service", CFG_BASE, NULL,
	  "{\"aud\":\"api://calendar\"," EXP ",\"token_use\":\"id\"}", OIDC_E_WRONG_TYP },
	{ "Cognito access token, token_use not a string", CFG_CLIENTS, NULL,
	  "{" COGNITO ",\"client_id\":\"cognito-app\",\"token_use\":1}", OIDC_E_BAD_CLAIM },
	{ "no aud, no token_use, client listed (introspection-like)", CFG_CLIENTS, NULL,
	  "{" EXP ",\"client_id\":\"mail-app\"}", OIDC_OK },
	{ "no aud, azp listed", CFG_CLIENTS, NULL, "{" EXP ",\"azp\":\"mail-app\"}", OIDC_OK },
	{ "no aud, neither azp nor client_id", CFG_CLIENTS, NULL, "{" EXP "}",
	  OIDC_E_CLIENT_NOT_ACCEPTED },
	{ "no aud, azp listed, client_id not", CFG_CLIENTS, NULL,
	  "{" EXP ",\"azp\":\"mail-app\",\"client_id\":\"webapp\"}",
	  OIDC_E_CLIENT_NOT_ACCEPTED },
	{ "no aud, client_id listed, azp not", CFG_CLIENTS, NULL,
	  "{" EXP ",\"azp\":\"webapp\",\"client_id\":\"mail-app\"}",
	  OIDC_E_CLIENT_NOT_ACCEPTED },
	{ "no aud, client_id a number", CFG_CLIENTS, NULL, "{" EXP ",\"client_id\":5}",
	  OIDC_E_BAD_CLAIM },
	{ "no aud, client_id other case", CFG_CLIENTS, NULL,
	  "{" EXP ",\"client_id\":\"Mail-App\"}", OIDC_E_CLIENT_NOT_ACCEPTED },
	{ "aud of another service, client listed: RFC 7519 4.1.3 wins", CFG_CLIENTS, NULL,
	  "{\"aud\":\"api://calendar\"," EXP ",\"client_id\":\"mail-app\"}",
	  OIDC_E_WRONG_AUDIENCE },
	{ "aud ours, client not listed: accept_clients restricts nothing", CFG_CLIENTS, NULL,
	  "{" OK_CLAIMS ",\"client_id\":\"webapp\"}", OIDC_OK },
	{ "no aud, expired, client listed", CFG_CLIENTS, NULL,
	  "{\"exp\":1,\"client_id\":\"mail-app\"}", OIDC_E_EXPIRED },
	{ "no aud, client in accept_clients but not in azp", CFG_CLIENTS_AZP, NULL,
	  "{" EXP ",\"client_id\":\"cognito-app\"}", OIDC_E_WRONG_AZP },
	{ "no aud, client in accept_clients and azp", CFG_CLIENTS_AZP, NULL,
	  "{" EXP ",\"client_id\":\"mail-app\"}", OIDC_OK },
	{ "token_use access with our aud", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"token_use\":\"access\"}", OIDC_OK },
	{ "token_use id with our aud (audience = the client id by mistake)", CFG_BASE,
	  "at+jwt", "{" OK_CLAIMS ",\"token_use\":\"id\"}", OIDC_E_WRONG_TYP },
#undef COGNITO
	{ "aud null", CFG_BASE, "at+jwt", "{\"aud\":null," EXP "}", OIDC_E_BAD_CLAIM },
	{ "aud empty array", CFG_BASE, "at+jwt", "{\"aud\":[]," EXP "}", OIDC_E_BAD_CLAIM },
	{ "aud number", CFG_BASE, "at+jwt", "{\"aud\":5," EXP "}", OIDC_E_BAD_CLAIM },
	{ "aud true", CFG_BASE, "at+jwt", "{\"aud\":true," EXP "}", OIDC_E_BAD_CLAIM },
	{ "aud object", CFG_BASE, "at+jwt", "{\"aud\":{\"api://mail\":1}," EXP "}",
	  OIDC_E_BAD_CLAIM },
	{ "aud array with number", CFG_BASE, "at+jwt", "{\"aud\":[5]," EXP "}",
	  OIDC_E_BAD_CLAIM },
	{ "aud array match then number", CFG_BASE, "at+jwt",
	  "{\"aud\":[\"api://mail\",5]," EXP "}", OIDC_E_BAD_CLAIM },
	{ "aud array with nested array", CFG_BASE, "at+jwt",
	  "{\"aud\":[[\"api://mail\"]]," EXP "}", OIDC_E_BAD_CLAIM },
	{ "aud string match", CFG_BASE, "at+jwt", "{" OK_CLAIMS "}", OIDC_OK },
	{ "aud escaped slashes", CFG_BASE, "at+jwt", "{\"aud\":\"api:\\/\\/mail\"," EXP "}",
	  OIDC_OK },
	{ "aud second configured", CFG_BASE, "at+jwt",
	  "{\"aud\":\"https://mail.example.com\"," EXP "}", OIDC_OK },
	{ "aud array, match second", CFG_BASE, "at+jwt",
	  "{\"aud\":[\"other\",\"api://mail\"]," EXP "}", OIDC_OK },
	{ "aud trailing slash", CFG_BASE, "at+jwt", "{\"aud\":\"api://mail/\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },
	{ "aud prefix", CFG_BASE, "at+jwt", "{\"aud\":\"api://mai\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },
	{ "aud longer", CFG_BASE, "at+jwt", "{\"aud\":\"api://mail.evil\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },
	{ "aud contains ours", CFG_BASE, "at+jwt", "{\"aud\":\"xapi://mail\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },
	{ "aud upper case", CFG_BASE, "at+jwt", "{\"aud\":\"API://MAIL\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },
	{ "aud two in one string", CFG_BASE, "at+jwt",
	  "{\"aud\":\"api://mail other\"," EXP "}", OIDC_E_WRONG_AUDIENCE },
	{ "aud empty string", CFG_BASE, "at+jwt", "{\"aud\":\"\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },
	/* E1: Microsoft Graph (and legacy Azure AD Graph) tokens */
	{ "aud Graph app id", CFG_BASE, "JWT", "{\"aud\":\"" GRAPH "\"," EXP "}",
	  OIDC_E_GRAPH_AUDIENCE },
	{ "aud Graph URL", CFG_BASE, "JWT", "{\"aud\":\"https://graph.microsoft.com\"," EXP "}",
	  OIDC_E_GRAPH_AUDIENCE },
	{ "aud Graph URL with slash", CFG_BASE, "JWT",
	  "{\"aud\":\"https://graph.microsoft.com/\"," EXP "}", OIDC_E_GRAPH_AUDIENCE },
	{ "aud AAD Graph app id", CFG_BASE, "JWT",
	  "{\"aud\":\"00000002-0000-0000-c000-000000000000\"," EXP "}",
	  OIDC_E_GRAPH_AUDIENCE },
	{ "aud AAD Graph URL", CFG_BASE, "JWT",
	  "{\"aud\":\"https://graph.windows.net\"," EXP "}", OIDC_E_GRAPH_AUDIENCE },
	{ "aud array other + Graph", CFG_BASE, "JWT",
	  "{\"aud\":[\"other\",\"" GRAPH "\"]," EXP "}", OIDC_E_GRAPH_AUDIENCE },
	{ "aud array Graph + ours", CFG_BASE, "JWT",
	  "{\"aud\":[\"" GRAPH "\",\"api://mail\"]," EXP "}", OIDC_OK },
	{ "aud Graph look-alike host", CFG_BASE, "JWT",
	  "{\"aud\":\"https://graph.microsoft.com.evil\"," EXP "}", OIDC_E_WRONG_AUDIENCE },
	{ "aud Graph id upper case", CFG_BASE, "JWT",
	  "{\"aud\":\"00000003-0000-0000-C000-000000000000\"," EXP "}",
	  OIDC_E_WRONG_AUDIENCE },

	/* D3/D4: exp */
	{ "exp missing", CFG_BASE, "at+jwt", "{" AUD "}", OIDC_E_MISSING_CLAIM },
	{ "exp string", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":\"1700003600\"}",
	  OIDC_E_BAD_CLAIM },
	{ "exp boolean", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":true}", OIDC_E_BAD_CLAIM },
	{ "exp null", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":null}", OIDC_E_BAD_CLAIM },
	{ "exp array", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":[1700003600]}",
	  OIDC_E_BAD_CLAIM },
	{ "exp object", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":{}}", OIDC_E_BAD_CLAIM },
	{ "exp == now - leeway expired", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":1699999940}",
	  OIDC_E_EXPIRED },
	{ "exp == now - leeway + 1 ok", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":1699999941}",
	  OIDC_OK },
	{ "exp == now ok within leeway", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":1.7e9}",
	  OIDC_OK },
	{ "exp real just past boundary", CFG_BASE, "at+jwt",
	  "{" AUD ",\"exp\":1699999941.5}", OIDC_OK },
	{ "exp real floors onto boundary", CFG_BASE, "at+jwt",
	  "{" AUD ",\"exp\":1699999940.9}", OIDC_E_EXPIRED },
	{ "exp 0", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":0}", OIDC_E_EXPIRED },
	{ "exp -1", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":-1}", OIDC_E_EXPIRED },
	{ "exp INT64_MAX", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":9223372036854775807}",
	  OIDC_OK },
	{ "exp INT64_MIN", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":-9223372036854775808}",
	  OIDC_E_EXPIRED },
	{ "exp 1e300", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":1e300}", OIDC_OK },
	{ "exp -1e300", CFG_BASE, "at+jwt", "{" AUD ",\"exp\":-1e300}", OIDC_E_EXPIRED },
	{ "exp == now, no leeway", CFG_NO_LEEWAY, "at+jwt", "{" AUD ",\"exp\":1700000000}",
	  OIDC_E_EXPIRED },
	{ "exp == now + 1, no leeway", CFG_NO_LEEWAY, "at+jwt",
	  "{" AUD ",\"exp\":1700000001}", OIDC_OK },

	/* nbf */
	{ "nbf == now + leeway ok", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"nbf\":1700000060}",
	  OIDC_OK },
	{ "nbf == now + leeway + 1", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":1700000061}", OIDC_E_NOT_YET_VALID },
	{ "nbf real floors onto boundary", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":1700000060.9}", OIDC_OK },
	{ "nbf string", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"nbf\":\"1\"}",
	  OIDC_E_BAD_CLAIM },
	{ "nbf boolean", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"nbf\":false}",
	  OIDC_E_BAD_CLAIM },
	{ "nbf null", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"nbf\":null}", OIDC_E_BAD_CLAIM },
	{ "nbf INT64_MAX", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":9223372036854775807}", OIDC_E_NOT_YET_VALID },
	{ "nbf INT64_MIN", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":-9223372036854775808}", OIDC_OK },
	{ "nbf 1e300", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"nbf\":1e300}",
	  OIDC_E_NOT_YET_VALID },
	{ "nbf -1e300", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"nbf\":-1e300}", OIDC_OK },
	{ "nbf == now, no leeway", CFG_NO_LEEWAY, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":1700000000}", OIDC_OK },
	{ "nbf == now + 1, no leeway", CFG_NO_LEEWAY, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":1700000001}", OIDC_E_NOT_YET_VALID },

	/* iat */
	{ "iat == now + leeway ok", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"iat\":1700000060}",
	  OIDC_OK },
	{ "iat == now + leeway + 1", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"iat\":1700000061}", OIDC_E_ISSUED_IN_FUTURE },
	{ "iat string", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"iat\":\"x\"}",
	  OIDC_E_BAD_CLAIM },
	{ "iat object", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"iat\":{}}", OIDC_E_BAD_CLAIM },
	{ "iat INT64_MAX", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"iat\":9223372036854775807}", OIDC_E_ISSUED_IN_FUTURE },
	{ "iat INT64_MIN", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"iat\":-9223372036854775808}", OIDC_OK },
	{ "iat 1e300", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"iat\":1e300}",
	  OIDC_E_ISSUED_IN_FUTURE },
	{ "iat -1e300", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"iat\":-1e300}", OIDC_OK },
	{ "expired wins over future nbf", CFG_BASE, "at+jwt",
	  "{" AUD ",\"exp\":1,\"nbf\":1700000061}", OIDC_E_EXPIRED },
	{ "nbf wins over future iat", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":1700000061,\"iat\":1700000061}", OIDC_E_NOT_YET_VALID },

	/* azp */
	{ "azp listed", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"azp\":\"mail-client\"}",
	  OIDC_OK },
	{ "azp listed second", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"azp\":\"thunderbird\"}",
	  OIDC_OK },
	{ "azp absent", CFG_AZP, "at+jwt", "{" OK_CLAIMS "}", OIDC_E_WRONG_AZP },
	{ "azp other", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"azp\":\"evil\"}",
	  OIDC_E_WRONG_AZP },
	{ "azp other case", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"azp\":\"Mail-Client\"}",
	  OIDC_E_WRONG_AZP },
	{ "azp number", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"azp\":5}", OIDC_E_BAD_CLAIM },
	{ "azp array", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"azp\":[\"mail-client\"]}",
	  OIDC_E_BAD_CLAIM },
	{ "azp unchecked without list", CFG_BASE, "at+jwt", "{" OK_CLAIMS ",\"azp\":\"evil\"}",
	  OIDC_OK },
	/* RFC 9068 2.2: a JWT access token names its client in client_id (glewlwyd,
	 * LemonLDAP::NG, oidc-provider put no azp there); the azp list covers it. */
	{ "client_id listed", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"client_id\":\"mail-client\"}",
	  OIDC_OK },
	{ "client_id listed second", CFG_AZP, "at+jwt",
	  "{" OK_CLAIMS ",\"client_id\":\"thunderbird\"}", OIDC_OK },
	{ "client_id other", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"client_id\":\"evil\"}",
	  OIDC_E_WRONG_AZP },
	{ "client_id other case", CFG_AZP, "at+jwt",
	  "{" OK_CLAIMS ",\"client_id\":\"Mail-Client\"}", OIDC_E_WRONG_AZP },
	{ "client_id number", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"client_id\":5}",
	  OIDC_E_BAD_CLAIM },
	{ "client_id null", CFG_AZP, "at+jwt", "{" OK_CLAIMS ",\"client_id\":null}",
	  OIDC_E_BAD_CLAIM },
	{ "azp and client_id both listed", CFG_AZP, "at+jwt",
	  "{" OK_CLAIMS ",\"azp\":\"mail-client\",\"client_id\":\"mail-client\"}", OIDC_OK },
	{ "azp listed, client_id other", CFG_AZP, "at+jwt",
	  "{" OK_CLAIMS ",\"azp\":\"mail-client\",\"client_id\":\"evil\"}", OIDC_E_WRONG_AZP },
	{ "azp other, client_id listed", CFG_AZP, "at+jwt",
	  "{" OK_CLAIMS ",\"azp\":\"evil\",\"client_id\":\"mail-client\"}", OIDC_E_WRONG_AZP },
	{ "client_id unchecked without list", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"client_id\":\"evil\"}", OIDC_OK },

	/* D7: required scopes mail.read + mail.send over scope and scp */
	{ "scope both", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.read mail.send\"}", OIDC_OK },
	{ "scope both among others", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.send openid mail.read\"}", OIDC_OK },
	{ "scope extra spaces", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\" mail.read  mail.send \"}", OIDC_OK },
	{ "scope one missing", CFG_SCOPES, "at+jwt", "{" OK_CLAIMS ",\"scope\":\"mail.read\"}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope substring", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.readwrite mail.sendas\"}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope prefix", CFG_SCOPES, "at+jwt", "{" OK_CLAIMS ",\"scope\":\"mail.rea mail.send\"}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope comma separated", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.read,mail.send\"}", OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope tab separated", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.read\\tmail.send\"}", OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope other case", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"Mail.Read Mail.Send\"}", OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope and scp absent", CFG_SCOPES, "at+jwt", "{" OK_CLAIMS "}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "scp string", CFG_SCOPES, "at+jwt", "{" OK_CLAIMS ",\"scp\":\"mail.read mail.send\"}",
	  OIDC_OK },
	{ "scp array", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scp\":[\"mail.send\",\"mail.read\"]}", OIDC_OK },
	{ "scp array element is one scope", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scp\":[\"mail.read mail.send\"]}", OIDC_E_INSUFFICIENT_SCOPE },
	{ "scp array substring", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scp\":[\"mail.readwrite\",\"mail.send\"]}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope + scp array union", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.read\",\"scp\":[\"mail.send\"]}", OIDC_OK },
	{ "scope + scp string union", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":\"mail.send\",\"scp\":\"mail.read\"}", OIDC_OK },
	{ "scope array of strings", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":[\"mail.read\",\"mail.send\"]}", OIDC_OK },
	{ "scope number", CFG_SCOPES, "at+jwt", "{" OK_CLAIMS ",\"scope\":5}",
	  OIDC_E_BAD_CLAIM },
	{ "scp object", CFG_SCOPES, "at+jwt", "{" OK_CLAIMS ",\"scp\":{\"mail.read\":1}}",
	  OIDC_E_BAD_CLAIM },
	{ "scp array with number", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"scp\":[\"mail.read\",5,\"mail.send\"]}", OIDC_E_BAD_CLAIM },
	{ "roles do not count as scopes", CFG_SCOPES, "at+jwt",
	  "{" OK_CLAIMS ",\"roles\":[\"mail.read\",\"mail.send\"]}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "scope ignored without requirement", CFG_BASE, "at+jwt",
	  "{" OK_CLAIMS ",\"scope\":5}", OIDC_OK },

	/* required_claims: groups=mail-users|admins, amr=mfa, acr=phr|phrh */
#define GOOD_AMR_ACR "\"amr\":[\"pwd\",\"mfa\"],\"acr\":\"phr\""
	{ "groups array contains", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":[\"staff\",\"mail-users\"]," GOOD_AMR_ACR "}", OIDC_OK },
	{ "groups string equals second value", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\"," GOOD_AMR_ACR "}", OIDC_OK },
	{ "groups lacks value", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":[\"staff\"]," GOOD_AMR_ACR "}", OIDC_E_CLAIM_POLICY },
	{ "groups absent", CFG_CLAIMS, "at+jwt", "{" OK_CLAIMS "," GOOD_AMR_ACR "}",
	  OIDC_E_CLAIM_POLICY },
	{ "groups empty array", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":[]," GOOD_AMR_ACR "}", OIDC_E_CLAIM_POLICY },
	{ "groups superstring", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"mail-users-old\"," GOOD_AMR_ACR "}",
	  OIDC_E_CLAIM_POLICY },
	{ "groups substring", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":[\"mail\"]," GOOD_AMR_ACR "}", OIDC_E_CLAIM_POLICY },
	{ "groups other case", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":[\"MAIL-USERS\"]," GOOD_AMR_ACR "}",
	  OIDC_E_CLAIM_POLICY },
	{ "groups nested array", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":[[\"mail-users\"]]," GOOD_AMR_ACR "}",
	  OIDC_E_CLAIM_POLICY },
	{ "groups object", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":{\"mail-users\":true}," GOOD_AMR_ACR "}",
	  OIDC_E_CLAIM_POLICY },
	{ "amr lacks mfa", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\",\"amr\":[\"pwd\",\"otp\"],\"acr\":\"phr\"}",
	  OIDC_E_CLAIM_POLICY },
	{ "amr string mfa", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\",\"amr\":\"mfa\",\"acr\":\"phr\"}", OIDC_OK },
	{ "acr second value", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\",\"amr\":[\"mfa\"],\"acr\":\"phrh\"}", OIDC_OK },
	{ "acr not in list", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\",\"amr\":[\"mfa\"],\"acr\":\"0\"}",
	  OIDC_E_CLAIM_POLICY },
	{ "acr with trailing space", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\",\"amr\":[\"mfa\"],\"acr\":\"phr \"}",
	  OIDC_E_CLAIM_POLICY },
	{ "acr null", CFG_CLAIMS, "at+jwt",
	  "{" OK_CLAIMS ",\"groups\":\"admins\",\"amr\":[\"mfa\"],\"acr\":null}",
	  OIDC_E_CLAIM_POLICY },
	/* level=2|true: numbers and booleans never match */
	{ "level string 2", CFG_TYPES, "at+jwt", "{" OK_CLAIMS ",\"level\":\"2\"}", OIDC_OK },
	{ "level string true", CFG_TYPES, "at+jwt", "{" OK_CLAIMS ",\"level\":\"true\"}",
	  OIDC_OK },
	{ "level number 2", CFG_TYPES, "at+jwt", "{" OK_CLAIMS ",\"level\":2}",
	  OIDC_E_CLAIM_POLICY },
	{ "level real 2.0", CFG_TYPES, "at+jwt", "{" OK_CLAIMS ",\"level\":2.0}",
	  OIDC_E_CLAIM_POLICY },
	{ "level boolean true", CFG_TYPES, "at+jwt", "{" OK_CLAIMS ",\"level\":true}",
	  OIDC_E_CLAIM_POLICY },
	{ "level array of numbers", CFG_TYPES, "at+jwt", "{" OK_CLAIMS ",\"level\":[1,2]}",
	  OIDC_E_CLAIM_POLICY },
	{ "level array number then string", CFG_TYPES, "at+jwt",
	  "{" OK_CLAIMS ",\"level\":[2,\"2\"]}", OIDC_OK },

	/* Order of the checks: each row fixes the previous failure only. */
	{ "order: cnf first", CFG_ALL, "dpop+jwt",
	  "{\"cnf\":{},\"aud\":\"x\",\"exp\":1,\"nbf\":1800000000,\"iat\":1800000000,"
	  "\"azp\":\"evil\"}", OIDC_E_TOKEN_BOUND },
	{ "order: typ second", CFG_ALL, "dpop+jwt",
	  "{\"aud\":\"x\",\"exp\":1,\"nbf\":1800000000,\"iat\":1800000000,"
	  "\"azp\":\"evil\"}", OIDC_E_WRONG_TYP },
	{ "order: aud third", CFG_ALL, "at+jwt",
	  "{\"aud\":\"x\",\"exp\":1,\"nbf\":1800000000,\"iat\":1800000000,"
	  "\"azp\":\"evil\"}", OIDC_E_WRONG_AUDIENCE },
	{ "order: exp fourth", CFG_ALL, "at+jwt",
	  "{" AUD ",\"exp\":1,\"nbf\":1800000000,\"iat\":1800000000,\"azp\":\"evil\"}",
	  OIDC_E_EXPIRED },
	{ "order: nbf fifth", CFG_ALL, "at+jwt",
	  "{" OK_CLAIMS ",\"nbf\":1800000000,\"iat\":1800000000,\"azp\":\"evil\"}",
	  OIDC_E_NOT_YET_VALID },
	{ "order: iat sixth", CFG_ALL, "at+jwt",
	  "{" OK_CLAIMS ",\"iat\":1800000000,\"azp\":\"evil\"}", OIDC_E_ISSUED_IN_FUTURE },
	{ "order: azp seventh", CFG_ALL, "at+jwt", "{" OK_CLAIMS ",\"azp\":\"evil\"}",
	  OIDC_E_WRONG_AZP },
	{ "order: scope eighth", CFG_ALL, "at+jwt",
	  "{" OK_CLAIMS ",\"azp\":\"mail-client\",\"scope\":\"mail.read\"}",
	  OIDC_E_INSUFFICIENT_SCOPE },
	{ "order: required claims last", CFG_ALL, "at+jwt",
	  "{" OK_CLAIMS ",\"azp\":\"mail-client\",\"scope\":\"mail.read mail.send\","
	  "\"amr\":[\"mfa\"],\"acr\":\"phr\"}", OIDC_E_CLAIM_POLICY },
	{ "order: all satisfied", CFG_ALL, "application/AT+JWT",
	  "{" OK_CLAIMS ",\"azp\":\"mail-client\",\"scope\":\"mail.read mail.send\","
	  "\"groups\":[\"admins\"]," GOOD_AMR_ACR ",\"nbf\":1699999000,\"iat\":1699999000}",
	  OIDC_OK },
};

static void set_list(struct oidc_strlist *l, const char *items)
{
	oidc_strlist_clear(l);
	if (oidc_strlist_split(items, l) != OIDC_OK) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
}

/* "claim=v1|v2" clauses separated by ';' (test-only syntax). */
static void set_claim_reqs(struct oidc_issuer_cfg *ic, const char *spec)
{
	const char *p = spec;

	while (*p) {
		const char *end = strchr(p, ';'), *eq = strchr(p, '=');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct oidc_claim_req *r;
		char *vals;

		ic->required_claims = realloc(ic->required_claims,
					      (ic->n_required_claims + 1) *
					      sizeof(*ic->required_claims));
		if (!ic->required_claims || !eq || eq > p + n)
			exit(2);
		r = &ic->required_claims[ic->n_required_claims++];
		memset(r, 0, sizeof(*r));
		r->claim = strndup(p, (size_t)(eq - p));
		vals = strndup(eq + 1, n - (size_t)(eq - p) - 1);
		for (char *c = vals; c && *c; c++)
			if (*c == '|')
				*c = ',';
		if (!r->claim || !vals)
			exit(2);
		set_list(&r->values, vals);
		free(vals);
		p += n + (end ? 1 : 0);
	}
}

static void cfg_init(struct oidc_issuer_cfg *ic, enum cfg_id id)
{
	memset(ic, 0, sizeof(*ic));
	ic->leeway = id == CFG_NO_LEEWAY ? 0 : LEEWAY;
	set_list(&ic->audience, "api://mail https://mail.example.com");
	set_list(&ic->accept_typ, id == CFG_STRICT_TYP ? "at+jwt" : "at+jwt,jwt,absent");
	if (id == CFG_AZP || id == CFG_ALL)
		set_list(&ic->azp, "mail-client thunderbird");
	if (id == CFG_SCOPES || id == CFG_ALL)
		set_list(&ic->required_scopes, "mail.read mail.send");
	if (id == CFG_CLAIMS || id == CFG_ALL)
		set_claim_reqs(ic, "groups=mail-users|admins;amr=mfa;acr=phr|phrh");
	if (id == CFG_TYPES)
		set_claim_reqs(ic, "level=2|true");
	if (id == CFG_CLIENTS || id == CFG_CLIENTS_AZP)
		set_list(&ic->accept_clients, "cognito-app mail-app");
	if (id == CFG_CLIENTS_AZP)
		set_list(&ic->azp, "mail-app");
}

static void cfg_clear(struct oidc_issuer_cfg *ic)
{
	oidc_strlist_clear(&ic->audience);
	oidc_strlist_clear(&ic->accept_typ);
	oidc_strlist_clear(&ic->azp);
	oidc_strlist_clear(&ic->accept_clients);
	oidc_strlist_clear(&ic->required_scopes);
	for (size_t i = 0; i < ic->n_required_claims; i++) {
		free(ic->required_claims[i].claim);
		oidc_strlist_clear(&ic->required_claims[i].values);
	}
	free(ic->required_claims);
	memset(ic, 0, sizeof(*ic));
}

/* A parsed claim set and the text it points into; doc comes first, so a
 * struct oidc_jdoc * from parse() is the whole allocation. */
struct claim_text {
	struct oidc_jdoc doc;
	char buf[];
};

static struct oidc_jdoc *parse(const char *text)
{
	size_t len = strlen(text);
	struct claim_text *ct = calloc(1, sizeof(*ct) + len + 1);
	struct oidc_error e;

	if (!ct)
		return NULL;
	memcpy(ct->buf, text, len + 1);
	if (oidc_jdoc_parse(&ct->doc, ct->buf, len, &e) != OIDC_OK) {
		oidc_jdoc_clear(&ct->doc);
		free(ct);
		return NULL;
	}
	return &ct->doc;
}

static void claims_free(struct oidc_jdoc *doc)
{
	if (!doc)
		return;
	oidc_jdoc_clear(doc);
	free((struct claim_text *)(void *)doc);
}

static void run_table(struct oidc_issuer_cfg cfgs[CFG_COUNT])
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct claims_case *c = &cases[i];
		struct oidc_error err = { OIDC_OK, "" };
		struct oidc_jdoc *claims = parse(c->json);
		enum oidc_status st;

		if (!CHECK(claims != NULL, "%s: claim set parses", c->name))
			continue;
		st = oidc_claims_check(&cfgs[c->cfg], claims, c->typ, NOW, &err);
		CHECK_STATUS(st, c->want, "%s", c->name);
		if (st != OIDC_OK)
			CHECK(err.status == st, "%s: err.status matches", c->name);
		/* Same verdict without an error struct. */
		CHECK_STATUS(oidc_claims_check(&cfgs[c->cfg], claims, c->typ, NOW, NULL),
			     c->want, "%s (err NULL)", c->name);
		claims_free(claims);
	}
}

/* The detail names the claim, never the value the token carries. */
static void test_detail_hides_values(struct oidc_issuer_cfg cfgs[CFG_COUNT])
{
	struct oidc_error err = { OIDC_OK, "" };
	struct oidc_jdoc *claims = parse("{" OK_CLAIMS ",\"groups\":[\"sekrit-group-xyzzy\"],"
					 GOOD_AMR_ACR "}");

	CHECK_STATUS(oidc_claims_check(&cfgs[CFG_CLAIMS], claims, "at+jwt", NOW, &err),
		     OIDC_E_CLAIM_POLICY, "claim policy on an unknown group");
	CHECK(strstr(err.detail, "xyzzy") == NULL,
	      "claim policy detail does not echo the token's value");
	CHECK(strstr(err.detail, "groups") != NULL, "claim policy detail names the claim");
	claims_free(claims);
}

static void test_bad_arguments(struct oidc_issuer_cfg cfgs[CFG_COUNT])
{
	/* A document whose root is an array (built by hand: the parser
	 * never makes one), and an empty document. */
	struct oidc_jnode node = { .type = OIDC_JARRAY, .end = 1 };
	struct oidc_jdoc arr = { &node, 1, 1 }, empty = { NULL, 0, 0 };

	CHECK_STATUS(oidc_claims_check(&cfgs[CFG_BASE], &arr, "at+jwt", NOW, NULL),
		     OIDC_E_INTERNAL, "claims not an object");
	CHECK_STATUS(oidc_claims_check(&cfgs[CFG_BASE], &empty, "at+jwt", NOW, NULL),
		     OIDC_E_INTERNAL, "claims an empty document");
	CHECK_STATUS(oidc_claims_check(&cfgs[CFG_BASE], NULL, "at+jwt", NOW, NULL),
		     OIDC_E_INTERNAL, "claims NULL");
}

/* Audience list empty (a config bug): nothing matches, fail closed. */
static void test_empty_audience_list(void)
{
	struct oidc_issuer_cfg ic;
	struct oidc_jdoc *claims = parse("{" OK_CLAIMS "}");

	cfg_init(&ic, CFG_BASE);
	oidc_strlist_clear(&ic.audience);
	CHECK_STATUS(oidc_claims_check(&ic, claims, "at+jwt", NOW, NULL),
		     OIDC_E_WRONG_AUDIENCE, "empty audience list refuses");
	cfg_clear(&ic);
	claims_free(claims);
}

/*
 * A provider's answer about an opaque token goes through the same policy
 * (issue 13); only the rules of claims.c's "kinds" table differ.
 */
static void test_answer_kinds(void)
{
	static const struct {
		const char *name;
		enum oidc_claims_kind kind;
		const char *json;
		enum oidc_status want;
	} answers[] = {
		{ "introspection: aud, exp", OIDC_CLAIMS_INTROSPECTION,
		  "{\"active\":true," OK_CLAIMS "}", OIDC_OK },
		{ "introspection: no exp (RFC 7662 2.2 optional)", OIDC_CLAIMS_INTROSPECTION,
		  "{\"active\":true," AUD "}", OIDC_OK },
		{ "introspection: no aud, client not in accept_clients",
		  OIDC_CLAIMS_INTROSPECTION, "{\"active\":true," EXP ",\"client_id\":\"webapp\"}",
		  OIDC_E_CLIENT_NOT_ACCEPTED },
		{ "introspection: no aud, client in accept_clients", OIDC_CLAIMS_INTROSPECTION,
		  "{\"active\":true," EXP ",\"client_id\":\"mail-app\"}", OIDC_OK },
		{ "introspection: iss of the issuer", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"iss\":\"https://idp.example\"}", OIDC_OK },
		{ "introspection: iss of another", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"iss\":\"https://evil.example\"}", OIDC_E_WRONG_ISSUER },
		{ "introspection: iss a number", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"iss\":1}", OIDC_E_BAD_CLAIM },
		{ "introspection: token_type bearer", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"token_type\":\"bearer\"}", OIDC_OK },
		{ "introspection: token_type DPoP", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"token_type\":\"DPoP\"}", OIDC_E_WRONG_TYP },
		{ "introspection: cnf", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"cnf\":{}}", OIDC_E_TOKEN_BOUND },
		{ "introspection: exp a string", OIDC_CLAIMS_INTROSPECTION,
		  "{" AUD ",\"exp\":\"1700003600\"}", OIDC_E_BAD_CLAIM },
		{ "introspection: expired", OIDC_CLAIMS_INTROSPECTION,
		  "{" AUD ",\"exp\":1699999940}", OIDC_E_EXPIRED },
		{ "introspection: token_use id", OIDC_CLAIMS_INTROSPECTION,
		  "{" OK_CLAIMS ",\"token_use\":\"id\"}", OIDC_E_WRONG_TYP },
		{ "tokeninfo: Google's string exp", OIDC_CLAIMS_TOKENINFO,
		  "{" AUD ",\"exp\":\"1700003600\",\"expires_in\":\"3600\"}", OIDC_OK },
		{ "tokeninfo: string exp passed", OIDC_CLAIMS_TOKENINFO,
		  "{" AUD ",\"exp\":\"1699999940\"}", OIDC_E_EXPIRED },
		{ "tokeninfo: exp with a sign", OIDC_CLAIMS_TOKENINFO,
		  "{" AUD ",\"exp\":\"+1700003600\"}", OIDC_E_BAD_CLAIM },
		{ "tokeninfo: exp of 19 digits", OIDC_CLAIMS_TOKENINFO,
		  "{" AUD ",\"exp\":\"9999999999999999999\"}", OIDC_E_BAD_CLAIM },
		{ "tokeninfo: exp empty string", OIDC_CLAIMS_TOKENINFO,
		  "{" AUD ",\"exp\":\"\"}", OIDC_E_BAD_CLAIM },
		{ "tokeninfo: no exp", OIDC_CLAIMS_TOKENINFO, "{" AUD "}", OIDC_E_MISSING_CLAIM },
		{ "tokeninfo: aud = another client", OIDC_CLAIMS_TOKENINFO,
		  "{\"aud\":\"webapp\",\"azp\":\"webapp\"," EXP "}", OIDC_E_WRONG_AUDIENCE },
		{ "tokeninfo: iss of another", OIDC_CLAIMS_TOKENINFO,
		  "{" OK_CLAIMS ",\"iss\":\"https://evil.example\"}", OIDC_E_WRONG_ISSUER },
	};
	struct oidc_issuer_cfg ic;

	cfg_init(&ic, CFG_CLIENTS);
	ic.issuer = (char *)"https://idp.example";
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct oidc_jdoc *doc = parse(answers[i].json);

		if (!CHECK(doc != NULL, "%s: parses", answers[i].name))
			continue;
		CHECK_STATUS(oidc_claims_check_answer(&ic, answers[i].kind, doc, NOW, NULL),
			     answers[i].want, "%s", answers[i].name);
		claims_free(doc);
	}
	CHECK_STATUS(oidc_claims_check_answer(&ic, OIDC_CLAIMS_JWT, NULL, NOW, NULL),
		     OIDC_E_INTERNAL, "a JWT is not an answer");
	ic.issuer = NULL;
	cfg_clear(&ic);
}

static int64_t clamp62(int64_t v)
{
	const int64_t lim = INT64_C(1) << 62;

	return v > lim ? lim : v < -lim ? -lim : v;
}

/*
 * One point of the grid: RFC 7519 4.1.4/4.1.5 computed in 128 bits with the
 * claims clamped to +-2^62 like oidc_jobj_numericdate. true when
 * oidc_claims_check agrees.
 */
static bool grid_point(struct oidc_issuer_cfg *ic, int64_t now, int64_t lw,
		       int64_t exp, int64_t nbf)
{
	__int128 e = clamp62(exp), f = clamp62(nbf);
	enum oidc_status want = OIDC_OK, got = OIDC_E_MALFORMED;
	char text[256];
	struct oidc_jdoc *claims;

	if (e <= (__int128)now - lw)
		want = OIDC_E_EXPIRED;
	else if (f > (__int128)now + lw)
		want = OIDC_E_NOT_YET_VALID;
	snprintf(text, sizeof(text), "{" AUD ",\"exp\":%" PRId64 ",\"nbf\":%" PRId64 "}",
		 exp, nbf);
	claims = parse(text);
	ic->leeway = lw;
	if (claims)
		got = oidc_claims_check(ic, claims, NULL, now, NULL);
	claims_free(claims);
	if (got == want)
		return true;
	printf("# now=%" PRId64 " leeway=%" PRId64 " exp=%" PRId64 " nbf=%" PRId64
	       ": got %s want %s\n", now, lw, exp, nbf, oidc_status_name(got),
	       oidc_status_name(want));
	return false;
}

/*
 * Every combination of extreme now, leeway and claim values against the
 * 128-bit oracle. Under UBSan any int64 overflow aborts the test.
 */
static void test_time_grid(void)
{
	static const int64_t nows[] = { INT64_MIN, INT64_MIN + 1, -1, 0, NOW,
					INT64_MAX - 1, INT64_MAX };
	static const int64_t leeways[] = { 0, 60, 300, -1, INT64_MAX, INT64_MIN };
	static const int64_t values[] = { INT64_MIN, -(INT64_C(1) << 62), -1, 0, NOW,
					  NOW + 60, INT64_C(1) << 62, INT64_MAX };
	const size_t n_now = sizeof(nows) / sizeof(nows[0]);
	const size_t n_lw = sizeof(leeways) / sizeof(leeways[0]);
	const size_t n_val = sizeof(values) / sizeof(values[0]);
	struct oidc_issuer_cfg ic;
	size_t total = 0, wrong = 0;

	cfg_init(&ic, CFG_BASE);
	for (size_t i = 0; i < n_now * n_lw * n_val * n_val; i++) {
		size_t a = i / (n_lw * n_val * n_val), b = i / (n_val * n_val) % n_lw;
		size_t x = i / n_val % n_val, y = i % n_val;

		total++;
		if (!grid_point(&ic, nows[a], leeways[b], values[x], values[y]) &&
		    ++wrong >= 10)
			break;
	}
	CHECK(wrong == 0 && total == n_now * n_lw * n_val * n_val,
	      "time grid: %zu combinations of extreme now/leeway/exp/nbf checked "
	      "against the 128-bit oracle, %zu disagree", total, wrong);
	cfg_clear(&ic);
}

int main(void)
{
	struct oidc_issuer_cfg cfgs[CFG_COUNT];

	for (int i = 0; i < CFG_COUNT; i++)
		cfg_init(&cfgs[i], (enum cfg_id)i);
	run_table(cfgs);
	test_detail_hides_values(cfgs);
	test_bad_arguments(cfgs);
	test_empty_audience_list();
	test_answer_kinds();
	test_time_grid();
	for (int i = 0; i < CFG_COUNT; i++)
		cfg_clear(&cfgs[i]);
	return test_done();
}
