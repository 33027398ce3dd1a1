-- Passive monitoring: the asset inventory, the communication map, zone findings and the
-- events that changes to them raise, per legal entity (need-to-know applies).
-- List-valued attributes (IPs, names, roles, protocols, operations) are JSON arrays as text.

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    asset_key TEXT NOT NULL,
    mac TEXT,
    ips TEXT NOT NULL,
    names TEXT NOT NULL,
    vendor TEXT,
    model TEXT,
    firmware TEXT,
    serial TEXT,
    roles TEXT NOT NULL,
    protocols TEXT NOT NULL,
    sensors TEXT NOT NULL,
    packets BIGINT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (entity_id, asset_key)
);

CREATE TABLE asset_flows (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    flow_key TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    protocol TEXT NOT NULL,
    packets BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    operations TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (entity_id, flow_key)
);

CREATE TABLE monitor_findings (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    finding_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    summary TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    protocol TEXT NOT NULL,
    operations TEXT NOT NULL,
    refs TEXT NOT NULL,
    occurrences BIGINT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (entity_id, finding_key)
);

CREATE TABLE asset_events (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    summary TEXT NOT NULL,
    sensor TEXT NOT NULL
);
CREATE INDEX asset_events_by_entity ON asset_events (entity_id, at);
