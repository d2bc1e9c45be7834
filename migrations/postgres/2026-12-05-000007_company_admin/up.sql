-- Company administration (issue 11): teams and the projects given to them, invitations of new
-- people (their one-time link is an auth_tokens row of purpose `invitation`), and the license
-- reminder mails already sent (one row per license and reminder, so each goes out once).

CREATE TABLE teams (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);

-- A project given to a team: every member of the team has `role` on the project (a direct
-- membership with a higher role wins). A project may be given to several teams.
CREATE TABLE project_teams (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_team_idx ON project_teams (team_id);

CREATE TABLE invitations (
    id BIGSERIAL PRIMARY KEY,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role_id BIGINT NOT NULL REFERENCES roles (id),
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX invitations_company_idx ON invitations (company_id, accepted_at, revoked_at);
-- One open invitation per address (an expired one is revoked before a new one is made).
CREATE UNIQUE INDEX invitations_open_email_idx ON invitations (lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

ALTER TABLE auth_tokens ADD COLUMN invitation_id BIGINT REFERENCES invitations (id) ON DELETE CASCADE;
CREATE INDEX auth_tokens_invitation_idx ON auth_tokens (invitation_id);

CREATE TABLE license_reminders (
    license_id BIGINT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    -- 30, 7 or 1: days before the license's end.
    days_before INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (license_id, days_before)
);

CREATE INDEX users_company_status_idx ON users (company_id, is_active, deleted_at);

-- Rows of a team (team_members).
CREATE FUNCTION company_revision_by_team() RETURNS trigger AS $$
DECLARE
    tid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN tid := OLD.team_id; ELSE tid := NEW.team_id; END IF;
    PERFORM company_revision_bump(company_id) FROM teams WHERE id = tid;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Teams and the projects given to them decide what a signed-in user may see: their changes
-- bump the company's revision like memberships do (see 000006).
CREATE CONSTRAINT TRIGGER teams_revision AFTER INSERT OR UPDATE OR DELETE ON teams
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_company();
CREATE CONSTRAINT TRIGGER team_members_revision AFTER INSERT OR UPDATE OR DELETE ON team_members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_team();
CREATE CONSTRAINT TRIGGER project_teams_revision AFTER INSERT OR UPDATE OR DELETE ON project_teams
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_project();
