-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes, and a company setting
-- that requires it. `users.two_factor_enabled_at` mirrors a confirmed secret so that the
-- signed-in user (cached per company revision; the users trigger bumps it) knows without a
-- query. The secret is encrypted at rest (AES-256-GCM under a key derived from the server's
-- secret key); recovery codes are kept as SHA-256 hashes only.
ALTER TABLE companies ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN two_factor_enabled_at TEXT;

CREATE TABLE totp_secrets (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at TEXT,
    last_step INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
