-- Governance under NIS2 Art. 20 (issue 16, item 3). The management body's members (kept when
-- they leave: what they signed stays signed); approvals of the risk-management measures or of
-- a policy version, recorded once and never changed; training records of members and staff;
-- policies with numbered versions (draft, approved, published, superseded) and the users'
-- acknowledgements of a version.
CREATE TABLE board_members (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    email TEXT NOT NULL,
    user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    appointed_on TEXT NOT NULL,
    left_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX board_members_of_entity ON board_members (entity_id, appointed_on);

CREATE TABLE policies (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- Role codes separated by commas; empty: every user of the entity.
    audience_roles TEXT NOT NULL,
    review_months BIGINT NOT NULL CHECK (review_months BETWEEN 1 AND 36),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX policies_of_entity ON policies (entity_id, title);

CREATE TABLE policy_versions (
    policy_id TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    version BIGINT NOT NULL CHECK (version >= 1),
    state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'published', 'superseded')),
    summary TEXT NOT NULL,
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    drafted_at TEXT NOT NULL,
    drafted_by TEXT NOT NULL,
    published_on TEXT,
    next_review_on TEXT,
    PRIMARY KEY (policy_id, version)
);
CREATE INDEX policy_versions_by_state ON policy_versions (state, next_review_on);

CREATE TABLE governance_approvals (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    subject TEXT NOT NULL CHECK (subject IN ('measures', 'policy')),
    policy_id TEXT REFERENCES policies(id) ON DELETE CASCADE,
    policy_version BIGINT,
    version TEXT NOT NULL,
    approved_on TEXT NOT NULL,
    member_id TEXT NOT NULL REFERENCES board_members(id),
    reference TEXT NOT NULL,
    note TEXT NOT NULL,
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    CHECK ((subject = 'policy') = (policy_id IS NOT NULL AND policy_version IS NOT NULL))
);
CREATE INDEX governance_approvals_of_entity ON governance_approvals (entity_id, approved_on);
CREATE INDEX governance_approvals_of_policy ON governance_approvals (policy_id, policy_version);

CREATE TABLE training_records (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    person_name TEXT NOT NULL,
    member_id TEXT REFERENCES board_members(id) ON DELETE SET NULL,
    user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    course TEXT NOT NULL,
    provider TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    valid_until TEXT,
    evidence_id TEXT REFERENCES evidence(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX training_records_of_entity ON training_records (entity_id, completed_on);
CREATE INDEX training_records_by_end ON training_records (valid_until);

CREATE TABLE policy_acknowledgements (
    policy_id TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (policy_id, version, user_id)
);
CREATE INDEX policy_acknowledgements_by_user ON policy_acknowledgements (user_id);
