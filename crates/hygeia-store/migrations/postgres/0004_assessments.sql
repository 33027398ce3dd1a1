-- Compliance work per legal entity: controls (decoupled from frameworks), assessments of one
-- framework with one result per requirement, the history of results (for trends), evidence
-- (files kept in the database, see docs/adr/0004-evidence-storage.md, and links) and the
-- organisation's reviews of crosswalk pairs. Dates are `YYYY-MM-DD` text, instants RFC 3339.

CREATE TABLE controls (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    owner TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'implemented', 'retired')),
    implemented_on TEXT,
    next_review_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (entity_id, name)
);

-- Requirements (of any framework) a control helps to satisfy.
CREATE TABLE control_requirements (
    control_id TEXT NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    PRIMARY KEY (control_id, framework_id, requirement_id)
);
CREATE INDEX control_requirements_by_requirement
    ON control_requirements (framework_id, requirement_id);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'archived')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX assessments_by_entity ON assessments (entity_id, framework_id);

-- One row per requirement that has been given a result; the others are `not_assessed`.
CREATE TABLE assessment_results (
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('not_assessed', 'compliant', 'partially_compliant',
                                         'non_compliant', 'not_applicable')),
    owner TEXT,
    due_on TEXT,
    notes TEXT,
    justification TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'accepted_derivation', 'overridden_derivation')),
    -- JSON: the derivation accepted or overridden (source framework, rule, sources, reason).
    origin_detail TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (assessment_id, requirement_id),
    CHECK (value <> 'not_applicable' OR justification IS NOT NULL)
);

-- Every value a result took, in order: the trend is replayed from here (the audit trail has
-- the same facts with who and why, but is not meant to be scanned for charts).
CREATE TABLE result_history (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    requirement_id TEXT NOT NULL,
    value TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX result_history_by_assessment ON result_history (assessment_id, at);

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    title TEXT NOT NULL,
    file_name TEXT,
    media_type TEXT,
    size_bytes BIGINT,
    sha256 TEXT,
    url TEXT,
    valid_until TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK ((kind = 'file' AND sha256 IS NOT NULL AND size_bytes IS NOT NULL)
        OR (kind = 'link' AND url IS NOT NULL))
);
CREATE INDEX evidence_by_entity ON evidence (entity_id);

-- The bytes of a file, apart from its description so that listings never read them.
CREATE TABLE evidence_content (
    evidence_id TEXT PRIMARY KEY REFERENCES evidence(id) ON DELETE CASCADE,
    content BYTEA NOT NULL
);

-- What a piece of evidence supports: a control, or a requirement of a framework (for the
-- entity's every assessment of that framework).
CREATE TABLE evidence_links (
    id TEXT PRIMARY KEY,
    evidence_id TEXT NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    control_id TEXT REFERENCES controls(id) ON DELETE CASCADE,
    framework_id TEXT,
    requirement_id TEXT,
    created_at TEXT NOT NULL,
    CHECK ((control_id IS NOT NULL AND framework_id IS NULL AND requirement_id IS NULL)
        OR (control_id IS NULL AND framework_id IS NOT NULL AND requirement_id IS NOT NULL))
);
CREATE INDEX evidence_links_by_evidence ON evidence_links (evidence_id);
CREATE INDEX evidence_links_by_requirement ON evidence_links (framework_id, requirement_id);
CREATE INDEX evidence_links_by_control ON evidence_links (control_id);

-- An organisation's review of one pair of a mapping set (named as the set states it).
CREATE TABLE mapping_reviews (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    mapping_set TEXT NOT NULL,
    pair_source TEXT NOT NULL,
    pair_target TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'refined', 'rejected')),
    relationship TEXT,
    rationale TEXT,
    reviewed_at TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    UNIQUE (organisation_id, mapping_set, pair_source, pair_target)
);
