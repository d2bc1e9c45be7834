-- Project access beyond membership: reviewers and company admins read every project of their
-- company; company admins also act as owners (members, settings) so that no project is ever
-- left without someone who can manage it.
UPDATE roles SET permissions = '["projects:read","projects:read_all","projects:write","projects:admin","simulations:run","users:manage","licenses:read","audit:read"]'
 WHERE name = 'company_admin' AND is_system = 1;
UPDATE roles SET permissions = '["projects:read","projects:read_all","audit:read"]'
 WHERE name = 'reviewer' AND is_system = 1;
