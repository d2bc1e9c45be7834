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
-- The bumps are deferred to commit (constraint triggers), and done once per company and
-- transaction: the counter row is locked only at the very end of a transaction, after every
-- other lock it takes, so two transactions can never wait on each other through it (no
-- deadlock with project or audit-chain row locks), and a transaction writing many rows updates
-- it once. A later migration that changes rows of these tables and then alters one of them
-- must start with `SET CONSTRAINTS ALL IMMEDIATE` (pending trigger events block ALTER TABLE).
CREATE TABLE company_revisions (
    company_id BIGINT PRIMARY KEY REFERENCES companies(id) ON DELETE CASCADE,
    revision BIGINT NOT NULL DEFAULT 0
);
INSERT INTO company_revisions (company_id) SELECT id FROM companies;

-- Bumps the counter of company `cid`, or of every company when `cid` is NULL (roles).
CREATE FUNCTION company_revision_bump(cid BIGINT) RETURNS void AS $$
DECLARE
    marker TEXT := 'ampflux.revision_bumped_' || COALESCE(cid::text, 'all');
BEGIN
    IF current_setting(marker, true) = txid_current()::text THEN
        RETURN;
    END IF;
    PERFORM set_config(marker, txid_current()::text, true);
    UPDATE company_revisions
       SET revision = GREATEST(revision + 1,
                               (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
     WHERE cid IS NULL OR company_id = cid;
END;
$$ LANGUAGE plpgsql;

-- The counter row of a new company (at once, so the company's other rows find it).
CREATE FUNCTION company_revision_row() RETURNS trigger AS $$
BEGIN
    INSERT INTO company_revisions (company_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION company_revision_of_company() RETURNS trigger AS $$
BEGIN
    PERFORM company_revision_bump(NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Rows that carry company_id (users, licenses, projects). A row moved to another company
-- changes what both show.
CREATE FUNCTION company_revision_by_company() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM company_revision_bump(OLD.company_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM company_revision_bump(NEW.company_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Rows of a user (user_roles).
CREATE FUNCTION company_revision_by_user() RETURNS trigger AS $$
DECLARE
    uid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN uid := OLD.user_id; ELSE uid := NEW.user_id; END IF;
    PERFORM company_revision_bump(company_id) FROM users WHERE id = uid;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Rows of a project (members, versions, simulations).
CREATE FUNCTION company_revision_by_project() RETURNS trigger AS $$
DECLARE
    pid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN pid := OLD.project_id; ELSE pid := NEW.project_id; END IF;
    PERFORM company_revision_bump(company_id) FROM projects WHERE id = pid;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Roles are shared by every company.
CREATE FUNCTION company_revision_all() RETURNS trigger AS $$
BEGIN
    PERFORM company_revision_bump(NULL);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER companies_revision_row AFTER INSERT ON companies
    FOR EACH ROW EXECUTE FUNCTION company_revision_row();
CREATE CONSTRAINT TRIGGER companies_revision AFTER UPDATE ON companies
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_of_company();
CREATE CONSTRAINT TRIGGER roles_revision AFTER INSERT OR UPDATE OR DELETE ON roles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_all();
CREATE CONSTRAINT TRIGGER users_revision AFTER INSERT OR UPDATE OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_company();
CREATE CONSTRAINT TRIGGER licenses_revision AFTER INSERT OR UPDATE OR DELETE ON licenses
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_company();
CREATE CONSTRAINT TRIGGER projects_revision AFTER INSERT OR UPDATE OR DELETE ON projects
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_company();
CREATE CONSTRAINT TRIGGER user_roles_revision AFTER INSERT OR UPDATE OR DELETE ON user_roles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_user();
CREATE CONSTRAINT TRIGGER project_members_revision AFTER INSERT OR UPDATE OR DELETE ON project_members
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_project();
CREATE CONSTRAINT TRIGGER circuit_versions_revision AFTER INSERT OR UPDATE OR DELETE ON circuit_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_project();
CREATE CONSTRAINT TRIGGER simulations_revision AFTER INSERT OR UPDATE OR DELETE ON simulations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION company_revision_by_project();
