-- The audit trail page offers the distinct actions and actors as filter choices: each value
-- is found by one step along these indexes (a loose index scan) instead of reading the whole
-- log, and a filtered page is read newest first from the same index.
CREATE INDEX audit_log_by_action ON audit_log (action, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor_label, seq);

-- A requirement's page shows its own history only: a range over this index.
CREATE INDEX result_history_by_requirement ON result_history (assessment_id, requirement_id, at);
