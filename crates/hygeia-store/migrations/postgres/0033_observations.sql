-- Automated checks (issue 16). A run reads each shipped check for every entity: a failing
-- check opens an observation (one open per entity and check) that keeps the records it found
-- (the first 20 as JSON, with their count) and when they were last seen; a check that passes
-- again closes it. A failing check proposes "non-compliant" on the requirements it informs in
-- the entity's assessments; a person confirms (the result is set, audited) or dismisses it with
-- a reason. Each run is recorded; its row is also the lock that keeps runs one at a time.
CREATE TABLE observations (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    check_id TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    record_count BIGINT NOT NULL,
    records TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    closed_at TEXT,
    CHECK ((state = 'open') = (closed_at IS NULL))
);
CREATE UNIQUE INDEX observations_one_open ON observations (entity_id, check_id)
    WHERE state = 'open';
CREATE INDEX observations_by_state ON observations (state, entity_id, opened_at);

CREATE TABLE result_proposals (
    id TEXT PRIMARY KEY,
    observation_id TEXT NOT NULL REFERENCES observations(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    -- The result when proposed (NULL: not assessed yet).
    value_before TEXT,
    state TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'dismissed', 'withdrawn')),
    proposed_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    reason TEXT,
    CHECK (state <> 'dismissed' OR reason IS NOT NULL),
    UNIQUE (observation_id, assessment_id, requirement_id)
);
CREATE INDEX result_proposals_by_state ON result_proposals (state, entity_id, proposed_at);
CREATE INDEX result_proposals_by_requirement
    ON result_proposals (assessment_id, requirement_id, state);

CREATE TABLE check_runs (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    checks BIGINT NOT NULL,
    opened BIGINT NOT NULL,
    refreshed BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    proposed BIGINT NOT NULL,
    open_total BIGINT NOT NULL,
    started_by TEXT NOT NULL
);
CREATE INDEX check_runs_latest ON check_runs (started_at);
