// A real OpenID Connect provider (the `oidc-provider` package) for Hygeia's single sign-on
// tests: its development sign-in and consent forms accept any login, and the accounts below
// carry e-mail addresses and groups. Never for production (development keys and cookies).
//
// Environment: PORT (listening on 127.0.0.1), REDIRECT_URI (Hygeia's callback), SECRET (the
// client secret shared with the test). Prints "ready" once it listens.

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

// Who may sign in, by login name; an unknown login gets no e-mail address and no group.
const people = {
  alice: { email: 'alice@chu.example', email_verified: true, name: 'Alice Martin',
           groups: ['hygeia-contributors', 'site-a'] },
  auditor: { email: 'auditor@example.org', email_verified: true, name: 'Audit Team',
             groups: [] },
  mallory: { email: 'administrator@example.org', email_verified: false, name: 'Mallory',
             groups: ['hygeia-admins'] },
  outsider: { email: 'eve@elsewhere.example', email_verified: true, name: 'Eve',
              groups: ['hygeia-contributors'] },
  strong: { email: 'strong@chu.example', email_verified: true, name: 'Strong Auth',
            groups: ['hygeia-admins'] },
};

const client = (id) => ({
  client_id: id,
  client_secret: process.env.SECRET,
  redirect_uris: [process.env.REDIRECT_URI],
  grant_types: ['authorization_code'],
  response_types: ['code'],
});

const provider = new Provider(issuer, {
  // `hygeia` is Hygeia's client; the tests use `other-app` to obtain ID tokens meant for
  // another audience.
  clients: [client('hygeia'), client('other-app')],
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  // Put the scopes' claims in the ID token itself (Hygeia reads only the ID token).
  conformIdTokenClaims: false,
  findAccount: (ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, ...(people[id] ?? {}) }),
  }),
  cookies: { keys: ['hygeia-test-only'] },
  pkce: { required: () => true },
});

// The `amr` claim: the account `strong` signs in with a second factor at the provider.
const original = provider.IdToken.prototype.payload;
provider.IdToken.prototype.payload = async function payload() {
  const claims = await original.call(this);
  if (claims.sub === 'strong') claims.amr = ['pwd', 'otp'];
  return claims;
};

provider.listen(port, '127.0.0.1', () => console.log('ready'));
