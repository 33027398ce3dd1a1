-- Medical device makers' security disclosures (issue 15): an MDS2 form (ANSI/NEMA HN 1-2019)
-- imported for a supplier, whole, with the device's facts and every answer (as JSON: the form
-- is read and shown whole). A new import of the same device is a new disclosure.
CREATE TABLE device_disclosures (
    id TEXT PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES suppliers(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    device TEXT NOT NULL,
    manufacturer TEXT,
    document_id TEXT,
    released_on TEXT,
    file_name TEXT NOT NULL,
    form TEXT NOT NULL,
    questions BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE INDEX device_disclosures_of ON device_disclosures (supplier_id, imported_at);
