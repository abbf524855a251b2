// The OpenID provider the SSO tests log in through: panva's oidc-provider (OpenID Certified),
// configured as an intranet's IdP would be — one confidential client (Lihui), accounts
// carrying the 工号 claim `employee_number`, RP-initiated logout. Its development
// interactions show a real login form that accepts any password; the login name picks the
// account below (an unknown name gets an account with a subject and nothing else).
//
// Started by lihui/testing/sso.py: `node provider.mjs` with the settings in the environment;
// it listens on 127.0.0.1 on a port of its own choosing and prints {"issuer": …} once ready.

import http from 'node:http';

import Provider from 'oidc-provider';

const env = (name, fallback) => process.env[name] ?? fallback;
const ACCOUNTS = JSON.parse(env('OIDC_ACCOUNTS', '{}'));

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: env('OIDC_CLIENT_ID', 'lihui'),
      client_secret: env('OIDC_CLIENT_SECRET', 'lihui-secret'),
      redirect_uris: JSON.parse(env('OIDC_REDIRECT_URIS', '[]')),
      post_logout_redirect_uris: JSON.parse(env('OIDC_POST_LOGOUT_REDIRECT_URIS', '[]')),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'employee_number'],
      email: ['email', 'email_verified'],
    },
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id] ?? { sub: id };
      return { accountId: id, async claims() { return { ...account, sub: account.sub } } };
    },
    cookies: { keys: ['lihui-test-provider-cookie-key'] },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head>
            <body><h1>Sign out of the test provider?</h1>${form}
            <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
            </body></html>`;
        },
      },
    },
    // The claims come back in the ID token too (not only from userinfo).
    conformIdTokenClaims: false,
    ttl: { Session: 3600, Interaction: 600, Grant: 3600 },
  });
  provider.proxy = false;
  // The stock pages import a web font from the internet; these machines (and a test) reach
  // nothing beyond loopback, so drop it.
  provider.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string') ctx.body = ctx.body.replace(/@import url\(https:[^)]*\);?/g, '');
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
