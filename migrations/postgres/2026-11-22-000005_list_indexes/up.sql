-- The project list walks an index in the order it shows and stops after one page, instead of
-- sorting every project of the company on each request.
CREATE INDEX projects_company_updated_idx ON projects (company_id, updated_at, id);
CREATE INDEX projects_company_created_idx ON projects (company_id, created_at, id);
CREATE INDEX projects_company_name_idx ON projects (company_id, lower(name), id);
