-- The review of a zone/conduit finding: acknowledged (a real violation, known and being
-- handled) or a false positive, with the reason, who said so and when; `open` again when a
-- reviewer reopens it. One current review per finding (the audit trail keeps every change);
-- `occurrences_at_review` tells whether the flow was seen again since.
CREATE TABLE finding_reviews (
    finding_id TEXT PRIMARY KEY REFERENCES monitor_findings(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'false_positive')),
    reason TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    occurrences_at_review BIGINT NOT NULL
);
CREATE INDEX finding_reviews_by_entity ON finding_reviews (entity_id, state);
