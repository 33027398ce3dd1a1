-- Bumped in the transaction of every result write, so a summary of an assessment's results
-- (the dashboard's) can be cached under (id, version, results_version) by each instance:
-- another instance's write changes the key. Kept apart from `version`, which guards the
-- assessment's own fields against concurrent edits.
ALTER TABLE assessments ADD COLUMN results_version BIGINT NOT NULL DEFAULT 0;

-- The dashboard's audit activity chart counts records per day since a date (a first count
-- over this range; later requests add only the records numbered after the last one seen).
CREATE INDEX audit_log_by_at ON audit_log (at, entity_id);

-- The dashboard counts each entity's expired and expiring evidence: a range over this index,
-- which also serves every lookup by entity alone (so the older one-column index goes).
CREATE INDEX evidence_by_entity_expiry ON evidence (entity_id, valid_until);
DROP INDEX evidence_by_entity;
