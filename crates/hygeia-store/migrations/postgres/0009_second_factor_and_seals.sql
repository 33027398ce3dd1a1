-- Audit seals, and second factors.

-- Each record's seal: HMAC-SHA256 of its hash under a key kept outside the database (NULL for
-- records written before the instance had a key).
ALTER TABLE audit_log ADD COLUMN mac TEXT;

-- One authenticator app per user. The secret is encrypted (ChaCha20-Poly1305) under a key
-- derived from the instance key; `last_step` makes each code single-use.
CREATE TABLE totp_factors (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_enc TEXT NOT NULL,
    confirmed_at TEXT,
    last_step BIGINT,
    created_at TEXT NOT NULL
);

-- Single-use recovery codes, stored as keyed hashes (HMAC under a derived key).
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- A sign-in whose password was right and whose second factor is awaited (or must first be
-- enrolled): no session exists until the factor is given.
CREATE TABLE pending_sign_ins (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    must_enrol BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT ''
);

-- Whether the session was opened with a second factor.
ALTER TABLE sessions ADD COLUMN mfa BIGINT NOT NULL DEFAULT 0;
