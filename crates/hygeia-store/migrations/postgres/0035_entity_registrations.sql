-- The data an entity gives its competent authority to be registered (NIS2 Art. 3(4); Art. 27(2)
-- for digital providers): one row per entity, lists kept as JSON arrays of text, saved
-- incomplete if need be. `version` counts the saves (the audit trail keeps each one).
CREATE TABLE entity_registrations (
    entity_id TEXT PRIMARY KEY REFERENCES entities(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    other_establishments TEXT NOT NULL,
    emails TEXT NOT NULL,
    phones TEXT NOT NULL,
    member_states TEXT NOT NULL,
    ip_ranges TEXT NOT NULL,
    representative TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
