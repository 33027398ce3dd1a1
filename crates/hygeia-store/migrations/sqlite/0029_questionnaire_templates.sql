-- The organisation's own questionnaire templates (issue 15), beside the shipped ones: each
-- kept whole as checked JSON, a new upload under the same id making a new version.
CREATE TABLE questionnaire_templates (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
