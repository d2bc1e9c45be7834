DROP TABLE recovery_codes;
DROP TABLE totp_secrets;
ALTER TABLE users DROP COLUMN two_factor_enabled_at;
ALTER TABLE companies DROP COLUMN require_two_factor;
