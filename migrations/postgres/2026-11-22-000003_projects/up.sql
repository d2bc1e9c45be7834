-- Engineering data (DESIGN.md section 2): projects, members, immutable circuit versions, each
-- user's working draft, the analysis modules and simulations.
-- JSON columns are JSONB; the large ones (circuits, results) get no GIN index on purpose.
CREATE TABLE projects (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    team_id BIGINT,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planning', 'active', 'on_hold', 'completed', 'archived')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (company_id, slug)
);
CREATE INDEX projects_company_idx ON projects (company_id, status, updated_at);

CREATE TABLE project_members (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

CREATE TABLE circuit_versions (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version_number INTEGER NOT NULL CHECK (version_number > 0),
    data_json JSONB NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, version_number)
);

CREATE TABLE circuit_drafts (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    base_version_id BIGINT REFERENCES circuit_versions (id),
    data_json JSONB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, user_id)
);

CREATE TABLE modules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    display_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'enabled', 'disabled')),
    manifest JSONB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE simulations (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    circuit_version_id BIGINT NOT NULL REFERENCES circuit_versions (id),
    simulation_type TEXT NOT NULL,
    options JSONB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    result_json JSONB,
    error TEXT,
    job_id BIGINT REFERENCES jobs (id),
    simulated_by BIGINT NOT NULL REFERENCES users (id),
    queued_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    duration_ms BIGINT
);
CREATE INDEX simulations_project_idx ON simulations (project_id, queued_at);
CREATE INDEX simulations_version_idx ON simulations (circuit_version_id);
CREATE INDEX simulations_options_gin ON simulations USING GIN (options);
CREATE INDEX modules_manifest_gin ON modules USING GIN (manifest);

INSERT INTO modules (name, version, display_name, status, manifest, created_at, updated_at) VALUES
 ('short_circuit', '1.0.0', 'IEC 60909 short circuit', 'enabled',
  '{"simulation_types":[{"id":"short_circuit","label":"Short circuit (IEC 60909-0:2016)","faults":["3ph","2ph","2phg","1ph"],"cases":["max","min"]}]}',
  '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('duty_check', '1.0.0', 'Equipment duty check', 'enabled',
  '{"simulation_types":[{"id":"duty_check","label":"Breaker duty check (Ib, ip against ratings)","faults":["3ph","2ph","2phg","1ph"],"cases":["max"]}]}',
  '2026-11-22 00:00:00', '2026-11-22 00:00:00');
