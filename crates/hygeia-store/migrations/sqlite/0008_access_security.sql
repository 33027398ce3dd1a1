-- Access security: throttling per account and origin with known devices, sessions with an
-- idle timeout and their owner's view of them, tokens with a scope and an entity.

-- A password check is reserved (as a failure) before its slow hash runs, then marked as a
-- success if it was one. `origin` is the known-device cookie's hash, else the source address.
ALTER TABLE login_attempts ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE login_attempts ADD COLUMN known_device BIGINT NOT NULL DEFAULT 0;
CREATE INDEX login_attempts_by_origin ON login_attempts (email, origin, at);
CREATE INDEX login_attempts_by_source ON login_attempts (source, at);

-- Browsers where a user signed in before (the cookie's secret is stored hashed).
CREATE TABLE known_devices (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);
CREATE INDEX known_devices_by_user ON known_devices (user_id);

ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- full: everything the owner may do; read: reads only; ingest: sensor batches for one entity.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
ALTER TABLE api_tokens ADD COLUMN entity_id TEXT REFERENCES entities(id);
