#!/usr/bin/env bash
# tests/postgresql/t_postgresql.sh - PostgreSQL 15 with the pam method and pam_oidc, set up as
# docs/recipes/postgresql.md says (issue 11 item 1: every token login used to crash the backend,
# because postgres exports json_object and the module's jansson calls bound to it).
#
# Debian's packaged layout and stock configuration (pg_createcluster 15 main, pg_ctlcluster,
# the postgres service user) on private copies of /etc/postgresql, /var/lib/postgresql,
# /var/log/postgresql, /run/postgresql, /etc/oidc-auth, /etc/pam.d and libpam's module folder
# (tmpfs and bind mounts in this test's own mount namespace; the host's are never touched).
# The recipe's snippets are used as written (tests/lib/mdsnippet.py): the oidc-auth
# configuration (only issuer and audience replaced by the test provider's, and its CA added),
# the cache setup, the PAM service, the pg_hba.conf line and the roles. Keys come from the real
# provider (tests/idp) through discovery. Clients are psql with PGPASSWORD, ~/.pgpass and the
# libpq passfile parameter over TLS (verify-full). Checked: valid tokens of 1 and 6 KB log in;
# expired, forged, another user's token and a role that does not exist are refused with the
# audit line; no TLS, no PAM; the backends never crash and the guard never refuses.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
. tests/lib/testlib.sh
. tests/pam/lib.sh
. tests/dovecot/lib.sh    # pam_private_etc
pam_enter_ns postgresql "${BASH_SOURCE[0]}" "$@"
. tests/idp/lib.sh
t_init postgresql "$@"

PG_VER=15
PG_CLUSTER=main
PG_ETC=/etc/postgresql/$PG_VER/$PG_CLUSTER
PG_LOG=/var/log/postgresql/postgresql-$PG_VER-$PG_CLUSTER.log
RECIPE=docs/recipes/postgresql.md
pg_started=

pg_stop() {
	[ -n "$pg_started" ] && pg_ctlcluster "$PG_VER" "$PG_CLUSTER" stop -m fast >/dev/null 2>&1
	pg_started=
}
trap 'pg_stop; idp_cleanup; t_cleanup' EXIT

fail() {   # NAME DIAG...: a step the rest depends on failed
	not_ok "$@"
	t_done
	exit 1
}

[ -x /usr/lib/postgresql/$PG_VER/bin/postgres ] && command -v pg_createcluster >/dev/null &&
	command -v psql >/dev/null ||
	fail "postgresql: PostgreSQL $PG_VER is installed (packages postgresql-$PG_VER, postgresql-common)"
[ -f "$PAM_SO_HOST" ] || fail "postgresql: $PAM_SO_HOST is built (make)"
id postgres >/dev/null 2>&1 || fail "postgresql: the postgres user exists"

snip() {   # NAME: the recipe's snippet NAME, as written
	"$PY" tests/lib/mdsnippet.py "$RECIPE" "$1"
}
for s in config setup pam hba roles; do
	snip "$s" >"$T_TMP/snip-$s" || fail "recipe: $RECIPE has the $s snippet"
done

# ---- private copies of the default paths -------------------------------------------------
pam_devlog "$T_TMP" || fail "postgresql: private /dev/log"
for d in /etc/postgresql /var/lib/postgresql /var/log/postgresql /run/postgresql \
	/etc/oidc-auth /var/cache/oidc-auth; do
	mkdir -p "$d" 2>/dev/null
	mount -t tmpfs -o mode=755 oidc-pg "$d" || fail "postgresql: tmpfs over $d"
done
chown postgres:postgres /var/lib/postgresql /run/postgresql && chmod 2775 /run/postgresql &&
	chown root:postgres /var/log/postgresql && chmod 1775 /var/log/postgresql &&
	chmod 700 /var/cache/oidc-auth || fail "postgresql: Debian's owners and modes"
pam_private_etc "$T_TMP/pam.d" || fail "postgresql: private /etc/pam.d"
# pam_oidc.so where libpam looks for a module named without a path (the package's place)
SECDIR=$(readlink -f "/lib/$(gcc -print-multiarch)/security")
mkdir -p "$T_TMP/security" && cp "$PAM_SO_HOST" "$T_TMP/security/pam_oidc.so" &&
	mount --bind "$T_TMP/security" "$SECDIR" || fail "postgresql: pam_oidc.so in $SECDIR"
mkdir -p "$T_TMP/bin" && ln -s "$ROOT/$BUILD_DIR/oidc-auth" "$T_TMP/bin/oidc-auth"
PATH=$T_TMP/bin:$PATH

# ---- the provider ------------------------------------------------------------------------
IDPD=$T_TMP/idp
pam_idp_up "$IDPD" 8443 || fail "postgresql: the OpenID provider starts"
# the backends run as postgres: the CA file must be readable by them
install -m 0644 "$IDP_CA" /etc/oidc-auth/test-ca.pem

# ---- the recipe: oidc-auth configuration, cache, PAM service ------------------------------
sed -e "s|^issuer *=.*|issuer          = $IDP_ISSUER|" \
	-e "s|^audience *=.*|audience        = api://mail|" "$T_TMP/snip-config" \
	>/etc/oidc-auth/postgresql.conf &&
	echo "ca_file         = /etc/oidc-auth/test-ca.pem" >>/etc/oidc-auth/postgresql.conf
if bash -e "$T_TMP/snip-setup" >"$OUT" 2>"$ERR"; then
	ok "recipe: the cache and configuration setup runs as written"
else
	not_ok "recipe: the cache and configuration setup runs as written" \
		"$(tr '\n' '|' <"$OUT")" "$(tr '\n' '|' <"$ERR")"
fi
CACHE=$(sed -n 's/^cache_dir *= *//p' /etc/oidc-auth/postgresql.conf)
check "recipe: cache_dir $CACHE is postgres's, mode 0700" \
	test "$(stat -c %U:%a "$CACHE" 2>/dev/null)" = postgres:700
cp "$T_TMP/snip-pam" /etc/pam.d/postgresql-oidc

# ---- Debian's cluster, TLS, the pg_hba.conf line, start ------------------------------------
pg_createcluster "$PG_VER" "$PG_CLUSTER" >"$OUT" 2>"$ERR" ||
	fail "postgresql: pg_createcluster $PG_VER $PG_CLUSTER" "$(tail -n 3 "$ERR")"
install -o postgres -g postgres -m 0644 "$IDPD/server.pem" "$PG_ETC/server.pem" &&
	install -o postgres -g postgres -m 0600 "$IDPD/server.key" "$PG_ETC/server.key" &&
	printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nlog_connections = on\n" \
		"$PG_ETC/server.pem" "$PG_ETC/server.key" >"$PG_ETC/conf.d/oidc-test-tls.conf" ||
	fail "postgresql: TLS certificate for the cluster"
# the recipe's line above the first host line
awk -v line="$(cat "$T_TMP/snip-hba")" '!done && /^host/ { print line; done = 1 } { print }' \
	"$PG_ETC/pg_hba.conf" >"$T_TMP/hba" && cat "$T_TMP/hba" >"$PG_ETC/pg_hba.conf"
check "pg_hba.conf: the recipe's line comes before Debian's host lines" \
	bash -c "grep -v '^#' '$PG_ETC/pg_hba.conf' | grep -E '^host' | head -1 | grep -qF -- 'pamservice=postgresql-oidc'"
pg_ctlcluster "$PG_VER" "$PG_CLUSTER" start >"$OUT" 2>"$ERR" ||
	fail "postgresql: pg_ctlcluster $PG_VER $PG_CLUSTER start" "$(tail -n 5 "$PG_LOG" 2>/dev/null)"
pg_started=1
PG_PID=$(head -1 "/var/lib/postgresql/$PG_VER/$PG_CLUSTER/postmaster.pid")
check "postgresql: the postmaster runs as postgres" \
	test "$(ps -o user= -p "$PG_PID" 2>/dev/null | tr -d ' ')" = postgres
# as postgres over the Unix socket (Debian's peer line); setpriv, not runuser: runuser is a
# PAM service, and this namespace's /etc/pam.d holds only the test's
as_postgres() {
	setpriv --reuid=postgres --regid=postgres --init-groups "$@"
}
as_postgres psql -q -v ON_ERROR_STOP=1 <"$T_TMP/snip-roles" >"$OUT" 2>"$ERR" &&
	ok "recipe: the roles are created as written" ||
	not_ok "recipe: the roles are created as written" "$(tr '\n' '|' <"$ERR")"
as_postgres psql -q -v ON_ERROR_STOP=1 -c "CREATE ROLE bob LOGIN IN ROLE oidc_login" \
	>/dev/null 2>&1 || not_ok "postgresql: role bob"

# ---- tokens --------------------------------------------------------------------------------
# a group claim as providers send it makes the usual token over 1 KB
TOK=$(idp_token_cc api://mail mail.read alice "$(seq -s, -f 'team-%02g' 1 30)") ||
	fail "provider: a token for alice"
GROUPS_LIST=$(seq -s, -f 'department-%04g' 1 300)
BIG=$(idp_token_cc api://mail mail.read alice "$GROUPS_LIST") || fail "provider: a large token"
CAROL=$(idp_token_cc api://mail mail.read carol) || fail "provider: a token for carol"
# expired and forged ones, made by PyJWT: one with the provider's own RSA key, one with another
mint() {   # exp-offset key-file: signed like the provider's RS256 tokens
	"$PY" - "$IDPD/jwks.json" "$IDP_ISSUER" "$1" "$2" <<-'EOF'
	import json, sys, time
	import jwt
	from cryptography.hazmat.primitives.asymmetric import rsa
	jwks, iss, off, which = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	k = [k for k in json.load(open(jwks))["keys"] if k["kty"] == "RSA"][0]
	key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(k))
	if which == "forged":
	    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
	now = int(time.time())
	claims = {"iss": iss, "aud": "api://mail", "sub": "alice", "preferred_username": "alice",
	          "scope": "mail.read", "iat": now - 3600, "nbf": now - 3600, "exp": now + off,
	          "jti": "pg-%d" % now}
	print(jwt.encode(claims, key, algorithm="RS256", headers={"kid": k["kid"], "typ": "at+jwt"}))
	EOF
}
EXPIRED=$(mint -900 own) && FORGED=$(mint 600 forged) || fail "PyJWT: expired and forged tokens"
t_diag "token sizes: ${#TOK} and ${#BIG} bytes from the provider"
[ "${#TOK}" -gt 1000 ] && [ "${#BIG}" -gt 6000 ] && [ "${#BIG}" -lt 16384 ] &&
	ok "tokens: one over 1 KB (${#TOK} bytes), one over 6 KB (${#BIG} bytes)" ||
	not_ok "tokens: one over 1 KB, one over 6 KB" "${#TOK} ${#BIG}"

CONN="host=127.0.0.1 port=5432 dbname=postgres sslmode=verify-full sslrootcert=$IDP_CA"
# pg_login NAME WANT USER [VAR=VALUE...]: psql as USER with the environment given; WANT 0
# (logged in as USER) or 2 (refused). A new backend process each time.
pg_login() {
	local name=$1 want=$2 user=$3
	shift 3
	log_mark
	PG_LOG_MARK=$(wc -l <"$PG_LOG")
	T_LAST=(psql "$CONN user=$user ${PG_EXTRA:-}" -XAtc "select current_user")
	env -u PGPASSWORD "$@" "${T_LAST[@]}" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
	if [ "$want" = 0 ] && [ "$RC" = 0 ] && [ "$(cat "$OUT")" = "$user" ]; then
		ok "$name"
	elif [ "$want" != 0 ] && [ "$RC" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "$(t_last_run | sed 's/PGPASSWORD=[^ ]*/PGPASSWORD=.../')"
	fi
}
pg_log_new() {
	tail -n +$((PG_LOG_MARK + 1)) "$PG_LOG"
}
expect_pg_log() {   # NAME ERE
	local i
	for ((i = 0; i < 20; i++)); do
		pg_log_new | grep -qE -- "$2" && { ok "$1"; return; }
		sleep 0.1
	done
	not_ok "$1" "no server log line matching: $2" "$(pg_log_new | tail -n 4 | tr '\n' '|')"
}
AUDIT='pam_oidc\(postgresql-oidc:auth\): result'

pg_login "PGPASSWORD: a token of ${#TOK} bytes logs alice in" 0 alice PGPASSWORD="$TOK"
expect_log "PGPASSWORD: audit allow line" \
	"$AUDIT=allow reason=ok mode=token user=\"alice\" mapped=\"alice\" issuer_name=\"default\" iss=\"$IDP_ISSUER\""
expect_log "PGPASSWORD: account audit line" \
	'pam_oidc\(postgresql-oidc:account\): result=allow reason=ok'
expect_pg_log "PGPASSWORD: the server log: authenticated by pam through the recipe's line" \
	'connection authenticated: identity="alice" method=pam \(/etc/postgresql/15/main/pg_hba.conf:[0-9]+\)'
expect_pg_log "PGPASSWORD: the server log: authorized, over TLS" \
	'connection authorized: user=alice database=postgres .*SSL enabled'
check "cache_dir: the backend wrote the provider's keys there, as postgres" \
	bash -c "[ -n \"\$(find '$CACHE' -type f -user postgres | head -1)\" ]"

mkdir -p "$T_TMP/home"
printf '127.0.0.1:5432:*:alice:%s\n' "$BIG" >"$T_TMP/home/.pgpass" && chmod 600 "$T_TMP/home/.pgpass"
pg_login "~/.pgpass: a token of ${#BIG} bytes logs alice in" 0 alice HOME="$T_TMP/home"
expect_log "~/.pgpass: audit allow line" "$AUDIT=allow reason=ok mode=token user=\"alice\""
printf '*:*:*:alice:%s\n' "$TOK" >"$T_TMP/passfile" && chmod 600 "$T_TMP/passfile"
PG_EXTRA="passfile=$T_TMP/passfile" pg_login "libpq passfile parameter: logs alice in" 0 alice \
	HOME=/nonexistent

pg_login "expired token: refused" 2 alice PGPASSWORD="$EXPIRED"
expect_log "expired token: audit line token_expired" "$AUDIT=deny reason=token_expired mode=token user=\"alice\""
expect_pg_log "expired token: the server log says PAM authentication failed" \
	'FATAL:  PAM authentication failed for user "alice"'
check "expired token: psql says so too" grep -q 'PAM authentication failed for user "alice"' "$ERR"
pg_login "token signed by another key: refused" 2 alice PGPASSWORD="$FORGED"
expect_log "token signed by another key: audit line bad_signature" "$AUDIT=deny reason=bad_signature"
pg_login "alice's token for role bob: refused" 2 bob PGPASSWORD="$TOK"
expect_log "alice's token for role bob: audit line user_mismatch" \
	"$AUDIT=deny reason=user_mismatch mode=token user=\"bob\""
# carol is no member of oidc_login: the recipe's line does not match, the next one answers
pg_login "a token for carol, who has no role: refused" 2 carol PGPASSWORD="$CAROL"
expect_pg_log "no role: Debian's scram-sha-256 line answered, not PAM" \
	'password authentication failed for user "carol"'
pg_login "a password, not a token: refused" 2 alice PGPASSWORD=hunter2
expect_log "a password: audit line password_not_allowed" "$AUDIT=deny reason=password_not_allowed"
# without TLS the recipe's line does not match: Debian's scram-sha-256 line, never PAM
PG_EXTRA="sslmode=disable" pg_login "no TLS: the token never reaches PAM (refused)" 2 alice \
	PGPASSWORD="$TOK"
sleep 0.3
if log_new | grep -q 'pam_oidc('; then
	not_ok "no TLS: no pam_oidc line" "$(log_new | tail -n 2 | tr '\n' '|')"
else
	ok "no TLS: no pam_oidc line"
fi
expect_pg_log "no TLS: Debian's scram-sha-256 line answered" \
	'password authentication failed for user "alice"'
# PostgreSQL's limit on the password message (docs/token-size.md): a token-shaped password of
# 65,530 bytes reaches pam_oidc (refused there: token_too_large, above max_token_size); of
# 65,531 the server refuses to read (invalid message length), so PAM's conversation fails
long_token() {   # LENGTH: header "." payload "." signature, LENGTH bytes in all
	printf 'eyJhbGciOiJSUzI1NiJ9.%s.c2ln' "$(head -c $(($1 - 26)) /dev/zero | tr '\0' 'A')"
}
pg_login "65,530 bytes: PostgreSQL passes them to PAM (refused)" 2 alice \
	PGPASSWORD="$(long_token 65530)"
expect_log "65,530 bytes: audit line token_too_large" "$AUDIT=deny reason=token_too_large"
pg_login "65,531 bytes: refused by PostgreSQL itself" 2 alice PGPASSWORD="$(long_token 65531)"
expect_pg_log "65,531 bytes: the server log says invalid message length" \
	'invalid message length'
expect_log "65,531 bytes: the token never reaches pam_oidc (audit line no_token)" \
	"$AUDIT=deny reason=no_token mode=token user=\"alice\""
check "65,531 bytes: psql sees the connection closed" \
	grep -qE 'closed the connection unexpectedly|connection has been closed unexpectedly' "$ERR"
# after the refusals the server still serves tokens
pg_login "after the refusals: alice logs in again" 0 alice PGPASSWORD="$TOK"

# ---- nothing crashed ---------------------------------------------------------------------------
if grep -qE 'terminated by signal|was terminated|crash|server process .* exited' "$PG_LOG"; then
	not_ok "postgresql: no backend crashed (server log)" \
		"$(grep -E 'terminated by signal|was terminated|crash|exited' "$PG_LOG" | head -3)"
else
	ok "postgresql: no backend crashed (server log)"
fi
check "postgresql: the postmaster that started still runs" kill -0 "$PG_PID"
if grep -q 'symbol_interposed' "$SYSLOG"; then
	not_ok "postgresql: the symbol guard found nothing to refuse" "$(grep symbol_interposed "$SYSLOG" | head -2)"
else
	ok "postgresql: the symbol guard found nothing to refuse"
fi
if grep -qF -- "${TOK##*.}" "$SYSLOG" "$PG_LOG"; then
	not_ok "postgresql: no token in the logs"
else
	ok "postgresql: no token in the logs"
fi

t_done
