//! Creating a company with its first user: self-service sign-up at `/register`, and (through
//! the same form and the same creation code) the platform admin at first setup.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth::send_verification;
use super::{html_status, redirect};
use crate::auth::password;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Actor, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::company::Company;
use crate::models::user::{self, NewUser, User};
use crate::models::{RequestMeta, company, license, role};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::session_user_id;
use crate::web::forms::{FormErrors, has_control, name_problem, valid_email, valid_username};
use crate::web::page::{Page, flash};

/// The fields that create a company and its first user (stable names, see README).
#[derive(Deserialize, Default, Clone)]
pub struct NewAccountForm {
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

impl NewAccountForm {
    /// Trimmed, with username and email lowercase (as they are stored).
    pub fn normalized(self) -> Self {
        NewAccountForm {
            company_name: self.company_name.trim().to_string(),
            name: self.name.trim().to_string(),
            username: self.username.trim().to_lowercase(),
            email: self.email.trim().to_lowercase(),
            password: self.password,
        }
    }

    /// The form to show again: everything but the password.
    pub fn without_password(self) -> Self {
        NewAccountForm {
            password: String::new(),
            ..self
        }
    }

    /// Field checks that need no database; `company_label` names the company field in messages.
    pub fn check(&self, company_label: &str) -> FormErrors {
        let mut errors = FormErrors::default();
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

    /// Adds errors for a username or email address already in use.
    pub async fn check_unique(&self, state: &AppState, errors: &mut FormErrors) -> AppResult<()> {
        let (u, e) = (self.username.clone(), self.email.clone());
        let (u_taken, e_taken) = state
            .db(move |conn| {
                Ok((
                    user::username_taken(conn, &u)?,
                    user::email_taken(conn, &e)?,
                ))
            })
            .await?;
        if u_taken {
            errors.add("username", "This username is taken; choose another.");
        }
        if e_taken {
            errors.add(
                "email",
                "An account with this email address exists. Sign in, or reset its password.",
            );
        }
        Ok(())
    }
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
    form: &NewAccountForm,
    password_hash: &str,
    how: Creation<'_>,
) -> diesel::QueryResult<(Company, User, Actor)> {
    let company = company::create(conn, &form.company_name, &form.email)?;
    let user = user::create(
        conn,
        NewUser {
            company_id: company.id,
            name: &form.name,
            username: &form.username,
            email: &form.email,
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

/// Is this error a unique constraint (a username or email taken by a concurrent request)?
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

// ---------------------------------------------------------------- /register

#[derive(Template)]
#[template(path = "auth/register.html")]
struct RegisterPage {
    page: Page,
    form: NewAccountForm,
    errors: FormErrors,
}

fn register_page(
    session: &Session,
    status: StatusCode,
    form: NewAccountForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let page = RegisterPage {
        page: Page::new(session, "Create a company account", None, ""),
        form: form.without_password(),
        errors,
    };
    Ok(html_status(status, page.render()?))
}

pub async fn register_form(session: Session) -> AppResult<HttpResponse> {
    if session_user_id(&session).is_some() {
        return Ok(redirect("/"));
    }
    register_page(
        &session,
        StatusCode::OK,
        NewAccountForm::default(),
        FormErrors::default(),
    )
}

pub async fn register(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<NewAccountForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().normalized();
    let mut errors = form.check("your company's name");
    if errors.is_empty() {
        form.check_unique(&state, &mut errors).await?;
    }
    if !errors.is_empty() {
        return register_page(&session, StatusCode::UNPROCESSABLE_ENTITY, form, errors);
    }
    let pw = form.password.clone();
    let hash = web::block(move || password::hash(&pw)).await??;
    let f = form.clone();
    let created = state
        .db(move |conn| {
            let result = write_tx(conn, |conn| {
                let how = Creation {
                    role: role::COMPANY_ADMIN,
                    email_verified: false,
                    via: "sign-up",
                    meta: &meta,
                    acting_user: true,
                };
                let (company, user, actor) = create_company_with_user(conn, &f, &hash, how)?;
                let lic = license::create_trial(conn, company.id)?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("license.create", "license", Some(lic.id)).after(serde_json::json!({
                        "plan": lic.plan, "seats": lic.seats, "start_date": lic.start_date, "end_date": lic.end_date,
                    })),
                )?;
                let token = auth_token::issue(conn, Some(user.id), Purpose::VerifyEmail)?;
                Ok::<_, diesel::result::Error>((user, token))
            });
            match result {
                Ok(v) => Ok(Some(v)),
                Err(e) if is_unique_violation(&e) => Ok(None),
                Err(e) => Err(AppError::from(e)),
            }
        })
        .await?;
    let Some((user, token)) = created else {
        // Someone took the username or email between the check and the insert.
        let mut errors = FormErrors::default();
        errors.add(
            "username",
            "This username or email address was just taken; choose another.",
        );
        return register_page(&session, StatusCode::UNPROCESSABLE_ENTITY, form, errors);
    };
    send_verification(&state, &user, &token);
    flash(
        &session,
        "success",
        format!(
            "Your company account is ready. We have sent a link to {}: open it to verify your address, then sign in.",
            user.email
        ),
    );
    Ok(redirect("/login"))
}
