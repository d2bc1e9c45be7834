-- Company administration (issue 11): teams and the projects given to them, invitations of new
-- people (their one-time link is an auth_tokens row of purpose `invitation`), and the license
-- reminder mails already sent (one row per license and reminder, so each goes out once).

CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at TEXT NOT NULL,
    added_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);

-- A project given to a team: every member of the team has `role` on the project (a direct
-- membership with a higher role wins). A project may be given to several teams.
CREATE TABLE project_teams (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('editor', 'viewer')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, team_id)
);
CREATE INDEX project_teams_team_idx ON project_teams (team_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role_id INTEGER NOT NULL REFERENCES roles (id),
    invited_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    accepted_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX invitations_company_idx ON invitations (company_id, accepted_at, revoked_at);
-- One open invitation per address (an expired one is revoked before a new one is made).
CREATE UNIQUE INDEX invitations_open_email_idx ON invitations (lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

ALTER TABLE auth_tokens ADD COLUMN invitation_id INTEGER REFERENCES invitations (id) ON DELETE CASCADE;
CREATE INDEX auth_tokens_invitation_idx ON auth_tokens (invitation_id);

CREATE TABLE license_reminders (
    license_id INTEGER NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
    -- 30, 7 or 1: days before the license's end.
    days_before INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (license_id, days_before)
);

CREATE INDEX users_company_status_idx ON users (company_id, is_active, deleted_at);

-- Teams and the projects given to them decide what a signed-in user may see: their changes
-- bump the company's revision like memberships do (see 000006).
CREATE TRIGGER teams_revision_insert AFTER INSERT ON teams BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = NEW.company_id;
END;
CREATE TRIGGER teams_revision_update AFTER UPDATE ON teams BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN (OLD.company_id, NEW.company_id);
END;
CREATE TRIGGER teams_revision_delete AFTER DELETE ON teams BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = OLD.company_id;
END;
CREATE TRIGGER team_members_revision_insert AFTER INSERT ON team_members BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM teams WHERE id = NEW.team_id);
END;
CREATE TRIGGER team_members_revision_update AFTER UPDATE ON team_members BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN ((SELECT company_id FROM teams WHERE id = OLD.team_id), (SELECT company_id FROM teams WHERE id = NEW.team_id));
END;
CREATE TRIGGER team_members_revision_delete AFTER DELETE ON team_members BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM teams WHERE id = OLD.team_id);
END;
CREATE TRIGGER project_teams_revision_insert AFTER INSERT ON project_teams BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = NEW.project_id);
END;
CREATE TRIGGER project_teams_revision_update AFTER UPDATE ON project_teams BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN ((SELECT company_id FROM projects WHERE id = OLD.project_id), (SELECT company_id FROM projects WHERE id = NEW.project_id));
END;
CREATE TRIGGER project_teams_revision_delete AFTER DELETE ON project_teams BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = OLD.project_id);
END;
