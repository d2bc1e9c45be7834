-- Engineering data (DESIGN.md section 2): projects, members, immutable circuit versions, each
-- user's working draft, the analysis modules and simulations.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    team_id INTEGER,
    owner_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planning', 'active', 'on_hold', 'completed', 'archived')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (company_id, slug)
);
CREATE INDEX projects_company_idx ON projects (company_id, status, updated_at);

CREATE TABLE project_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

CREATE TABLE circuit_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    version_number INTEGER NOT NULL CHECK (version_number > 0),
    data_json TEXT NOT NULL CHECK (json_valid(data_json)),
    message TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (project_id, version_number)
);

CREATE TABLE circuit_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    base_version_id INTEGER REFERENCES circuit_versions (id),
    data_json TEXT NOT NULL CHECK (json_valid(data_json)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, user_id)
);

CREATE TABLE modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    display_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('registered', 'enabled', 'disabled')),
    manifest TEXT NOT NULL CHECK (json_valid(manifest)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE simulations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    circuit_version_id INTEGER NOT NULL REFERENCES circuit_versions (id),
    simulation_type TEXT NOT NULL,
    options TEXT NOT NULL CHECK (json_valid(options)),
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    result_json TEXT CHECK (result_json IS NULL OR json_valid(result_json)),
    error TEXT,
    job_id INTEGER REFERENCES jobs (id),
    simulated_by INTEGER NOT NULL REFERENCES users (id),
    queued_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    duration_ms INTEGER
);
CREATE INDEX simulations_project_idx ON simulations (project_id, queued_at);
CREATE INDEX simulations_version_idx ON simulations (circuit_version_id);

INSERT INTO modules (name, version, display_name, status, manifest, created_at, updated_at) VALUES
 ('short_circuit', '1.0.0', 'IEC 60909 short circuit', 'enabled',
  '{"simulation_types":[{"id":"short_circuit","label":"Short circuit (IEC 60909-0:2016)","faults":["3ph","2ph","2phg","1ph"],"cases":["max","min"]}]}',
  '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('duty_check', '1.0.0', 'Equipment duty check', 'enabled',
  '{"simulation_types":[{"id":"duty_check","label":"Breaker duty check (Ib, ip against ratings)","faults":["3ph","2ph","2phg","1ph"],"cases":["max"]}]}',
  '2026-11-22 00:00:00', '2026-11-22 00:00:00');
