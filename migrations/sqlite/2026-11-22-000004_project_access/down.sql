UPDATE roles SET permissions = '["projects:read","projects:write","simulations:run","users:manage","licenses:read","audit:read"]'
 WHERE name = 'company_admin' AND is_system = 1;
UPDATE roles SET permissions = '["projects:read","audit:read"]'
 WHERE name = 'reviewer' AND is_system = 1;
