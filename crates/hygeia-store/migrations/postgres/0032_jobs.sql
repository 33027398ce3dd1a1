-- Background work done once across hub instances (issue 16). A runner claims a due job for a
-- lease (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: its single writer), marks it done, or
-- queues it again after a back-off; a job whose lease ended is taken over. At most one job
-- per key is waiting or running, so recurring work is queued once whatever the number of
-- instances.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    job_key TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts BIGINT NOT NULL,
    run_after TEXT NOT NULL,
    locked_by TEXT,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE UNIQUE INDEX jobs_one_pending_per_key ON jobs (job_key)
    WHERE state IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs (state, run_after);
CREATE INDEX jobs_latest ON jobs (created_at);
