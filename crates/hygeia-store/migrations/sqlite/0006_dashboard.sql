-- Bumped in the transaction of every result write, so a summary of an assessment's results
-- (the dashboard's) can be cached under (id, version, results_version) by each instance:
-- another instance's write changes the key. Kept apart from `version`, which guards the
-- assessment's own fields against concurrent edits.
ALTER TABLE assessments ADD COLUMN results_version BIGINT NOT NULL DEFAULT 0;

-- The dashboard's audit activity chart counts records per day since a date: read from the
-- index alone instead of the table with its before/after JSON.
CREATE INDEX audit_log_by_at ON audit_log (at, entity_id);

-- The dashboard counts each entity's expired and expiring evidence: a range over this index.
CREATE INDEX evidence_by_entity_expiry ON evidence (entity_id, valid_until);
