-- What is at stake (issue 14): the business processes and information of an entity with
-- their security needs (confidentiality, integrity, availability from 1 to 4; patient safety
-- and GMP product quality as flags), their recovery objectives, the inventory assets and sites
-- that support them, and the risks that threaten them.
CREATE TABLE processes (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('process', 'information')),
    description TEXT NOT NULL,
    owner TEXT,
    confidentiality BIGINT NOT NULL,
    integrity BIGINT NOT NULL,
    availability BIGINT NOT NULL,
    patient_safety BIGINT NOT NULL,
    product_quality BIGINT NOT NULL,
    criticality BIGINT NOT NULL,
    rto_hours BIGINT,
    rpo_hours BIGINT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (entity_id, name)
);
CREATE INDEX processes_of_entity ON processes (entity_id, criticality, name);

CREATE TABLE process_assets (
    process_id TEXT NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    PRIMARY KEY (process_id, asset_id)
);
CREATE INDEX process_assets_by_asset ON process_assets (asset_id);

CREATE TABLE process_sites (
    process_id TEXT NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    PRIMARY KEY (process_id, site_id)
);

CREATE TABLE risk_processes (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    process_id TEXT NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, process_id)
);
CREATE INDEX risk_processes_by_process ON risk_processes (process_id);
