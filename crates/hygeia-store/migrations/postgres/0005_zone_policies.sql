-- Zones and allowed conduits per legal entity (TOML, the format of `hygeia monitor --zones`),
-- managed on the hub and fetched by sensors, which evaluate flows against it.
CREATE TABLE zone_policies (
    entity_id TEXT PRIMARY KEY REFERENCES entities(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
