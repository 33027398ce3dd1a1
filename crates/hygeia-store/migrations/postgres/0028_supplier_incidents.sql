-- Incidents a supplier was involved in (issue 15): the supplier's own breach reaching the
-- entity, or its access used in an attack. Open ones put the supplier on the attention list.
CREATE TABLE supplier_incidents (
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    PRIMARY KEY (supplier_id, incident_id)
);
CREATE INDEX supplier_incidents_by_incident ON supplier_incidents (incident_id);
