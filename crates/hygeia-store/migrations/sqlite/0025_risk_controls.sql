-- Existing controls of a risk (issue 14): the entity's controls already in place that the
-- current rating takes into account (the plan's actions name the controls still to come).
CREATE TABLE risk_controls (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    control_id TEXT NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
    PRIMARY KEY (risk_id, control_id)
);
CREATE INDEX risk_controls_by_control ON risk_controls (control_id);
