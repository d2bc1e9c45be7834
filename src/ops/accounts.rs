//! Accounts: sign-up, sign-in, email verification, password reset and change, profile,
//! sessions.

/// Why an account action is refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountRefusal {
    #[error("The link is not valid or has expired.")]
    InvalidLink,
}
