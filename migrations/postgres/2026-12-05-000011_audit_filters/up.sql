-- Filtered pages of the audit trail and of the security events, newest first with keyset
-- pagination: each filter gets an index that ends with the id, so a page is one ordered index
-- range that stops after 50 rows (no sort of every match), also at 1,000,000 rows. Dates are
-- turned into id bounds through the created_at indexes (see models::audit::filter).
DROP INDEX audit_logs_action_idx;
CREATE INDEX audit_logs_action_idx ON audit_logs (company_id, action, id);
CREATE INDEX audit_logs_company_user_idx ON audit_logs (company_id, user_id, id);
CREATE INDEX audit_logs_company_project_idx ON audit_logs (company_id, project_id, id);
CREATE INDEX audit_logs_company_entity_type_idx ON audit_logs (company_id, entity_type, id);
CREATE INDEX audit_logs_company_outcome_idx ON audit_logs (company_id, outcome, id);
CREATE INDEX audit_logs_company_created_idx ON audit_logs (company_id, created_at, id);

CREATE INDEX security_events_company_idx ON security_events (company_id, id);
CREATE INDEX security_events_company_type_idx ON security_events (company_id, event_type, id);
CREATE INDEX security_events_company_severity_idx ON security_events (company_id, severity, id);
CREATE INDEX security_events_company_user_idx ON security_events (company_id, user_id, id);
CREATE INDEX security_events_company_created_idx ON security_events (company_id, created_at, id);
