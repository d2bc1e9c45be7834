//! Why an operation refused or failed. Pages map these to status codes and messages, the API to
//! problem+json; the CLI prints them. Refusals are typed per area (`ProjectRefusal` ...) so a
//! caller can tell them apart without reading text, and database errors keep their source.

use super::input::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// The thing does not exist, or the actor may not see it (another tenant's id, a project
    /// they are not a member of): the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The actor may see the thing but lacks the permission (or project role) for this action.
    #[error("permission {permission} required")]
    Forbidden { permission: &'static str },
    /// The company's license does not allow changes (suspended, cancelled, expired, not yet
    /// started, or none): everything stays readable, nothing changes. `reason` says why.
    #[error(
        "{reason} Your company's data is read-only until the license is renewed: you can read and export everything, but not change anything."
    )]
    ReadOnly { reason: String },
    /// The input is not valid: one message per field.
    #[error("the input is not valid")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Project(#[from] super::projects::ProjectRefusal),
    #[error(transparent)]
    Member(#[from] super::members::MemberRefusal),
    #[error(transparent)]
    Circuit(#[from] super::circuits::CircuitRefusal),
    #[error(transparent)]
    Version(#[from] super::versions::VersionRefusal),
    #[error(transparent)]
    Simulation(#[from] super::simulations::SimulationRefusal),
    #[error(transparent)]
    Account(#[from] super::accounts::AccountRefusal),
    #[error(transparent)]
    License(#[from] super::admin::license::LicenseRefusal),
    #[error(transparent)]
    People(#[from] super::admin::users::PeopleRefusal),
    #[error("database error")]
    Db(#[from] diesel::result::Error),
    #[error("database unavailable")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// The server is shutting down and can take no more work.
    #[error("the server is shutting down")]
    Unavailable,
    #[error("password hashing failed")]
    Hash(#[from] crate::auth::password::HashError),
    /// A two-factor secret could not be sealed or opened.
    #[error(transparent)]
    Seal(#[from] crate::auth::two_factor::SealError),
}

impl OpError {
    /// A refusal because one field is wrong.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        OpError::Invalid(errors)
    }

    /// Whether the database refused a duplicate (a unique index), to turn into a refusal.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            OpError::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}
