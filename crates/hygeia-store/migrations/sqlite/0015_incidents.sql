-- Incidents and the reporting duties they trigger (NIS2 Art. 23, health-sector and GDPR
-- reporting). Times are RFC 3339 UTC text (fixed width, so text order is time order).

-- Users may import reporting-obligation templates beside frameworks and crosswalks: the kind
-- check is widened (SQLite rebuilds the table to change a CHECK).
CREATE TABLE catalog_imports_new (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('framework', 'mapping', 'obligation')),
    format TEXT NOT NULL CHECK (format IN ('yaml', 'oscal')),
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
INSERT INTO catalog_imports_new SELECT seq, id, kind, format, file_name, content, created_at, created_by FROM catalog_imports;
DROP TABLE catalog_imports;
ALTER TABLE catalog_imports_new RENAME TO catalog_imports;

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    -- INC-<year>-<number>, unique per entity.
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    -- When the entity became aware: the anchor of the reporting clocks.
    aware_at TEXT NOT NULL,
    -- When it was resolved or closed (the anchor of a final report after an ongoing incident).
    ended_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'contained', 'resolved', 'closed')),
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    affected_services TEXT NOT NULL,
    impact TEXT NOT NULL,
    indicators TEXT NOT NULL,
    measures TEXT NOT NULL,
    root_cause TEXT NOT NULL,
    contact TEXT NOT NULL,
    lessons_learned TEXT NOT NULL,
    -- The earliest deadline of a report still to send, kept with every change that moves it,
    -- so lists sort and filter overdue incidents without computing every clock.
    next_due_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (entity_id, reference)
);
-- The list order (a report still to send first, by its deadline; then newest first), with the
-- columns lists filter on: a page's ids are read from the index alone, without sorting the
-- register. The expression must stay word for word the one the register's queries sort by.
CREATE INDEX incidents_by_urgency ON incidents ((CASE WHEN next_due_at IS NULL THEN 1 ELSE 0 END), next_due_at, aware_at DESC, id, status, entity_id);
-- The same for one entity's incidents.
CREATE INDEX incidents_by_entity ON incidents (entity_id, (CASE WHEN next_due_at IS NULL THEN 1 ELSE 0 END), next_due_at, aware_at DESC, id, status);
-- Overdue counts (next_due_at before now).
CREATE INDEX incidents_by_next_due ON incidents (next_due_at);

-- What the incident touched and what it relates to.
CREATE TABLE incident_links (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    -- asset, site, control, evidence or requirement (target `framework/requirement`)
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'site', 'control', 'evidence', 'requirement')),
    target TEXT NOT NULL,
    PRIMARY KEY (incident_id, kind, target)
);

-- Dated entries of the incident's story, written by people or by Hygeia (status changes,
-- verdicts, submissions).
CREATE TABLE incident_timeline (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, at);

CREATE TABLE incident_actions (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- E-mail address of a user who may see the entity.
    owner TEXT,
    due_date TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'done')),
    -- Raised by the post-incident review (lessons learned).
    from_review BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX incident_actions_by_incident ON incident_actions (incident_id);

-- Every verdict given, kept as history; the latest per question is the current one.
CREATE TABLE incident_verdicts (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    question TEXT NOT NULL CHECK (question IN ('significant', 'malicious', 'cross_border', 'personal_data', 'high_risk_to_people')),
    verdict TEXT NOT NULL CHECK (verdict IN ('yes', 'no', 'unknown')),
    reasoning TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX incident_verdicts_by_incident ON incident_verdicts (incident_id, question, decided_at);

-- An obligation the entity decided it does not owe for this incident, with the reason.
CREATE TABLE incident_obligations_set_aside (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    obligation_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, obligation_id)
);

-- Report drafts, every saved version kept.
CREATE TABLE incident_reports (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    obligation_id TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    language TEXT NOT NULL CHECK (language IN ('en', 'fr')),
    -- JSON object: field key -> text
    fields TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, obligation_id, stage_key, version)
);

-- A stage sent to its recipient.
CREATE TABLE incident_submissions (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    obligation_id TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient_reference TEXT NOT NULL,
    report_version BIGINT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, obligation_id, stage_key)
);
