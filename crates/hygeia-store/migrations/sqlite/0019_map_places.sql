-- The communication map at scale: every asset and flow end remembers its place (a zone of its
-- entity's policy, `zone:NAME`, else its network, `net:CIDR`), and the map reads counts kept by
-- the merge instead of every asset and flow. Rows stored before this migration are placed when
-- the hub starts (their place is NULL until then).

ALTER TABLE assets ADD COLUMN place TEXT;
-- 0-5 the zone's Purdue level, 6 a zone without level, 7 outside every zone.
ALTER TABLE assets ADD COLUMN place_band BIGINT;
ALTER TABLE asset_flows ADD COLUMN src_place TEXT;
ALTER TABLE asset_flows ADD COLUMN dst_place TEXT;

-- One place's assets, newest first (drill-down), and a flow end found by MAC address.
CREATE INDEX assets_by_place ON assets (entity_id, place, last_seen, id);
CREATE INDEX assets_by_mac ON assets (entity_id, mac);
-- The busiest flows at one place.
CREATE INDEX asset_flows_by_src_place ON asset_flows (entity_id, src_place, packets, id);
CREATE INDEX asset_flows_by_dst_place ON asset_flows (entity_id, dst_place, packets, id);
CREATE INDEX assets_unplaced ON assets (place) WHERE place IS NULL;
CREATE INDEX asset_flows_unplaced ON asset_flows (src_place) WHERE src_place IS NULL;

CREATE TABLE map_groups (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    place TEXT NOT NULL,
    band BIGINT NOT NULL,
    assets BIGINT NOT NULL,
    PRIMARY KEY (entity_id, place)
);

CREATE TABLE map_group_roles (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    place TEXT NOT NULL,
    role TEXT NOT NULL,
    assets BIGINT NOT NULL,
    PRIMARY KEY (entity_id, place, role)
);

-- Flows between two different places for one protocol (flows to broadcast or multicast
-- addresses are no link).
CREATE TABLE map_links (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    src_place TEXT NOT NULL,
    dst_place TEXT NOT NULL,
    protocol TEXT NOT NULL,
    flows BIGINT NOT NULL,
    packets BIGINT NOT NULL,
    operations TEXT NOT NULL,
    PRIMARY KEY (entity_id, src_place, dst_place, protocol)
);
CREATE INDEX map_links_by_dst ON map_links (entity_id, dst_place);
