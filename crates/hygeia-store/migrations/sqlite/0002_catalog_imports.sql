-- Frameworks and crosswalks imported by users (YAML in Hygeia's catalog format, or OSCAL JSON).
-- The shipped catalogs are embedded in the binary; these are replayed on top of them, in order.
CREATE TABLE catalog_imports (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('framework', 'mapping')),
    format TEXT NOT NULL CHECK (format IN ('yaml', 'oscal')),
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
