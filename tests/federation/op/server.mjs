// A real OpenID Provider for the federation tests: node oidc-provider (certified), one
// client (PKCE required), accounts named by e-mail, and an interaction that signs the
// account named by `login_hint` in at once (the tests play the user, not a login form).
//
// Environment: PORT, REDIRECT_URIS (comma-separated), CLIENT_ID, CLIENT_SECRET.
// Test knob: POST /__test/mode {"mode": "normal" | "tamper" | "wrong-aud" | "token-down"}
// makes the token endpoint misbehave the way a broken or hostile provider would.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, importJWK, decodeJwt } from 'jose';

const port = Number(process.env.PORT || 0);
const issuer = `http://${process.env.ISSUER_HOST || '127.0.0.1'}:${port}`;
const clientId = process.env.CLIENT_ID || 'flo-portal';
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
let mode = 'normal';

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: process.env.CLIENT_SECRET || 'test-secret',
      redirect_uris: (process.env.REDIRECT_URIS || '').split(',').filter(Boolean),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  jwks: { keys: [jwk] },
  cookies: { keys: ['flo-test-op-cookie-key'] },
  claims: { openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: !id.startsWith('unverified'),
          name: `Test ${id.split('@')[0]}`,
        };
      },
    };
  },
  async loadExistingGrant(ctx) {
    // First-party client: consent is implied, so the only prompt is the login.
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

async function resign(idToken, changes) {
  const claims = { ...decodeJwt(idToken), ...changes };
  const key = await importJWK(jwk, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(key);
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/token' && mode === 'token-down') {
    ctx.status = 503;
    ctx.body = 'down for maintenance';
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    if (mode === 'tamper') {
      const [h, p, s] = ctx.body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url'));
      claims.email = 'someone.else@agency.example';
      ctx.body.id_token = [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
    } else if (mode === 'wrong-aud') {
      ctx.body.id_token = await resign(ctx.body.id_token, { aud: 'another-client' });
    }
  }
});

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/__test/mode') && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      mode = JSON.parse(body || '{}').mode || 'normal';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ mode }));
      return;
    }
    if (req.url.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const hint = details.params.login_hint || 'flo@agency.example';
      const amr = hint.includes('+mfa') ? ['pwd', 'mfa'] : ['pwd'];
      await provider.interactionFinished(req, res, { login: { accountId: hint, amr } }, {
        mergeWithLastSubmission: false,
      });
      return;
    }
    callback(req, res);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(err));
  }
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
