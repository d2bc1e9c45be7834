DROP TABLE simulations;
DROP TABLE modules;
DROP TABLE circuit_drafts;
DROP TABLE circuit_versions;
DROP TABLE project_members;
DROP TABLE projects;
