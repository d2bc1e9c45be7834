-- Background jobs (DESIGN.md section 6): claimed by in-process workers under a lease
-- (FOR UPDATE SKIP LOCKED, so several processes never run a job twice), retried with backoff
-- up to max_attempts.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    payload JSONB NOT NULL DEFAULT '{}',
    result JSONB,
    error JSONB,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
    scheduled_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    locked_by TEXT,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    failed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_ready_idx ON jobs (status, priority DESC, scheduled_at, id);
CREATE INDEX jobs_lease_idx ON jobs (status, locked_until);
CREATE INDEX jobs_payload_gin ON jobs USING GIN (payload);
