-- Team names are unique per company without regard to case ("Protection" and "protection"
-- would be the same team in every picker). The operation checks first; this index settles two
-- requests that create or rename at the same moment.
CREATE UNIQUE INDEX teams_company_lower_name_idx ON teams (company_id, lower(name));
