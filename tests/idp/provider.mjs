// tests/idp/provider.mjs - a real OpenID provider (npm oidc-provider v9) over HTTPS for the
// integration tests. Test fixture only: development interactions accept any login.
//
// Settings: command line "--name value" (or --name=value), else environment IDP_NAME:
//   --port (IDP_PORT, required)         --host (IDP_HOST, 127.0.0.1; ::1 allowed)
//   --issuer (IDP_ISSUER, https://HOST:PORT)
//   --tls-cert / --tls-key (IDP_TLS_CERT / IDP_TLS_KEY: PEM server certificate and key)
//   --jwks (IDP_JWKS: JSON file {"keys":[...]} of PRIVATE signing JWKs; the first key of an
//           algorithm signs, so put the new key first for a rotation test)
//   --log (IDP_LOG, provider.log)       --token-ttl (IDP_TOKEN_TTL, 600 s: access and ID tokens)
//   --device-ttl (IDP_DEVICE_TTL, 600 s) --device-interval (IDP_DEVICE_INTERVAL, unset: the
//           "interval" of device authorization responses; set, faster polls get slow_down)
//   --client-secret (IDP_CLIENT_SECRET, oidc-auth-test-secret)
//   --cc-username (IDP_CC_USERNAME, svc-mail: preferred_username of client_credentials tokens)
//   --id-token-claims (IDP_ID_TOKEN_CLAIMS, scopes: ID tokens carry the claims of the requested
//           scopes; sub-only: only sub, amr and auth_time when an access token is issued too,
//           as OIDC Core 5.4 allows and some providers do: the claims are at userinfo)
//   --webmail-redirect-uris (IDP_WEBMAIL_REDIRECT_URIS, https://127.0.0.1/index.php/login/oauth:
//           space-separated redirect URIs of the "webmail" client, a Roundcube instance each)
// Prints one line "READY <issuer>" on stdout when listening; everything else goes to the log.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as crypto from 'node:crypto';
import { format } from 'node:util';

const settings = readSettings(process.argv.slice(2));
const logStream = fs.createWriteStream(settings.log, { flags: 'a' });
function log(...args) {
	logStream.write(`${new Date().toISOString()} ${format(...args)}\n`);
}
// oidc-provider and node print warnings through console; keep stdout for the READY line only.
for (const name of ['log', 'info', 'warn', 'error', 'debug'])
	console[name] = (...args) => log(`[${name}]`, ...args);
process.on('warning', (w) => log('[warning]', w.message));

const { default: Provider, errors } = await import('oidc-provider');

function readSettings(argv) {
	const names = ['port', 'host', 'issuer', 'tls-cert', 'tls-key', 'jwks', 'log', 'token-ttl',
		'device-ttl', 'device-interval', 'client-secret', 'cc-username', 'id-token-claims',
		'webmail-redirect-uris'];
	const got = {};
	for (let i = 0; i < argv.length; i++) {
		const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
		if (!m || !names.includes(m[1]))
			die(`unknown argument ${argv[i]}`);
		got[m[1]] = m[2] ?? argv[++i];
		if (got[m[1]] === undefined)
			die(`missing value for --${m[1]}`);
	}
	const pick = (name, dflt) =>
		got[name] ?? process.env[`IDP_${name.toUpperCase().replaceAll('-', '_')}`] ?? dflt;
	const int = (name, dflt) => {
		const v = pick(name, dflt);
		if (v === undefined)
			return undefined;
		if (!/^[0-9]+$/.test(String(v)) || Number(v) < 1)
			die(`--${name} must be a positive integer, got ${v}`);
		return Number(v);
	};
	const s = {
		port: int('port'),
		host: pick('host', '127.0.0.1'),
		cert: pick('tls-cert'),
		key: pick('tls-key'),
		jwks: pick('jwks'),
		log: pick('log', 'provider.log'),
		tokenTtl: int('token-ttl', 600),
		deviceTtl: int('device-ttl', 600),
		deviceInterval: int('device-interval'),
		clientSecret: pick('client-secret', 'oidc-auth-test-secret'),
		ccUsername: pick('cc-username', 'svc-mail'),
		idTokenClaims: pick('id-token-claims', 'scopes'),
		webmailRedirects: String(pick('webmail-redirect-uris',
			'https://127.0.0.1/index.php/login/oauth')).split(/\s+/).filter(Boolean),
	};
	if (!['scopes', 'sub-only'].includes(s.idTokenClaims))
		die('--id-token-claims must be scopes or sub-only');
	for (const need of ['port', 'tls-cert', 'tls-key', 'jwks'])
		if (s[need.replace('tls-', '')] === undefined)
			die(`--${need} (or IDP_${need.toUpperCase().replace('-', '_')}) is required`);
	if (!['127.0.0.1', '::1', 'localhost'].includes(s.host))
		die('--host must be a loopback address');
	const hostInUrl = s.host.includes(':') ? `[${s.host}]` : s.host;
	s.issuer = pick('issuer', `https://${hostInUrl}:${s.port}`);
	return s;
}

function die(msg) {
	process.stderr.write(`provider.mjs: ${msg}\n`);
	process.exit(2);
}

function readJwks(file) {
	const jwks = JSON.parse(fs.readFileSync(file, 'utf8'));
	if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
		die(`${file}: no "keys"`);
	for (const k of jwks.keys)
		if (!k.d || !k.kid)
			die(`${file}: every key needs "kid" and the private part "d"`);
	return jwks;
}

// Accounts: any login name exists (devInteractions accept any password). "nogroup" is not in
// mail-users; "unverified" has email_verified false.
function accountClaims(login) {
	return {
		sub: login,
		preferred_username: login,
		name: `Test User ${login}`,
		email: `${login}@example.test`,
		email_verified: login !== 'unverified',
		groups: login === 'nogroup' ? [] : ['mail-users'],
	};
}

const USER_AMR = ['pwd', 'mfa'];

// Resource servers (RFC 8707 indicators): JWT access tokens (RFC 9068) with a chosen alg, or
// opaque ones that only introspection can read.
const RESOURCES = {
	'api://mail': { format: 'jwt', alg: 'RS256' },
	'api://mail-es': { format: 'jwt', alg: 'ES256' },
	'api://opaque': { format: 'opaque' },
	// another API of the same provider: its tokens must not open a mailbox (tests/webmail)
	'api://calendar': { format: 'jwt', alg: 'RS256' },
};
const RESOURCE_SCOPE = 'mail.read';

function resourceServerInfo(indicator) {
	const r = RESOURCES[indicator];
	if (!r)
		throw new errors.InvalidTarget(`unknown resource ${indicator}`);
	const info = {
		audience: indicator,
		scope: RESOURCE_SCOPE,
		accessTokenTTL: settings.tokenTtl,
		accessTokenFormat: r.format,
	};
	if (r.format === 'jwt')
		info.jwt = { sign: { alg: r.alg } };
	return info;
}

// client_credentials tokens: preferred_username and groups, which a test may choose with the
// token request parameters x_username and x_groups (a comma list, "-" for none).
async function extraTokenClaims(ctx, token) {
	if (token.kind === 'ClientCredentials') {
		const params = ctx?.state?.tokenParams ?? new URLSearchParams();
		const groups = params.has('x_groups')
			? params.get('x_groups').split(',').filter((g) => g && g !== '-')
			: ['mail-users'];
		return { preferred_username: params.get('x_username') || settings.ccUsername, groups };
	}
	if (token.accountId) {
		const c = accountClaims(token.accountId);
		return {
			preferred_username: c.preferred_username,
			email: c.email,
			email_verified: c.email_verified,
			groups: c.groups,
			amr: USER_AMR,
		};
	}
	return undefined;
}

// First-party test clients: grant whatever the request asks for, so no consent page.
async function loadExistingGrant(ctx) {
	const { oidc } = ctx;
	const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
	let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
	if (!grant) {
		if (!oidc.session.accountId)
			return undefined;
		grant = new oidc.provider.Grant({
			clientId: oidc.client.clientId,
			accountId: oidc.session.accountId,
		});
	}
	// mail.read is listed in "scopes" too (discovery shows it), so it counts as an OIDC scope.
	const requested = String(oidc.params?.scope ?? '').split(' ').filter(Boolean);
	if (requested.length)
		grant.addOIDCScope(requested.join(' '));
	for (const indicator of Object.keys(oidc.resourceServers ?? {}))
		grant.addResourceScope(indicator, RESOURCE_SCOPE);
	await grant.save();
	return grant;
}

const jwks = readJwks(settings.jwks);
const secret = settings.clientSecret;
const ALL_GRANTS = ['client_credentials', 'urn:ietf:params:oauth:grant-type:device_code',
	'refresh_token', 'authorization_code'];
const confidential = (clientId, method) => ({
	client_id: clientId,
	client_secret: secret,
	client_name: 'oidc-auth test client',
	token_endpoint_auth_method: method,
	grant_types: ALL_GRANTS,
	response_types: ['code'],
	redirect_uris: ['https://127.0.0.1/callback'],
	scope: 'openid profile email offline_access mail.read',
});

const configuration = {
	clients: [
		// oidc-provider treats client_secret_basic and client_secret_post as one method:
		// this client accepts both.
		confidential('oidc-auth-test', 'client_secret_basic'),
		// Another application of the same provider (issue 11: a web app that signs users in
		// with openid profile, no resource indicator): its opaque access tokens introspect
		// without aud and must not open the mail server.
		{ ...confidential('webapp', 'client_secret_basic'), client_name: 'another web app',
			scope: 'openid profile email' },
		{
			client_id: 'oidc-auth-device',
			client_name: 'oidc-auth device client',
			token_endpoint_auth_method: 'none',
			application_type: 'native',
			grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
			response_types: [],
			redirect_uris: [],
			scope: 'openid profile email offline_access mail.read',
		},
		{
			// a webmail (Roundcube, tests/webmail): authorization code flow in the user's
			// browser; Roundcube sends client_id and client_secret in the token request body
			client_id: 'webmail',
			client_secret: secret,
			client_name: 'oidc-auth test webmail',
			token_endpoint_auth_method: 'client_secret_post',
			grant_types: ['authorization_code', 'refresh_token'],
			response_types: ['code'],
			redirect_uris: settings.webmailRedirects,
			scope: 'openid profile email offline_access mail.read',
		},
	],
	jwks,
	cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
	scopes: ['openid', 'profile', 'email', 'offline_access', RESOURCE_SCOPE],
	claims: {
		// amr and auth_time in every ID token: tests check them (RFC 8176, OIDC Core 2).
		openid: ['sub', 'amr', 'auth_time'],
		profile: ['preferred_username', 'name', 'groups'],
		email: ['email', 'email_verified'],
		acr: null,
		sid: null,
		iss: null,
	},
	// ID tokens carry the scope's claims even when an access token is issued for userinfo,
	// unless --id-token-claims sub-only.
	conformIdTokenClaims: settings.idTokenClaims === 'sub-only',
	extraTokenClaims,
	loadExistingGrant,
	async findAccount(ctx, sub) {
		return {
			accountId: sub,
			async claims() {
				return accountClaims(sub);
			},
		};
	},
	features: {
		devInteractions: { enabled: true },
		clientCredentials: { enabled: true },
		introspection: { enabled: true },
		revocation: { enabled: true },
		userinfo: { enabled: true },
		deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****' },
		resourceIndicators: {
			enabled: true,
			defaultResource: async (ctx, client, oneOf) => oneOf,
			useGrantedResource: async () => true,
			getResourceServerInfo: async (ctx, indicator) => resourceServerInfo(indicator),
		},
	},
	routes: {
		authorization: '/auth',
		code_verification: '/device',
		device_authorization: '/device/auth',
		introspection: '/token/introspection',
		jwks: '/jwks',
		revocation: '/token/revocation',
		token: '/token',
		userinfo: '/me',
	},
	ttl: {
		AccessToken: settings.tokenTtl,
		ClientCredentials: settings.tokenTtl,
		IdToken: settings.tokenTtl,
		DeviceCode: settings.deviceTtl,
		AuthorizationCode: 60,
		RefreshToken: 24 * 3600,
		Interaction: 600,
		Session: 3600,
		Grant: 3600,
	},
	pkce: { required: () => false },
	renderError(ctx, out) {
		ctx.type = 'html';
		ctx.body = `<!DOCTYPE html><title>error</title><pre>${
			String(out.error).replace(/[<>&]/g, '')}: ${
			String(out.error_description ?? '').replace(/[<>&]/g, '')}</pre>`;
	},
};

const provider = new Provider(settings.issuer, configuration);

// devInteractions log users in with only an accountId; user logins here carry amr (RFC 8176).
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
	if (result?.login)
		result.login = { amr: USER_AMR, ...result.login };
	return interactionFinished(req, res, result, options);
};

// The token endpoint only parses the parameters of the grant, so the x_* test parameters
// are read here first (ctx.state.tokenParams, used by extraTokenClaims). The same peek gives
// RFC 8628 section 3.5: announce a polling interval and answer slow_down to faster polls.
const lastPoll = new Map();
provider.use(async (ctx, next) => {
	if (ctx.method === 'POST' && ctx.path === '/token'
	    && ctx.is('application/x-www-form-urlencoded')) {
		const body = await readForm(ctx);
		if (body === undefined) {
			ctx.status = 413;
			ctx.body = { error: 'invalid_request', error_description: 'body too large' };
			return;
		}
		ctx.state.tokenParams = body;
		const code = body.get('device_code');
		if (settings.deviceInterval !== undefined && code
		    && body.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code') {
			const now = Date.now();
			const last = lastPoll.get(code);
			lastPoll.set(code, now);
			if (last !== undefined && now - last < settings.deviceInterval * 1000) {
				ctx.status = 400;
				ctx.set('Cache-Control', 'no-store');
				ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
				return;
			}
		}
	}
	await next();
	// which access token went to which client, as the servers' audit lines name it (the first
	// 8 bytes of its SHA-256): a test can tell that the token a server accepted is the one a
	// client got here. Never the token itself.
	if (ctx.path === '/token' && ctx.status === 200 && typeof ctx.body?.access_token === 'string')
		log(`issued access token sha256:${crypto.createHash('sha256')
			.update(ctx.body.access_token).digest('hex').slice(0, 16)} client=${
			ctx.oidc?.client?.clientId ?? '-'} grant=${ctx.state.tokenParams?.get('grant_type') ?? '-'}`);
	if (ctx.path === '/device/auth' && ctx.status === 200 && settings.deviceInterval !== undefined
	    && ctx.body && typeof ctx.body === 'object')
		ctx.body = { ...ctx.body, interval: settings.deviceInterval };
});

// Read a urlencoded body (at most 64 KiB) and leave it in ctx.request.body, which
// oidc-provider's parser uses when the stream was already consumed.
async function readForm(ctx) {
	const chunks = [];
	let size = 0;
	for await (const c of ctx.req) {
		size += c.length;
		if (size > 64 * 1024)
			return undefined;
		chunks.push(c);
	}
	const raw = Buffer.concat(chunks).toString('utf8');
	ctx.request.body = raw;
	return new URLSearchParams(raw);
}

provider.use(async (ctx, next) => {
	const t0 = Date.now();
	try {
		await next();
	} finally {
		log(`${ctx.method} ${ctx.path} -> ${ctx.status} (${Date.now() - t0} ms)`);
	}
});

for (const ev of ['server_error', 'grant.error', 'introspection.error', 'revocation.error',
	'userinfo.error', 'authorization.error', 'backchannel.error', 'jwks.error',
	'discovery.error', 'end_session.error', 'pushed_authorization_request.error'])
	provider.on(ev, (ctx, err) => log(`${ev}: ${err?.name}: ${err?.message} ${
		err?.error_description ?? ''}`));

const server = https.createServer({
	cert: fs.readFileSync(settings.cert),
	key: fs.readFileSync(settings.key),
}, provider.callback());

server.on('error', (err) => {
	log(`listen failed: ${err.message}`);
	process.stderr.write(`provider.mjs: listen failed: ${err.message}\n`);
	process.exit(1);
});

function shutdown(sig) {
	log(`${sig}: stopping`);
	server.close();
	server.closeAllConnections();
	logStream.end(() => process.exit(0));
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

server.listen(settings.port, settings.host, () => {
	log(`listening on ${settings.host}:${settings.port}, issuer ${settings.issuer}, keys ${
		jwks.keys.map((k) => `${k.kid}/${k.alg ?? k.kty}`).join(' ')}`);
	process.stdout.write(`READY ${settings.issuer}\n`);
});
