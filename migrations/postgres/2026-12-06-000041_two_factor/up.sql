-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes, and a company setting
-- that requires it. `users.two_factor_enabled_at` mirrors a confirmed secret so that the
-- signed-in user (cached per company revision; the users trigger bumps it) knows without a
-- query. The secret is encrypted at rest (AES-256-GCM under a key derived from the server's
-- secret key); recovery codes are kept as SHA-256 hashes only.
ALTER TABLE companies ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN two_factor_enabled_at TIMESTAMP;

CREATE TABLE totp_secrets (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE recovery_codes (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
