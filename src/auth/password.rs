//! Passwords: argon2id with a per-hash random salt, and the policy for new passwords (length
//! 12..=128 characters, no composition rules, not a common password, not the user's own name).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

static COMMON: &str = include_str!("common-passwords.txt");

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password as a PHC string (`$argon2id$v=19$...`).
pub fn hash(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Checks a password against a stored hash. A malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Spends the same work as `verify` for a login that matches no account, so the answer's
/// timing does not tell whether the account exists.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = DUMMY.get_or_init(|| {
        hash(&crate::util::random_token(16)).unwrap_or_else(|_| String::from("$argon2id$"))
    });
    let _ = verify(password, stored);
}

/// Why a new password is refused, in words for the form.
pub fn check_policy(password: &str, personal: &[&str]) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(format!("Use at least {MIN_LEN} characters ({len} given)."));
    }
    if len > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let lower = password.to_lowercase();
    if is_common(&lower) {
        return Err("This password is too common; choose one that is harder to guess.".into());
    }
    let distinct: std::collections::HashSet<char> = lower.chars().collect();
    if distinct.len() < 4 {
        return Err(
            "This password repeats too few characters; choose one that is harder to guess.".into(),
        );
    }
    for p in personal.iter().map(|p| p.trim().to_lowercase()) {
        if p.chars().count() >= 4 && (lower.contains(&p) && lower.len() < p.len() + 6) {
            return Err("The password must not be your name, username or email address.".into());
        }
    }
    Ok(())
}

fn is_common(lower: &str) -> bool {
    static LIST: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    // A common password with digits or punctuation appended is just as common.
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    list.contains(lower) || (stem.len() >= 6 && list.contains(stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a hash"));
        assert_ne!(
            h,
            hash("correct horse battery").unwrap(),
            "salt is per hash"
        );
    }

    #[test]
    fn policy() {
        assert!(check_policy("short", &[]).is_err());
        assert!(check_policy(&"a".repeat(129), &[]).is_err());
        assert!(
            check_policy(&"ab1.".repeat(32), &[]).is_ok(),
            "128 characters are allowed"
        );
        assert!(check_policy("password1234", &[]).is_err());
        assert!(check_policy("Password1234!", &[]).is_err());
        assert!(check_policy("qwertyuiopasdf", &[]).is_err());
        assert!(
            check_policy("monkey12345678", &[]).is_err(),
            "a leaked password padded with digits"
        );
        assert!(check_policy("football2026!!", &[]).is_err());
        assert!(check_policy("aaaaaaaaaaaaaaa", &[]).is_err());
        assert!(check_policy("ada.lovelace!!", &["ada.lovelace"]).is_err());
        assert!(check_policy("tidal wave over ohm", &["ada"]).is_ok());
        assert!(
            check_policy("lowercase only words", &[]).is_ok(),
            "no composition rules"
        );
    }
}
