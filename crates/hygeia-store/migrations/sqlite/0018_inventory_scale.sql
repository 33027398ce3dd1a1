-- The inventory at group scale (tens of thousands of assets, a hundred thousand flows): lists read
-- newest (or busiest) first along these indexes, page after page by key, and count only up to a
-- bound; filters and text search read asset_terms instead of every asset.

-- Lists in their display order, for all entities and for one (the trailing columns let a page's
-- ids come from the index alone).
CREATE INDEX assets_by_recency ON assets (last_seen, id, entity_id);
CREATE INDEX assets_by_entity_recency ON assets (entity_id, last_seen, id);
CREATE INDEX asset_flows_by_volume ON asset_flows (packets, id, entity_id);
CREATE INDEX asset_flows_by_entity_volume ON asset_flows (entity_id, packets, id);
CREATE INDEX asset_flows_by_src ON asset_flows (src);
CREATE INDEX asset_flows_by_dst ON asset_flows (dst);
CREATE INDEX asset_events_by_recency ON asset_events (at, id, entity_id);
CREATE INDEX asset_events_by_entity_recency ON asset_events (entity_id, at, id);
CREATE INDEX monitor_findings_by_recency ON monitor_findings (last_seen, id, entity_id);
CREATE INDEX monitor_findings_by_entity_recency ON monitor_findings (entity_id, last_seen, id);

-- What each asset is found by: `r:<role>`, `p:<protocol>`, `t:<value or word>` (lower case).
-- Byte order on both engines, so that a prefix is a range of this primary key. Filled when
-- assets are merged; assets stored before this migration are indexed when the hub starts.
CREATE TABLE asset_terms (
    term TEXT NOT NULL,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (term, asset_id)
);
CREATE INDEX asset_terms_by_asset ON asset_terms (asset_id);
-- The filter choices of one entity (its distinct roles and protocols), one index step each.
CREATE INDEX asset_terms_by_entity ON asset_terms (entity_id, term);

-- The dashboard's asset figures, kept by the merge (one row per entity and protocol set) rather
-- than counted over the whole inventory on every view.
CREATE TABLE asset_protocol_counts (
    entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    protocols TEXT NOT NULL,
    assets BIGINT NOT NULL,
    PRIMARY KEY (entity_id, protocols)
);
INSERT INTO asset_protocol_counts (entity_id, protocols, assets)
    SELECT entity_id, protocols, COUNT(*) FROM assets GROUP BY entity_id, protocols;
