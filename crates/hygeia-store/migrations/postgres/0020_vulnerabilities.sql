-- Vulnerabilities of the inventory (issue 13): advisories imported from files (CSAF 2.0
-- documents and CISA's KEV catalog, never fetched), the matches of the assets against them,
-- and the triage of each match. ADR 11.

-- One import of feed files; the latest import that changed something is the feed's generation.
CREATE TABLE advisory_imports (
    seq BIGINT PRIMARY KEY,
    file_names TEXT NOT NULL,
    advisories_new BIGINT NOT NULL,
    advisories_updated BIGINT NOT NULL,
    advisories_unchanged BIGINT NOT NULL,
    -- Documents older than the revision already stored (the stored one is kept).
    advisories_older BIGINT NOT NULL,
    kev_version TEXT,
    changed BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- One advisory per publisher and tracking id, its newest revision; `content` is the advisory
-- as matching reads it (product tree flattened), gzip-compressed JSON, and `digest` the SHA-256
-- of the document as imported.
CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    publisher TEXT NOT NULL,
    tracking_id TEXT NOT NULL,
    publisher_name TEXT NOT NULL,
    version TEXT NOT NULL,
    current_release_date TEXT NOT NULL,
    title TEXT NOT NULL,
    cves TEXT NOT NULL,
    cvss_tenths BIGINT,
    digest TEXT NOT NULL,
    source TEXT NOT NULL,
    content BYTEA NOT NULL,
    import_seq BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (publisher, tracking_id)
);
CREATE INDEX advisories_by_release ON advisories (current_release_date, id);

-- The KEV catalog in force (one row), gzip-compressed JSON.
CREATE TABLE kev_catalogs (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    catalog_version TEXT NOT NULL,
    date_released TEXT NOT NULL,
    entries BIGINT NOT NULL,
    content BYTEA NOT NULL,
    import_seq BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The feed generation an asset was last matched at; 0 for a new asset or one whose vendor,
-- model or firmware changed, so that it is matched again.
ALTER TABLE assets ADD COLUMN vuln_generation BIGINT NOT NULL DEFAULT 0;
CREATE INDEX assets_by_vuln_generation ON assets (vuln_generation, id);

CREATE TABLE vulnerability_matches (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    -- affected, possibly_affected, fixed or unknown (not_affected is not stored).
    status TEXT NOT NULL,
    basis TEXT NOT NULL,
    confidence BIGINT NOT NULL,
    cves TEXT NOT NULL,
    cvss_tenths BIGINT,
    kev BIGINT NOT NULL,
    known_ransomware BIGINT NOT NULL,
    products TEXT NOT NULL,
    remediations TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- Larger first: KEV and ransomware, then CVSS, then the asset's role, then the status.
    priority BIGINT NOT NULL,
    first_seen TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- new, confirmed, false_positive, accepted_risk, mitigated.
    triage TEXT NOT NULL DEFAULT 'new',
    triage_note TEXT,
    triage_until TEXT,
    triaged_by TEXT,
    triaged_at TEXT,
    UNIQUE (asset_id, advisory_id)
);
CREATE INDEX vulnerability_matches_by_priority ON vulnerability_matches (entity_id, priority, id);
CREATE INDEX vulnerability_matches_by_advisory ON vulnerability_matches (advisory_id, entity_id);

-- Patch planning: maintenance windows of an entity (the whole entity, a zone of its policy or a
-- site), and one remediation plan per match, due on its window's last day or on a set date.
CREATE TABLE maintenance_windows (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- production_stop, validation_campaign, maintenance.
    kind TEXT NOT NULL,
    -- '' (the whole entity), zone:NAME or site:ID.
    scope TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    notes TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX maintenance_windows_by_entity ON maintenance_windows (entity_id, starts_on);

CREATE TABLE remediation_plans (
    match_id TEXT PRIMARY KEY REFERENCES vulnerability_matches(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    window_id TEXT REFERENCES maintenance_windows(id),
    action TEXT NOT NULL,
    owner TEXT,
    due_on TEXT NOT NULL,
    -- planned, done.
    status TEXT NOT NULL,
    done_at TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX remediation_plans_due ON remediation_plans (entity_id, status, due_on);
CREATE INDEX remediation_plans_by_window ON remediation_plans (window_id);
