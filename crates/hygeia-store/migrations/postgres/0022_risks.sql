-- Risk management (issue 14). The organisation's risk matrix is kept version by version (no
-- row: the shipped 5x5 default, version 0); a new version re-rates every risk in the same
-- transaction. A risk belongs to an entity; its three ratings (inherent, current, residual)
-- are rows of risk_ratings with their cell and their level on the matrix in force, so that a
-- heat map is one aggregate. `severity` orders the register: the level's rank of the current
-- rating (else the inherent one) then its cell; -1 while the risk is still to rate.
CREATE TABLE risk_matrices (
    version BIGINT PRIMARY KEY,
    matrix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE risks (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    scenario_id TEXT,
    origin TEXT,
    objective TEXT,
    owner TEXT,
    treatment TEXT,
    accepted_by TEXT,
    acceptance_reason TEXT,
    accepted_until TEXT,
    review_every_months BIGINT NOT NULL,
    next_review_on TEXT NOT NULL,
    severity BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (entity_id, reference)
);
CREATE INDEX risks_by_severity ON risks (severity, id);
CREATE INDEX risks_of_entity ON risks (entity_id, severity, id);

CREATE TABLE risk_ratings (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    likelihood BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    level TEXT,
    rating TEXT NOT NULL,
    PRIMARY KEY (risk_id, stage)
);
CREATE INDEX risk_ratings_by_cell ON risk_ratings (stage, entity_id, likelihood, impact);

CREATE TABLE risk_requirements (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    PRIMARY KEY (risk_id, framework_id, requirement_id)
);
