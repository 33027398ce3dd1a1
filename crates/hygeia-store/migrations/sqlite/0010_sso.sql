-- Single sign-on with OpenID Connect (issue 11 item 2): identity providers configured by
-- administrators, the accounts linked to them, and sign-ins in progress.

-- One provider. Without discovery the three endpoints are entered by hand. The client secret
-- is encrypted (ChaCha20-Poly1305) under a key derived from the instance key. Lists are stored
-- as space-separated text (scopes, e-mail domains) or JSON (mapping rules).
CREATE TABLE sso_providers (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    issuer TEXT NOT NULL,
    discovery BIGINT NOT NULL DEFAULT 1,
    authorization_endpoint TEXT,
    token_endpoint TEXT,
    jwks_uri TEXT,
    client_id TEXT NOT NULL,
    client_secret_enc TEXT,
    scopes TEXT NOT NULL,
    groups_claim TEXT NOT NULL,
    rules_json TEXT NOT NULL,
    email_domains TEXT NOT NULL DEFAULT '',
    create_accounts BIGINT NOT NULL DEFAULT 0,
    trust_mfa BIGINT NOT NULL DEFAULT 0,
    mfa_acr TEXT,
    assume_email_verified BIGINT NOT NULL DEFAULT 0,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sso_providers_name_per_organisation ON sso_providers (organisation_id, name);

-- An account's identity at a provider: the (issuer, subject) pair of its ID tokens.
-- `managed`: the account was created by this provider, so its role and grants follow the
-- mapping rules at each sign-in; accounts linked later keep what Hygeia gives them.
CREATE TABLE sso_links (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES sso_providers(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    managed BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_links_by_user ON sso_links (user_id);

-- A sign-in sent to a provider and not back yet: named by the hash of the browser's flow
-- cookie, single use, short-lived. The PKCE verifier is encrypted like the client secret.
CREATE TABLE sso_flows (
    id_hash TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES sso_providers(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier_enc TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    lang TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
