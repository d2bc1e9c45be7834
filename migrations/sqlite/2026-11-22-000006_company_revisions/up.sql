-- A per-company change counter. Triggers bump it in the same transaction as every change to
-- the rows that signed-in pages read (the user with roles, company and license; projects,
-- members, versions, simulations), so a server process can keep such a page, or the signed-in
-- user, in memory and know with one indexed read whether it is still current, whichever
-- process made the change (src/web/revision_cache.rs).
--
-- A bump moves the counter to the current time in microseconds (or by one, if that is not
-- later), so a value never comes back: not after a restore from a backup, nor when a counter
-- row is created again.
--
-- Rebuilding one of these tables (create, copy, drop, rename) drops its triggers: such a
-- migration must create them again (tests/app/schema.rs checks that they are all there).
CREATE TABLE company_revisions (
    company_id INTEGER PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL DEFAULT 0
);
INSERT INTO company_revisions (company_id) SELECT id FROM companies;

CREATE TRIGGER companies_revision_insert AFTER INSERT ON companies BEGIN
    INSERT OR IGNORE INTO company_revisions (company_id) VALUES (NEW.id);
END;
CREATE TRIGGER companies_revision_update AFTER UPDATE ON companies BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)) WHERE company_id = NEW.id;
END;

CREATE TRIGGER roles_revision_insert AFTER INSERT ON roles BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

CREATE TRIGGER roles_revision_update AFTER UPDATE ON roles BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

CREATE TRIGGER roles_revision_delete AFTER DELETE ON roles BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER));
END;

CREATE TRIGGER users_revision_insert AFTER INSERT ON users BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = NEW.company_id;
END;

CREATE TRIGGER users_revision_update AFTER UPDATE ON users BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN (OLD.company_id, NEW.company_id);
END;

CREATE TRIGGER users_revision_delete AFTER DELETE ON users BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER licenses_revision_insert AFTER INSERT ON licenses BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = NEW.company_id;
END;

CREATE TRIGGER licenses_revision_update AFTER UPDATE ON licenses BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN (OLD.company_id, NEW.company_id);
END;

CREATE TRIGGER licenses_revision_delete AFTER DELETE ON licenses BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER projects_revision_insert AFTER INSERT ON projects BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = NEW.company_id;
END;

CREATE TRIGGER projects_revision_update AFTER UPDATE ON projects BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN (OLD.company_id, NEW.company_id);
END;

CREATE TRIGGER projects_revision_delete AFTER DELETE ON projects BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = OLD.company_id;
END;

CREATE TRIGGER user_roles_revision_insert AFTER INSERT ON user_roles BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM users WHERE id = NEW.user_id);
END;

CREATE TRIGGER user_roles_revision_update AFTER UPDATE ON user_roles BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN ((SELECT company_id FROM users WHERE id = OLD.user_id), (SELECT company_id FROM users WHERE id = NEW.user_id));
END;

CREATE TRIGGER user_roles_revision_delete AFTER DELETE ON user_roles BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM users WHERE id = OLD.user_id);
END;

CREATE TRIGGER project_members_revision_insert AFTER INSERT ON project_members BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = NEW.project_id);
END;

CREATE TRIGGER project_members_revision_update AFTER UPDATE ON project_members BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN ((SELECT company_id FROM projects WHERE id = OLD.project_id), (SELECT company_id FROM projects WHERE id = NEW.project_id));
END;

CREATE TRIGGER project_members_revision_delete AFTER DELETE ON project_members BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = OLD.project_id);
END;

CREATE TRIGGER circuit_versions_revision_insert AFTER INSERT ON circuit_versions BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = NEW.project_id);
END;

CREATE TRIGGER circuit_versions_revision_update AFTER UPDATE ON circuit_versions BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN ((SELECT company_id FROM projects WHERE id = OLD.project_id), (SELECT company_id FROM projects WHERE id = NEW.project_id));
END;

CREATE TRIGGER circuit_versions_revision_delete AFTER DELETE ON circuit_versions BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = OLD.project_id);
END;

CREATE TRIGGER simulations_revision_insert AFTER INSERT ON simulations BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = NEW.project_id);
END;

CREATE TRIGGER simulations_revision_update AFTER UPDATE ON simulations BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id IN ((SELECT company_id FROM projects WHERE id = OLD.project_id), (SELECT company_id FROM projects WHERE id = NEW.project_id));
END;

CREATE TRIGGER simulations_revision_delete AFTER DELETE ON simulations BEGIN
    UPDATE company_revisions SET revision = MAX(revision + 1, CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER))
    WHERE company_id = (SELECT company_id FROM projects WHERE id = OLD.project_id);
END;
