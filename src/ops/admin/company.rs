//! The company's profile (`users:manage`): name, contact email, code and slug. Code and slug
//! are unique across companies; one taken by another company is refused beside its field
//! without naming that company, also when two companies race for it (the unique index decides).

use crate::auth::permissions as perm;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::company::{self, Company, slugify};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::ops::input::{FieldErrors, has_control, valid_email};
use crate::ops::{Actor, OpError};

/// The profile's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct CompanyProfile {
    pub name: String,
    pub contact_email: String,
    pub code: String,
    pub slug: String,
}

impl CompanyProfile {
    pub fn of(c: &Company) -> Self {
        CompanyProfile {
            name: c.name.clone(),
            contact_email: c.contact_email.clone(),
            code: c.code.clone(),
            slug: c.slug.clone(),
        }
    }

    /// Trimmed; the email and slug lowercase, the code uppercase (as they are stored).
    pub fn normalized(self) -> Self {
        CompanyProfile {
            name: self.name.trim().to_string(),
            contact_email: self.contact_email.trim().to_lowercase(),
            code: self.code.trim().to_uppercase(),
            slug: self.slug.trim().to_lowercase(),
        }
    }

    /// Checks that need no database.
    pub fn check(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        if !(2..=200).contains(&self.name.chars().count()) || has_control(&self.name) {
            errors.add(
                "name",
                "Enter the company's name (2 to 200 characters, no control characters).",
            );
        }
        if !valid_email(&self.contact_email) {
            errors.add(
                "contact_email",
                "Enter a valid email address, like office@example.com.",
            );
        }
        if !valid_code(&self.code) {
            errors.add(
                "code",
                "Use 2 to 20 capital letters and digits, in groups joined by single dashes, like ACME-7F3A.",
            );
        }
        if !valid_slug(&self.slug) {
            errors.add(
                "slug",
                format!(
                    "Use lowercase letters and digits joined by single dashes (at most 48), like {}.",
                    slugify(if self.slug.is_empty() {
                        &self.name
                    } else {
                        &self.slug
                    })
                ),
            );
        }
        errors
    }
}

/// A short code like sign-up makes (`ACME-7F3A`): groups of capital letters and digits joined
/// by single dashes, 2 to 20 characters.
pub fn valid_code(code: &str) -> bool {
    (2..=20).contains(&code.len())
        && code.split('-').all(|g| {
            !g.is_empty()
                && g.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// A slug is what `slugify` makes of itself: lowercase letters and digits joined by single
/// dashes, at most 48 characters.
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty() && slugify(slug) == slug
}

/// The actor's company (`users:manage`).
pub fn show(conn: &mut DbConn, actor: &Actor) -> Result<Company, OpError> {
    actor.require(perm::USERS_MANAGE)?;
    Ok(company::find(conn, actor.company_id)?)
}

/// Adds an error beside each of slug and code that another company holds.
fn check_unique(
    conn: &mut DbConn,
    company_id: i64,
    p: &CompanyProfile,
    errors: &mut FieldErrors,
) -> Result<(), OpError> {
    let (slug_taken, code_taken) = company::taken_by_other(conn, company_id, &p.slug, &p.code)?;
    if slug_taken {
        errors.add(
            "slug",
            "Another company uses this address name; choose another.",
        );
    }
    if code_taken {
        errors.add("code", "Another company uses this code; choose another.");
    }
    Ok(())
}

/// Saves the profile of the actor's company (`users:manage`; refused while read-only),
/// audited as `company.update` with before and after.
pub fn update(conn: &mut DbConn, actor: &Actor, input: CompanyProfile) -> Result<Company, OpError> {
    let company_id = actor.company_id;
    actor.require_to_change(
        conn,
        perm::USERS_MANAGE,
        Entry::success("company.update", "company", Some(company_id)),
    )?;
    let input = input.normalized();
    let mut errors = input.check();
    if errors.is_empty() {
        check_unique(conn, company_id, &input, &mut errors)?;
    }
    if !errors.is_empty() {
        return Err(OpError::Invalid(errors));
    }
    let saved = write_tx(conn, |conn| {
        let before = company::find(conn, company_id)?;
        let after = company::update_profile(
            conn,
            company_id,
            company::Profile {
                name: &input.name,
                slug: &input.slug,
                code: &input.code,
                contact_email: &input.contact_email,
            },
        )?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("company.update", "company", Some(company_id))
                .before(before.audit_snapshot())
                .after(after.audit_snapshot()),
        )?;
        Ok::<_, OpError>(after)
    });
    match saved {
        // Taken by another company between the check and the update: say which, as above.
        Err(e) if e.is_unique_violation() => {
            let mut errors = FieldErrors::default();
            check_unique(conn, company_id, &input, &mut errors)?;
            if errors.is_empty() {
                errors.add(
                    "code",
                    "This code or address name was just taken; choose another.",
                );
            }
            Err(OpError::Invalid(errors))
        }
        other => other,
    }
}

/// Requires two-factor sign-in of every user of the actor's company, or stops requiring it
/// (`users:manage`; refused while read-only), audited as `company.two_factor_requirement` and
/// recorded as a security event. Users without it are led to set it up on their next request.
/// An administrator turns it on for themselves first, so the setting never locks out the one
/// who makes it.
pub fn set_two_factor_requirement(
    conn: &mut DbConn,
    actor: &Actor,
    required: bool,
) -> Result<Company, OpError> {
    const ACTION: &str = "company.two_factor_requirement";
    let company_id = actor.company_id;
    actor.require_to_change(
        conn,
        perm::USERS_MANAGE,
        Entry::success(ACTION, "company", Some(company_id)),
    )?;
    if required {
        let own = match actor.user_id {
            Some(id) => crate::models::user::find(conn, id)?,
            None => None,
        };
        if own.is_some_and(|u| u.two_factor_enabled_at.is_none()) {
            return Err(OpError::field(
                "require_two_factor",
                "Turn on two-factor sign-in for your own account first (Account, Two-factor sign-in).",
            ));
        }
    }
    write_tx(conn, |conn| {
        let before = company::find(conn, company_id)?;
        if before.require_two_factor == required {
            return Ok(before);
        }
        let after = company::set_require_two_factor(conn, company_id, required)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success(ACTION, "company", Some(company_id))
                .before(serde_json::json!({ "require_two_factor": before.require_two_factor }))
                .after(serde_json::json!({ "require_two_factor": required })),
        )?;
        security_event::record(
            conn,
            &actor.meta,
            NewEvent {
                user_id: actor.user_id,
                company_id: Some(company_id),
                event_type: "company.two_factor_requirement",
                subject_key: None,
                severity: Severity::Warning,
                description: if required {
                    "Two-factor sign-in is now required for everyone in the company".into()
                } else {
                    "Two-factor sign-in is no longer required".into()
                },
                metadata: serde_json::json!({ "required": required }),
            },
        )?;
        Ok::<_, OpError>(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(valid_code("ACME-7F3A"));
        assert!(valid_code("CO-01"));
        assert!(valid_code("AB"));
        assert!(!valid_code("A"));
        assert!(!valid_code("acme-1"));
        assert!(!valid_code("ACME--1"));
        assert!(!valid_code("-ACME"));
        assert!(!valid_code("ACME-"));
        assert!(!valid_code("ACME 1"));
        assert!(!valid_code("ÄCME"));
        assert!(!valid_code("ABCDEFGHIJ-KLMNOPQRST"));
    }

    #[test]
    fn slugs_follow_slugify() {
        assert!(valid_slug("acme-power-light"));
        assert!(valid_slug("a1"));
        assert!(!valid_slug(""));
        assert!(!valid_slug("Acme"));
        assert!(!valid_slug("acme--power"));
        assert!(!valid_slug("-acme"));
        assert!(!valid_slug("acme_power"));
        assert!(!valid_slug(&"a".repeat(49)));
    }

    #[test]
    fn input_is_normalized_then_checked() {
        let p = CompanyProfile {
            name: "  Acme Power  ".into(),
            contact_email: " Office@Acme.example ".into(),
            code: " acme-7f3a ".into(),
            slug: " Acme-Power ".into(),
        }
        .normalized();
        assert_eq!(p.code, "ACME-7F3A");
        assert_eq!(p.slug, "acme-power");
        assert_eq!(p.contact_email, "office@acme.example");
        assert!(p.check().is_empty());
        let bad = CompanyProfile {
            name: "A".into(),
            contact_email: "nope".into(),
            code: "no way".into(),
            slug: "No Way!".into(),
        };
        let errors = bad.check();
        for f in ["name", "contact_email", "code", "slug"] {
            assert!(errors.has(f), "{f}");
        }
        assert!(errors.get("slug").unwrap().contains("no-way"));
    }
}
