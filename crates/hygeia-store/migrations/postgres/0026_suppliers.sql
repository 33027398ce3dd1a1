-- Supply-chain security (issue 15): the suppliers of an entity with their criticality answers,
-- tier and ecosystem ratings, contacts and sub-contractors, what they touch (processes, sites,
-- inventory assets), their certifications, and their contracts' security clauses.
CREATE TABLE suppliers (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('onboarding', 'active', 'ended')),
    services TEXT NOT NULL,
    country TEXT,
    owner TEXT,
    notes TEXT NOT NULL,
    ot_access BIGINT NOT NULL,
    health_data BIGINT NOT NULL,
    dependency BIGINT NOT NULL,
    substitutability BIGINT NOT NULL,
    concentration BIGINT NOT NULL,
    tier TEXT NOT NULL CHECK (tier IN ('critical', 'high', 'moderate', 'low')),
    tier_points BIGINT NOT NULL,
    -- Sort key, most critical first: the tier, then its points.
    priority BIGINT NOT NULL,
    penetration BIGINT,
    maturity BIGINT,
    trust BIGINT,
    threat_zone TEXT CHECK (threat_zone IN ('danger', 'control', 'watch')),
    -- Clauses its tier and accesses need that its contracts lack (all of them without a
    -- contract), kept current by every change to the supplier or its clauses.
    clause_gaps BIGINT NOT NULL DEFAULT 0,
    last_review_on TEXT,
    next_review_on TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (entity_id, name)
);
CREATE INDEX suppliers_by_priority ON suppliers (priority, id);
CREATE INDEX suppliers_of_entity ON suppliers (entity_id, priority, id);
CREATE INDEX suppliers_by_review ON suppliers (next_review_on);

CREATE TABLE supplier_contacts (
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    phone TEXT NOT NULL,
    PRIMARY KEY (supplier_id, position)
);

CREATE TABLE supplier_subcontractors (
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    service TEXT NOT NULL,
    country TEXT,
    PRIMARY KEY (supplier_id, position)
);

CREATE TABLE supplier_processes (
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    process_id TEXT NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    PRIMARY KEY (supplier_id, process_id)
);
CREATE INDEX supplier_processes_by_process ON supplier_processes (process_id);

CREATE TABLE supplier_sites (
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    PRIMARY KEY (supplier_id, site_id)
);

CREATE TABLE supplier_assets (
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    PRIMARY KEY (supplier_id, asset_id)
);
CREATE INDEX supplier_assets_by_asset ON supplier_assets (asset_id);

CREATE TABLE supplier_certifications (
    id TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    scheme TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    issuer TEXT NOT NULL,
    valid_from TEXT,
    valid_until TEXT NOT NULL,
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX supplier_certifications_of_supplier ON supplier_certifications (supplier_id, valid_until);
CREATE INDEX supplier_certifications_by_end ON supplier_certifications (valid_until);

CREATE TABLE supplier_contracts (
    id TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    reference TEXT NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    notes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX supplier_contracts_of_supplier ON supplier_contracts (supplier_id);

CREATE TABLE contract_clauses (
    contract_id TEXT NOT NULL REFERENCES supplier_contracts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('present', 'partial', 'missing', 'not_applicable')),
    notification_hours BIGINT,
    note TEXT NOT NULL,
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (contract_id, kind)
);
