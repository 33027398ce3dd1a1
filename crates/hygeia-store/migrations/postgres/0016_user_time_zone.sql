-- A user's own time zone for the times the pages show (IANA name, e.g. Europe/Paris); NULL:
-- each entity's own zone, where its calendar deadlines are counted.
ALTER TABLE users ADD COLUMN time_zone TEXT;
