-- Vulnerabilities at scale (issue 13).
-- The prioritised list, largest priority first, is read along an index across entities and
-- one per entity; both carry the columns the list filters on (status, KEV, triage), so that
-- its bounded count and its page's ids are read from the index alone.
DROP INDEX vulnerability_matches_by_priority;
CREATE INDEX vulnerability_matches_by_priority
    ON vulnerability_matches (entity_id, priority, id, status, kev, triage, triage_until);
CREATE INDEX vulnerability_matches_by_rank
    ON vulnerability_matches (priority, id, status, kev, triage, triage_until);
-- The other model name a device reports (a module name beside its order number), matched
-- against the advisories' product names. Assets stored before are matched without it until a
-- sensor reports them again.
ALTER TABLE assets ADD COLUMN product_name TEXT;
