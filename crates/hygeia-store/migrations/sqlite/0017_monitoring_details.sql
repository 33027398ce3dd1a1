-- The inventory's change log and zone findings keep what they are about as fields (JSON), so
-- that pages can say it in the reader's language; rows recorded before keep their English text.
ALTER TABLE asset_events ADD COLUMN detail TEXT;
ALTER TABLE monitor_findings ADD COLUMN zones TEXT;
