-- Supplier questionnaires (issue 15): a questionnaire sent to a supplier contact as a
-- single-use link (only the SHA-256 of its token is kept), the template it was sent with (a
-- copy, so later template changes leave it whole), the answers and evidence given through the
-- portal, the reviewer's scores and follow-up actions; and the portal's failed token lookups,
-- counted per source address to throttle guessing.
CREATE TABLE supplier_questionnaires (
    id TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    template_id TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    template TEXT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('en', 'fr')),
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('sent', 'draft', 'submitted', 'reviewed', 'revoked')),
    expires_at TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    sent_by TEXT NOT NULL,
    opened_at TEXT,
    submitted_at TEXT,
    reviewed_at TEXT,
    reviewed_by TEXT,
    score BIGINT
);
CREATE INDEX supplier_questionnaires_of_supplier ON supplier_questionnaires (supplier_id, sent_at);
CREATE INDEX supplier_questionnaires_by_state ON supplier_questionnaires (status, expires_at);

CREATE TABLE questionnaire_answers (
    questionnaire_id TEXT NOT NULL REFERENCES supplier_questionnaires(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL,
    review_score BIGINT,
    review_note TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (questionnaire_id, question_id)
);

CREATE TABLE questionnaire_evidence (
    questionnaire_id TEXT NOT NULL REFERENCES supplier_questionnaires(id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    evidence_id TEXT NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    PRIMARY KEY (questionnaire_id, question_id, evidence_id)
);

CREATE TABLE questionnaire_actions (
    id TEXT PRIMARY KEY,
    questionnaire_id TEXT NOT NULL REFERENCES supplier_questionnaires(id) ON DELETE CASCADE,
    question_id TEXT,
    title TEXT NOT NULL,
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'done')),
    created_at TEXT NOT NULL
);
CREATE INDEX questionnaire_actions_of ON questionnaire_actions (questionnaire_id);

CREATE TABLE portal_failures (
    source TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX portal_failures_by_source ON portal_failures (source, at);
