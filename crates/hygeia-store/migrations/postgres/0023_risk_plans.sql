-- Treatment plans of risks (issue 14): actions with an owner (a user's e-mail address), a due
-- date and, where one exists, the control of the entity they put in place. `entity_id` is the
-- risk's, kept here so that overdue actions are counted per entity from this table alone.
CREATE TABLE risk_actions (
    id TEXT PRIMARY KEY,
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    title TEXT NOT NULL,
    owner TEXT,
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'done')),
    control_id TEXT REFERENCES controls(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX risk_actions_of_risk ON risk_actions (risk_id, status, due_on);
CREATE INDEX risk_actions_by_due ON risk_actions (status, due_on, entity_id);

-- Supporting assets of a risk: inventory assets whose compromise the scenario goes through;
-- their advisory matches are the vulnerabilities it may exploit.
CREATE TABLE risk_assets (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, asset_id)
);
CREATE INDEX risk_assets_by_asset ON risk_assets (asset_id);
