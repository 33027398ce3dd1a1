-- Security keys and passkeys (WebAuthn) as second factors.

-- A registered key: its credential (public key, counter, as webauthn-rs serialises it) sealed
-- under a key derived from the instance key, so a row written without that key is refused.
CREATE TABLE security_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    credential_enc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX security_keys_user ON security_keys (user_id);

-- A ceremony in progress (one registration and one sign-in per user at most): the challenge
-- and what the browser's answer is checked against, until it expires.
CREATE TABLE security_key_ceremonies (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    expires_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
