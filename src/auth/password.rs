//! Passwords: argon2id with a per-hash random salt, and the policy for new passwords (length
//! 12..=128 characters, no composition rules, not a common password, not the user's own name).

use std::sync::OnceLock;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use super::hash_pool::{self, Busy};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

static COMMON: &str = include_str!("common-passwords.txt");

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Failed(String),
    /// Every hashing thread is busy and the queue is full (see `hash_pool`).
    #[error(transparent)]
    Busy(#[from] Busy),
}

/// Hashes a password as a PHC string (`$argon2id$v=19$...`), on a hashing thread.
pub fn hash(password: &str) -> Result<String, HashError> {
    let password = password.to_string();
    hash_pool::run(move || hash_here(password.as_bytes()))?
}

/// Checks a password against a stored hash, on a hashing thread. A malformed hash never
/// matches.
pub fn verify(password: &str, stored: &str) -> Result<bool, Busy> {
    let (password, stored) = (password.to_string(), stored.to_string());
    hash_pool::run(move || verify_here(password.as_bytes(), &stored).unwrap_or(false))
}

fn failed(e: impl std::fmt::Display) -> HashError {
    HashError::Failed(e.to_string())
}

fn hash_here(password: &[u8]) -> Result<String, HashError> {
    let argon = Argon2::default();
    let salt = argon2::password_hash::try_generate_salt().map_err(failed)?;
    let mut out = [0u8; 32];
    compute(&argon, password, &salt, &mut out).map_err(failed)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(failed)?,
        salt: Some(Salt::new(&salt).map_err(failed)?),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// `None` for a stored value that is not an argon2 PHC string we can check.
fn verify_here(password: &[u8], stored: &str) -> Option<bool> {
    let phc = PasswordHash::new(stored).ok()?;
    let algorithm = Algorithm::try_from(phc.algorithm.as_str()).ok()?;
    let version = match phc.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&phc).ok()?;
    // A stored hash with far stronger parameters than ours is not ours (a tampered row):
    // refuse it rather than allocate whatever it asks.
    if params.m_cost() > 4 * Params::DEFAULT_M_COST || params.t_cost() > 10 || params.p_cost() > 4 {
        return None;
    }
    let (salt, expected) = (phc.salt?, phc.hash?);
    let mut out = vec![0u8; expected.len()];
    compute(
        &Argon2::new(algorithm, version, params),
        password,
        &salt,
        &mut out,
    )
    .ok()?;
    Some(crate::util::constant_time_eq(&out, expected.as_bytes()))
}

// Blocks of memory kept per hashing thread: argon2 works in 19 MiB per hash, and memory
// allocated and freed per hash was kept by the allocator's per-thread arenas regardless (about
// three hashes' worth each; 250 MB after a dozen sign-ins). Reused, it stays one hash's worth
// per hashing thread.
thread_local! {
    static MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn compute(argon: &Argon2, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let blocks = argon.params().block_count();
    if blocks > Params::default().block_count() {
        // Stronger parameters than ours (a hash from elsewhere): its own memory, freed after.
        let mut memory = vec![Block::new(); blocks];
        return argon.hash_password_into_with_memory(password, salt, out, &mut memory[..]);
    }
    MEMORY.with(|m| {
        let mut memory = m.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// Spends the same work as `verify` for a login that matches no account, so the answer's
/// timing (and its refusal when busy) does not tell whether the account exists.
pub fn verify_dummy(password: &str) -> Result<(), Busy> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let stored = match DUMMY.get() {
        Some(stored) => stored,
        None => {
            // Kept only once made: a busy start must not leave an unusable (fast) dummy.
            let made = hash(&crate::util::random_token(16)).map_err(|_| Busy)?;
            DUMMY.get_or_init(|| made)
        }
    };
    verify(password, stored).map(|_| ())
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
        assert!(verify("correct horse battery", &h).unwrap());
        assert!(!verify("correct horse batterY", &h).unwrap());
        assert!(!verify("x", "not a hash").unwrap());
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
