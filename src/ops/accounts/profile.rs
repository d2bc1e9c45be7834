//! One's own profile: name and time zone (refused while the company is read-only).

use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::user::{self, User};
use crate::ops::actor::Actor;
use crate::ops::error::OpError;
use crate::ops::input::{FieldErrors, name_problem, valid_timezone};

use super::acting_user;

/// The profile's fields.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub name: String,
    pub timezone: String,
}

impl Profile {
    /// Trimmed.
    pub fn normalized(self) -> Self {
        Profile {
            name: self.name.trim().to_string(),
            timezone: self.timezone.trim().to_string(),
        }
    }

    pub fn check(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        if let Some(message) = name_problem(&self.name) {
            errors.add("name", message);
        }
        if !valid_timezone(&self.timezone) {
            errors.add(
                "timezone",
                "Choose a time zone from the list, like Europe/Berlin.",
            );
        }
        errors
    }
}

/// Saves the actor's own name and time zone.
pub fn update_profile(conn: &mut DbConn, actor: &Actor, input: Profile) -> Result<User, OpError> {
    actor.require_writable(conn, Entry::success("user.update", "user", actor.user_id))?;
    let input = input.normalized();
    let errors = input.check();
    if !errors.is_empty() {
        return Err(OpError::Invalid(errors));
    }
    write_tx(conn, |conn| {
        let before = acting_user(conn, actor)?;
        let updated = user::update_profile(conn, before.id, &input.name, &input.timezone)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("user.update", "user", Some(before.id))
                .before(before.audit_snapshot())
                .after(updated.audit_snapshot()),
        )?;
        Ok(updated)
    })
}
