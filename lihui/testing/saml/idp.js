// The SAML 2.0 identity provider the SSO tests log in through: Auth0's samlp (SAML-P IdP
// middleware) behind express, as an intranet's IdP would be set up — its metadata at
// /metadata (for the SP to import), single sign-on at /sso (HTTP-Redirect), single logout at
// /slo; the SP known from its own metadata (SAML_SP_METADATA_URL), as IT would import it;
// responses and assertions signed with the key and certificate the tests generate.
// The login form accepts any password; the login name picks one of SAML_ACCOUNTS.
//
// Started by lihui/testing/sso.py: `node idp.js` with the settings in the environment; it
// listens on 127.0.0.1 on a port of its own choosing and prints {"url": …} once ready.

'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');

const express = require('express');
const samlp = require('samlp');
const SessionParticipants = require('samlp/lib/sessionParticipants');
const { DOMParser } = require('@auth0/xmldom'); // samlp's own XML parser

const env = (name, fallback) => process.env[name] ?? fallback;
const CERT = fs.readFileSync(env('SAML_IDP_CERT'));
const KEY = fs.readFileSync(env('SAML_IDP_KEY'));
const ACCOUNTS = JSON.parse(env('SAML_ACCOUNTS', '{}'));
const SP_METADATA_URL = env('SAML_SP_METADATA_URL');
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

// The attributes as directories name them (LDAP OIDs, as Shibboleth and AD FS send them).
const ATTRIBUTES = {
  uid: 'urn:oid:0.9.2342.19200300.100.1.1',
  email: 'urn:oid:0.9.2342.19200300.100.1.3',
  name: 'urn:oid:2.16.840.1.113730.3.1.241', // displayName
  employee_number: 'urn:oid:2.16.840.1.113730.3.1.3', // employeeNumber
};

function Profile(user) {
  if (!(this instanceof Profile)) return new Profile(user);
  this.user = user;
}
Profile.prototype.getClaims = function () {
  const claims = {};
  for (const [field, name] of Object.entries(ATTRIBUTES)) {
    if (this.user[field]) claims[name] = this.user[field];
  }
  return claims;
};
Profile.prototype.getNameIdentifier = function () {
  return { nameIdentifier: this.user.uid, nameIdentifierFormat: PERSISTENT };
};
Profile.prototype.metadata = Object.entries(ATTRIBUTES).map(([field, id]) => ({ id, optional: true, displayName: field, description: field }));

// The service provider as its metadata describes it, read (once) the way IT imports it:
// its entity id, where to post assertions and where to send logout messages.
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
let sp = null;
async function serviceProvider() {
  if (sp) return sp;
  const response = await fetch(SP_METADATA_URL);
  if (!response.ok) throw new Error(`SP metadata: HTTP ${response.status}`);
  const doc = new DOMParser().parseFromString(await response.text(), 'text/xml');
  const location = (tag) => {
    const node = doc.getElementsByTagNameNS(MD, tag)[0];
    return node && node.getAttribute('Location');
  };
  sp = {
    entityId: doc.documentElement.getAttribute('entityID'),
    acs: location('AssertionConsumerService'),
    sls: location('SingleLogoutService'),
  };
  if (!sp.entityId || !sp.acs) throw new Error('SP metadata without an entityID or an AssertionConsumerService');
  return sp;
}

// The IdP's own sign-in session: a cookie naming an in-memory record.
const sessions = new Map();
function session(req, res, next) {
  const match = /(?:^|;\s*)idp_sid=([\w-]+)/.exec(req.headers.cookie || '');
  let sid = match && sessions.has(match[1]) ? match[1] : null;
  if (!sid) {
    sid = crypto.randomUUID();
    sessions.set(sid, { user: null, participants: [] });
    res.setHeader('Set-Cookie', `idp_sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
  }
  req.session = sessions.get(sid);
  next();
}

const app = express();
app.use(express.urlencoded({ extended: false }));
app.use(session);

app.get('/metadata', samlp.metadata({
  issuer: env('SAML_IDP_ENTITY_ID'), cert: CERT, profileMapper: Profile,
  redirectEndpointPath: '/sso', postEndpointPath: '/sso', logoutEndpointPaths: { redirect: '/slo' },
}));

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/sso', async (req, res, next) => {
  if (!req.session.user) {
    res.type('html').send(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test IdP</title></head>
      <body><h1>Test SAML IdP: sign in</h1>
      <form method="post" action="/login">
        <input type="hidden" name="return" value="${escape(req.originalUrl)}">
        <label>Username <input name="username" autofocus></label>
        <label>Password <input name="password" type="password"></label>
        <button type="submit">Sign in</button>
      </form></body></html>`);
    return;
  }
  let provider;
  try {
    provider = await serviceProvider();
  } catch (err) {
    next(err);
    return;
  }
  const user = { uid: req.session.user, ...(ACCOUNTS[req.session.user] || {}) };
  req.session.index = req.session.index || `_${crypto.randomUUID()}`;
  const participants = req.session.participants;
  if (!participants.some((p) => p.serviceProviderId === provider.entityId)) {
    participants.push({
      serviceProviderId: provider.entityId, nameId: user.uid, nameIdFormat: PERSISTENT, sessionIndex: req.session.index,
      serviceProviderLogoutURL: provider.sls, binding: REDIRECT,
    });
  }
  samlp.auth({
    issuer: env('SAML_IDP_ENTITY_ID'), cert: CERT, key: KEY, profileMapper: Profile, signResponse: true,
    sessionIndex: req.session.index, getUserFromRequest: () => user, destination: provider.acs, recipient: provider.acs,
    getPostURL: (audience, dom, request, callback) => callback(null, provider.acs),
  })(req, res, next);
});

app.post('/login', (req, res) => {
  req.session.user = (req.body.username || '').trim() || null;
  const back = req.body.return || '/sso';
  res.redirect(back.startsWith('/sso') ? back : '/sso');
});

app.get('/slo', (req, res, next) => {
  samlp.logout({
    deflate: true, issuer: env('SAML_IDP_ENTITY_ID'), protocolBinding: REDIRECT, cert: CERT, key: KEY,
    sessionParticipants: new SessionParticipants(req.session.participants),
    clearIdPSession: (callback) => { req.session.user = null; req.session.index = null; callback(); },
  })(req, res, next);
});

// Whether someone is signed in here, for the tests' checks of single logout.
app.get('/whoami', (req, res) => res.json({ user: req.session.user }));

app.use((err, req, res, next) => { // eslint-disable-line no-unused-vars
  process.stderr.write(`${err.stack || err}\n`);
  res.status(400).type('text').send(String(err.message || err));
});

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
