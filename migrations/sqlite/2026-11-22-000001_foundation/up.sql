-- Foundation: tenancy, people, roles, sessions, one-time tokens, security events, audit trail,
-- licenses. Timestamps are UTC text written by the application (microsecond precision).

CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL UNIQUE,
    contact_email TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    email_verified_at TEXT,
    last_login_at TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    preferences TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(preferences)),
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_company_idx ON users (company_id);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL CHECK (json_valid(permissions)),
    is_system BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    assigned_at TEXT NOT NULL,
    assigned_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash TEXT NOT NULL UNIQUE,
    public_id TEXT NOT NULL UNIQUE,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (json_valid(state)),
    ip_address TEXT,
    user_agent TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE auth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('setup', 'verify_email', 'password_reset', 'invitation')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id, purpose);

CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    company_id INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    event_type TEXT NOT NULL,
    -- What a sign-in attempt was against: `user:<id>` for an account, `login:<sha256>` for a
    -- login that matches none, so throttling treats both alike.
    subject_key TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    description TEXT NOT NULL,
    ip_address TEXT,
    user_agent TEXT,
    metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    created_at TEXT NOT NULL
);
CREATE INDEX security_events_user_idx ON security_events (event_type, user_id, created_at);
CREATE INDEX security_events_ip_idx ON security_events (ip_address, created_at);
CREATE INDEX security_events_subject_idx ON security_events (subject_key, created_at);
CREATE INDEX security_events_created_idx ON security_events (created_at);

CREATE TABLE audit_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    -- Users are soft-deleted; a hard delete of a user with audit entries is refused, since the
    -- actor is part of each entry's hash.
    user_id INTEGER REFERENCES users (id) ON DELETE RESTRICT,
    project_id INTEGER,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    changes TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(changes)),
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    ip_address TEXT,
    user_agent TEXT,
    created_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_logs_company_idx ON audit_logs (company_id, id);
CREATE INDEX audit_logs_action_idx ON audit_logs (company_id, action);
CREATE INDEX audit_logs_entity_idx ON audit_logs (company_id, entity_type, entity_id);
CREATE INDEX audit_logs_user_idx ON audit_logs (user_id);

-- Append-only: the database refuses to change or remove a written entry.
CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
CREATE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;

-- The head of each company's chain: removing the newest entries is detected too.
CREATE TABLE audit_chain_heads (
    company_id INTEGER PRIMARY KEY REFERENCES companies (id),
    entries INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);

CREATE TABLE licenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    plan TEXT NOT NULL CHECK (plan IN ('trial', 'standard', 'enterprise')),
    seats INTEGER NOT NULL CHECK (seats > 0),
    max_projects INTEGER NOT NULL CHECK (max_projects > 0),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'expired', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX licenses_company_idx ON licenses (company_id, status);

INSERT INTO roles (name, description, permissions, is_system, created_at, updated_at) VALUES
 ('platform_admin', 'Operates the service: companies, licenses, jobs, modules, security events.',
  '["*:*"]', 1, '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('company_admin', 'Everything an engineer can, plus users, teams, the audit trail and the license.',
  '["projects:read","projects:write","simulations:run","users:manage","licenses:read","audit:read"]', 1, '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('engineer', 'Creates projects, edits circuits, runs and reads simulations, uploads data.',
  '["projects:read","projects:write","simulations:run"]', 1, '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('reviewer', 'Reads projects, results and the full audit trail; changes nothing.',
  '["projects:read","audit:read"]', 1, '2026-11-22 00:00:00', '2026-11-22 00:00:00');
