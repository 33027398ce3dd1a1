-- How a risk comes about (issue 14), as EBIOS RM chains it: the strategic path through the
-- ecosystem (the suppliers an attacker goes through, in order) and the operational scenario
-- (elementary actions by attack phase, each on an asset or through a supplier, with its
-- likelihood of success). Both are replaced whole.
CREATE TABLE risk_path_suppliers (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    PRIMARY KEY (risk_id, supplier_id)
);
CREATE INDEX risk_path_suppliers_by_supplier ON risk_path_suppliers (supplier_id);

CREATE TABLE risk_path_steps (
    risk_id TEXT NOT NULL REFERENCES risks(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('know', 'enter', 'find', 'exploit')),
    action TEXT NOT NULL,
    asset_id TEXT REFERENCES assets(id) ON DELETE SET NULL,
    supplier_id TEXT REFERENCES suppliers(id) ON DELETE SET NULL,
    success BIGINT CHECK (success BETWEEN 1 AND 4),
    PRIMARY KEY (risk_id, position)
);
CREATE INDEX risk_path_steps_by_supplier ON risk_path_steps (supplier_id);
