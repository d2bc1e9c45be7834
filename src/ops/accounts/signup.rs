//! Creating a company with its first user: self-service sign-up (a company admin on a trial
//! license, who must verify their address), and the platform admin created from the shell. The
//! first setup (`setup.rs`) uses the same creation.

use serde::Deserialize;

use crate::auth::password;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Actor, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::company::Company;
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::user::{self, NewUser, User};
use crate::models::{RequestMeta, company, license, role};
use crate::ops::error::OpError;
use crate::ops::input::{FieldErrors, has_control, name_problem, valid_email, valid_username};

use super::mail;

/// A company and its first user (the field names are the form's, see README).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct NewAccount {
    #[serde(default)]
    pub company_name: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}

impl NewAccount {
    /// Trimmed, with username and email lowercase (as they are stored).
    pub fn normalized(self) -> Self {
        NewAccount {
            company_name: self.company_name.trim().to_string(),
            name: self.name.trim().to_string(),
            username: self.username.trim().to_lowercase(),
            email: self.email.trim().to_lowercase(),
            password: self.password,
        }
    }

    /// The values to show again: everything but the password.
    pub fn without_password(self) -> Self {
        NewAccount {
            password: String::new(),
            ..self
        }
    }

    /// Field checks that need no database; `company_label` names the company field in messages.
    pub fn check(&self, company_label: &str) -> FieldErrors {
        let mut errors = FieldErrors::default();
        let company_len = self.company_name.chars().count();
        if !(2..=200).contains(&company_len) || has_control(&self.company_name) {
            errors.add(
                "company_name",
                format!("Enter {company_label} (2 to 200 characters, no control characters)."),
            );
        }
        if let Some(message) = name_problem(&self.name) {
            errors.add("name", message);
        }
        if !valid_username(&self.username) {
            errors.add(
                "username",
                "Use 3 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
            );
        }
        if !valid_email(&self.email) {
            errors.add(
                "email",
                "Enter a valid email address, like name@example.com.",
            );
        }
        let local = self.email.split('@').next().unwrap_or("");
        let personal = [
            self.name.as_str(),
            &self.username,
            &self.email,
            local,
            &self.company_name,
        ];
        if let Err(m) = password::check_policy(&self.password, &personal) {
            errors.add("password", m);
        }
        errors
    }

    /// Adds an error for a username already in use, and one for an email address in use when
    /// `address_in_use` is `Reveal`; returns whether the address is in use.
    fn check_unique(
        &self,
        conn: &mut DbConn,
        errors: &mut FieldErrors,
        address_in_use: AddressInUse,
    ) -> Result<bool, OpError> {
        let (username_taken, email_taken) = taken(conn, &self.username, &self.email)?;
        if username_taken {
            errors.add("username", "This username is taken; choose another.");
        }
        if email_taken && address_in_use == AddressInUse::Reveal {
            errors.add(
                "email",
                "An account with this email address exists. Sign in, or reset its password.",
            );
        }
        Ok(email_taken)
    }

    /// All checks, then the password hashed: the new account normalized with the hash and
    /// whether its address is in use (only when not revealed), or the field errors. The
    /// password is hashed in either case, so both answers take as long.
    pub(super) fn validate(
        self,
        conn: &mut DbConn,
        company_label: &str,
        address_in_use: AddressInUse,
    ) -> Result<(Self, String, bool), OpError> {
        let input = self.normalized();
        let mut errors = input.check(company_label);
        let mut email_taken = false;
        if errors.is_empty() {
            email_taken = input.check_unique(conn, &mut errors, address_in_use)?;
        }
        if !errors.is_empty() {
            return Err(OpError::Invalid(errors));
        }
        let hash = password::hash(&input.password)?;
        Ok((input, hash, email_taken))
    }
}

/// What a form says about an email address that already has an account: the setup link's form
/// (used once, by the operator) says so; public sign-up answers as for a new address and mails
/// the address's owner instead, so it tells nobody which addresses have accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressInUse {
    Reveal,
    MailOwner,
}

/// Whether the username and the email address are in use.
pub fn taken(conn: &mut DbConn, username: &str, email: &str) -> Result<(bool, bool), OpError> {
    Ok((
        user::username_taken(conn, username)?,
        user::email_taken(conn, email)?,
    ))
}

/// A username or email address taken by a concurrent request between the check and the insert.
pub(super) fn just_taken() -> OpError {
    OpError::field(
        "username",
        "This username or email address was just taken; choose another.",
    )
}

/// What else to do when creating the account.
pub struct Creation<'a> {
    pub role: &'static str,
    pub email_verified: bool,
    /// Recorded in the audit entry of the user (`sign-up`, `setup`, `shell`).
    pub via: &'static str,
    pub meta: &'a RequestMeta,
    pub acting_user: bool,
}

/// Creates the company and its first user with a role, and audits both, in the caller's
/// transaction. The new user is the actor unless `acting_user` is false (shell commands).
pub fn create_company_with_user(
    conn: &mut DbConn,
    input: &NewAccount,
    password_hash: &str,
    how: Creation<'_>,
) -> diesel::QueryResult<(Company, User, Actor)> {
    let company = company::create(conn, &input.company_name, &input.email)?;
    let user = user::create(
        conn,
        NewUser {
            company_id: company.id,
            name: &input.name,
            username: &input.username,
            email: &input.email,
            password_hash,
            timezone: "UTC",
            email_verified: how.email_verified,
        },
    )?;
    role::assign(conn, user.id, how.role, None)?;
    if how.role == role::PLATFORM_ADMIN {
        // Set up now: any setup link still around (in a log) stops working.
        auth_token::expire(conn, None, Purpose::Setup)?;
    }
    let actor = Actor {
        company_id: company.id,
        user_id: how.acting_user.then_some(user.id),
        meta: how.meta.clone(),
    };
    audit::record(
        conn,
        &actor,
        Entry::success("company.create", "company", Some(company.id)).after(serde_json::json!({
            "name": company.name, "slug": company.slug, "code": company.code,
        })),
    )?;
    audit::record(
        conn,
        &actor,
        Entry::success("user.create", "user", Some(user.id))
            .after(user.audit_snapshot())
            .details(serde_json::json!({ "roles": [how.role], "via": how.via })),
    )?;
    Ok((company, user, actor))
}

/// What a sign-up did; the page answers both the same way.
#[derive(Debug)]
pub enum SignUp {
    /// The company and its admin, sent a link to verify their address.
    Created(Box<User>),
    /// The address has an account already: its owner was mailed (at most a few times an hour)
    /// and nothing was created.
    AddressInUse,
}

/// Mails per hour to the owner of an address someone tried to sign up with.
const ADDRESS_IN_USE_MAILS_PER_HOUR: i64 = 3;
const ADDRESS_IN_USE: &str = "signup.address_in_use";

/// Self-service sign-up: a company with a trial license and its admin, who is sent a link to
/// verify their address (a queued mail). Anyone may sign up. An address that has an account
/// is answered as a new one would be (see [`AddressInUse`]).
pub fn sign_up(
    conn: &mut DbConn,
    meta: &RequestMeta,
    base_url: &str,
    input: NewAccount,
) -> Result<SignUp, OpError> {
    let (input, hash, email_taken) =
        input.validate(conn, "your company's name", AddressInUse::MailOwner)?;
    if email_taken {
        write_tx(conn, |conn| tell_owner(conn, meta, base_url, &input.email))?;
        return Ok(SignUp::AddressInUse);
    }
    let created = write_tx(conn, |conn| {
        let how = Creation {
            role: role::COMPANY_ADMIN,
            email_verified: false,
            via: "sign-up",
            meta,
            acting_user: true,
        };
        let (company, user, actor) = create_company_with_user(conn, &input, &hash, how)?;
        let lic = license::create_trial(conn, company.id)?;
        audit::record(
            conn,
            &actor,
            Entry::success("license.create", "license", Some(lic.id)).after(serde_json::json!({
                "plan": lic.plan, "seats": lic.seats, "start_date": lic.start_date, "end_date": lic.end_date,
            })),
        )?;
        let token = auth_token::issue(conn, Some(user.id), Purpose::VerifyEmail)?;
        mail::verification(base_url, &user, &token).enqueue(conn)?;
        Ok::<_, OpError>(user)
    });
    match created {
        Ok(user) => Ok(SignUp::Created(Box::new(user))),
        Err(e) if e.is_unique_violation() => Err(just_taken()),
        Err(e) => Err(e),
    }
}

/// Someone signed up with an address that has an account: a security event for its owner and
/// a mail that says so and how to sign in, at most a few times an hour.
fn tell_owner(
    conn: &mut DbConn,
    meta: &RequestMeta,
    base_url: &str,
    email: &str,
) -> Result<(), OpError> {
    let Some(owner) = user::find_by_login(conn, email)?.filter(|u| u.email == email) else {
        return Ok(());
    };
    let since = crate::util::now() - chrono::Duration::hours(1);
    let recent = security_event::count_for_user_since(conn, owner.id, ADDRESS_IN_USE, since)?;
    let send = recent < ADDRESS_IN_USE_MAILS_PER_HOUR;
    if !send {
        // Recorded (and mailed) a few times an hour: more attempts add no rows.
        return Ok(());
    }
    security_event::record(
        conn,
        meta,
        NewEvent {
            user_id: Some(owner.id),
            company_id: Some(owner.company_id),
            event_type: ADDRESS_IN_USE,
            subject_key: None,
            severity: Severity::Info,
            description: "Sign-up attempted with this account's email address".into(),
            metadata: serde_json::json!({ "mailed": true }),
        },
    )?;
    mail::address_in_use(base_url, &owner).enqueue(conn)?;
    Ok(())
}

/// A platform admin created from the shell (which acts as nobody), with an organisation of
/// their own. The password must not resemble the name, username or email.
pub fn create_platform_admin(
    conn: &mut DbConn,
    meta: &RequestMeta,
    input: NewAccount,
) -> Result<User, OpError> {
    password::check_policy(
        &input.password,
        &[&input.name, &input.username, &input.email],
    )
    .map_err(|m| OpError::field("password", m))?;
    let hash = password::hash(&input.password)?;
    let how = Creation {
        role: role::PLATFORM_ADMIN,
        email_verified: true,
        via: "shell",
        meta,
        acting_user: false,
    };
    let (_, admin, _) = write_tx(conn, |conn| {
        create_company_with_user(conn, &input, &hash, how)
    })?;
    Ok(admin)
}
