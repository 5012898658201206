// A real, certified OpenID provider (panva's oidc-provider) on loopback, for the identity tests and the demo.
//
//   npm ci && OIDC_REDIRECT_URIS=http://127.0.0.1:8000/accounts/oidc/initech/login/callback/ node server.js
//
// One client, authorization-code flow with PKCE required, a signing key made at start-up. The login page is a
// tiny form: any email is accepted (nobody checks a password here), with the claims a test wants
// (email_verified, names, a stable `sub`). Consent is implicit: the one client is first-party.
//
// Knobs (environment variables):
//   OIDC_PORT               port on 127.0.0.1 (default 9000; 0 picks a free one, printed on stdout)
//   OIDC_CLIENT_ID          default "onepane"
//   OIDC_CLIENT_SECRET      default "onepane-secret"
//   OIDC_REDIRECT_URIS      space-separated redirect URIs of the client (the Django callback URLs)
//   OIDC_ID_TOKEN_AUDIENCE  if set, ID tokens name this audience instead of the client (a wrong audience)
//   OIDC_ID_TOKEN_EXPIRED   if "1", ID tokens are already expired when they are issued
// On start it prints one line of JSON: {"issuer": "...", "port": N}.
import { createServer } from 'node:http';
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const env = process.env;
const host = '127.0.0.1';
const clientId = env.OIDC_CLIENT_ID || 'onepane';
const clientSecret = env.OIDC_CLIENT_SECRET || 'onepane-secret';
const redirectUris = (env.OIDC_REDIRECT_URIS || 'http://127.0.0.1:8000/accounts/oidc/callback/').split(/\s+/).filter(Boolean);
const wrongAudience = env.OIDC_ID_TOKEN_AUDIENCE || '';
const expired = env.OIDC_ID_TOKEN_EXPIRED === '1';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'onepane-test', use: 'sig', alg: 'RS256' };

// People who logged in, by `sub`: the claims they typed on the login form.
const accounts = new Map();

function findAccount(ctx, sub) {
  const claims = accounts.get(sub);
  if (!claims) return undefined;
  return { accountId: sub, claims: async () => ({ sub, ...claims }) };
}

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

// Re-sign an ID token with the provider's own key after changing its claims: a token the client must refuse
// for its claims, not for a broken signature.
function tamper(idToken) {
  const [header, payload] = idToken.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  if (wrongAudience) payload.aud = wrongAudience;
  if (expired) {
    const now = Math.floor(Date.now() / 1000);
    payload.iat = now - 600;
    payload.exp = now - 300;
  }
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

function listen(server, port) {
  return new Promise((resolve) => {
    server.listen(port, host, () => resolve(server.address().port));
  });
}

const escape = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, params) {
  return `<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>
<p>Signing in to ${escape(params.client_id)}. Any email works here.</p>
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>Email <input name="email" type="email" required autofocus></label>
  <label>Given name <input name="given_name"></label>
  <label>Family name <input name="family_name"></label>
  <label>Subject (stable id; defaults to the email) <input name="sub"></label>
  <label><input type="checkbox" name="email_verified" value="1" checked> Email verified</label>
  <button type="submit">Sign in</button>
</form></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

async function main() {
  const server = createServer();
  const port = await listen(server, Number(env.OIDC_PORT ?? 9000));
  const issuer = `http://${host}:${port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: [jwk] },
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    // The one client is first-party: every login grants it the scopes it asked for, without a consent page.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
      await grant.save();
      return grant;
    },
  });

  if (wrongAudience || expired) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
        ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token) };
      }
    });
  }

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(loginPage(details.uid, details.params));
      }
      const form = await readForm(req);
      const email = (form.get('email') || '').trim();
      if (!email) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end('An email is required.');
      }
      const sub = (form.get('sub') || '').trim() || email;
      const givenName = form.get('given_name') || '';
      const familyName = form.get('family_name') || '';
      accounts.set(sub, {
        email,
        email_verified: form.get('email_verified') === '1',
        given_name: givenName,
        family_name: familyName,
        name: `${givenName} ${familyName}`.trim(),
      });
      return await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end(`Interaction failed: ${err.message}`);
    }
  });

  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
