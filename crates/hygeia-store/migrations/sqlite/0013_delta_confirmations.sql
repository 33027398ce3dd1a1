-- An entity's confirmation that what a requirement asks beyond its reviewed crosswalk (the
-- delta) is in place. The delta's fingerprint is kept: a confirmation stops counting when the
-- shipped delta text changes.
CREATE TABLE delta_confirmations (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    delta_fingerprint TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    PRIMARY KEY (entity_id, framework_id, requirement_id)
);
