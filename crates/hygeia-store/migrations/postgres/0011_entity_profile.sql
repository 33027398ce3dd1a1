-- Entity profile for NIS2 (issue 17 item 4, issue 10 item 5): unknown financial figures are
-- NULL (never 0); Member-State designation, CER, NIS1 and local-authority flags; other
-- activities; the group's worldwide turnover for fines; consolidated group figures, linked and
-- partner enterprises and the independence justification. Reuse attestations (item 5).

ALTER TABLE entities ALTER COLUMN annual_turnover_eur DROP NOT NULL;
ALTER TABLE entities ALTER COLUMN balance_sheet_eur DROP NOT NULL;

-- Other NIS2 entity types, as space-separated codes.
ALTER TABLE entities ADD COLUMN other_activities TEXT NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN designation TEXT NOT NULL DEFAULT 'none'
    CHECK (designation IN ('none', 'essential', 'important'));
ALTER TABLE entities ADD COLUMN cer_critical_entity BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN nis1_operator_of_essential_services BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN local_public_administration BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN public_body BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN group_worldwide_turnover_eur BIGINT
    CHECK (group_worldwide_turnover_eur >= 0);
ALTER TABLE entities ADD COLUMN consolidated_employees BIGINT;
ALTER TABLE entities ADD COLUMN consolidated_turnover_eur BIGINT;
ALTER TABLE entities ADD COLUMN consolidated_balance_sheet_eur BIGINT;
ALTER TABLE entities ADD COLUMN independent_systems_justification TEXT;

-- Linked (counted in full) and partner (pro rata) enterprises of an entity.
CREATE TABLE entity_group_links (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('linked', 'partner')),
    name TEXT NOT NULL,
    share_basis_points BIGINT NOT NULL CHECK (share_basis_points BETWEEN 0 AND 10000),
    employees BIGINT NOT NULL CHECK (employees >= 0),
    annual_turnover_eur BIGINT CHECK (annual_turnover_eur >= 0),
    balance_sheet_eur BIGINT CHECK (balance_sheet_eur >= 0),
    PRIMARY KEY (entity_id, position)
);

-- A user's statement that a source assessment's scope covers its entity, for reuse. The scope
-- text attested is kept: when the scope changes, the attestation no longer applies.
CREATE TABLE reuse_attestations (
    source_assessment_id TEXT PRIMARY KEY REFERENCES assessments(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    statement TEXT NOT NULL,
    attested_by TEXT NOT NULL,
    attested_at TEXT NOT NULL
);
