-- Foundation: tenancy, people, roles, sessions, one-time tokens, security events, audit trail,
-- licenses. Timestamps are UTC (TIMESTAMP without time zone, written by the application).

CREATE TABLE companies (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL UNIQUE,
    contact_email TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    settings JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX companies_settings_gin ON companies USING GIN (settings);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    email_verified_at TIMESTAMP,
    last_login_at TIMESTAMP,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    preferences JSONB NOT NULL DEFAULT '{}',
    deleted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX users_company_idx ON users (company_id);
CREATE INDEX users_preferences_gin ON users USING GIN (preferences);

CREATE TABLE roles (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    permissions JSONB NOT NULL,
    is_system BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX roles_permissions_gin ON roles USING GIN (permissions);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    assigned_at TIMESTAMP NOT NULL,
    assigned_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role_idx ON user_roles (role_id);

CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    public_id TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    state JSONB NOT NULL,
    ip_address TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE auth_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('setup', 'verify_email', 'password_reset', 'invitation')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id, purpose);

CREATE TABLE security_events (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    company_id BIGINT REFERENCES companies (id) ON DELETE SET NULL,
    event_type TEXT NOT NULL,
    -- What a sign-in attempt was against: `user:<id>` for an account, `login:<sha256>` for a
    -- login that matches none, so throttling treats both alike.
    subject_key TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    description TEXT NOT NULL,
    ip_address TEXT,
    user_agent TEXT,
    metadata JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX security_events_user_idx ON security_events (event_type, user_id, created_at);
CREATE INDEX security_events_ip_idx ON security_events (ip_address, created_at);
CREATE INDEX security_events_subject_idx ON security_events (subject_key, created_at);
CREATE INDEX security_events_created_idx ON security_events (created_at);
CREATE INDEX security_events_metadata_gin ON security_events USING GIN (metadata);

CREATE TABLE audit_logs (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    -- Users are soft-deleted; a hard delete of a user with audit entries is refused, since the
    -- actor is part of each entry's hash.
    user_id BIGINT REFERENCES users (id) ON DELETE RESTRICT,
    project_id BIGINT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BIGINT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    changes JSONB NOT NULL DEFAULT '{}',
    details JSONB NOT NULL DEFAULT '{}',
    ip_address TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_logs_company_idx ON audit_logs (company_id, id);
CREATE INDEX audit_logs_action_idx ON audit_logs (company_id, action);
CREATE INDEX audit_logs_entity_idx ON audit_logs (company_id, entity_type, entity_id);
CREATE INDEX audit_logs_user_idx ON audit_logs (user_id);
CREATE INDEX audit_logs_changes_gin ON audit_logs USING GIN (changes);
CREATE INDEX audit_logs_details_gin ON audit_logs USING GIN (details);

-- Append-only: the database refuses to change, remove or truncate written entries.
CREATE FUNCTION audit_logs_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();

-- The head of each company's chain: removing the newest entries is detected too.
CREATE TABLE audit_chain_heads (
    company_id BIGINT PRIMARY KEY REFERENCES companies (id),
    entries BIGINT NOT NULL,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

CREATE TABLE licenses (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    plan TEXT NOT NULL CHECK (plan IN ('trial', 'standard', 'enterprise')),
    seats INTEGER NOT NULL CHECK (seats > 0),
    max_projects INTEGER NOT NULL CHECK (max_projects > 0),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'expired', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX licenses_company_idx ON licenses (company_id, status);

INSERT INTO roles (name, description, permissions, is_system, created_at, updated_at) VALUES
 ('platform_admin', 'Operates the service: companies, licenses, jobs, modules, security events.',
  '["*:*"]', TRUE, '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('company_admin', 'Everything an engineer can, plus users, teams, the audit trail and the license.',
  '["projects:read","projects:write","simulations:run","users:manage","licenses:read","audit:read"]', TRUE, '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('engineer', 'Creates projects, edits circuits, runs and reads simulations, uploads data.',
  '["projects:read","projects:write","simulations:run"]', TRUE, '2026-11-22 00:00:00', '2026-11-22 00:00:00'),
 ('reviewer', 'Reads projects, results and the full audit trail; changes nothing.',
  '["projects:read","audit:read"]', TRUE, '2026-11-22 00:00:00', '2026-11-22 00:00:00');
