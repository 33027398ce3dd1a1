-- Vulnerabilities at scale (issue 13).
-- The prioritised list across entities, largest priority first, is read along one index; the
-- per-entity list keeps vulnerability_matches_by_priority.
CREATE INDEX vulnerability_matches_by_rank ON vulnerability_matches (priority, id);
-- The other model name a device reports (a module name beside its order number), matched
-- against the advisories' product names. Assets stored before are matched without it until a
-- sensor reports them again.
ALTER TABLE assets ADD COLUMN product_name TEXT;
