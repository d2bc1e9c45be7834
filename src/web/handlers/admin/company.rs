//! `/admin/company`: the company's profile (name, contact email, code, slug), saved in place
//! through htmx or as a plain form. The rules are `ops::admin::company`'s.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{AdminTab, admin_page};
use crate::ops::OpError;
use crate::ops::admin::company::{self as company_op, CompanyProfile};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::{html_status, is_htmx, redirect};
use crate::web::page::{Page, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/company", web::get().to(show))
        .route("/admin/company", web::post().to(update))
        .route("/admin/company/two-factor", web::post().to(two_factor));
}

#[derive(Template)]
#[template(path = "admin/company.html")]
struct CompanyPage {
    page: Page,
    tabs: Vec<AdminTab>,
    profile: CompanyProfile,
    errors: FieldErrors,
    saved: bool,
    /// The company requires two-factor sign-in.
    require_two_factor: bool,
    /// Why the two-factor setting was refused.
    two_factor_errors: FieldErrors,
}

/// The form alone, for htmx.
#[derive(Template)]
#[template(path = "admin/_company_form.html")]
struct CompanyForm {
    page_csrf: String,
    profile: CompanyProfile,
    errors: FieldErrors,
    saved: bool,
}

#[derive(Deserialize)]
pub struct CompanyFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    slug: String,
}

fn page(
    session: &Session,
    me: &CurrentUser,
    status: StatusCode,
    profile: CompanyProfile,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    with_two_factor(session, me, status, profile, errors, FieldErrors::default())
}

fn with_two_factor(
    session: &Session,
    me: &CurrentUser,
    status: StatusCode,
    profile: CompanyProfile,
    errors: FieldErrors,
    two_factor_errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (page, tabs) = admin_page(session, me, "Company", "/admin/company");
    let body = CompanyPage {
        page,
        tabs,
        profile,
        errors,
        saved: false,
        require_two_factor: me.company.require_two_factor,
        two_factor_errors,
    }
    .render()?;
    Ok(html_status(status, body))
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let actor = me.actor();
    let company = state.op(move |conn| company_op::show(conn, &actor)).await?;
    page(
        &session,
        &me,
        StatusCode::OK,
        CompanyProfile::of(&company),
        FieldErrors::default(),
    )
}

async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<CompanyFields>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let input = CompanyProfile {
        name: f.name,
        contact_email: f.contact_email,
        code: f.code,
        slug: f.slug,
    };
    let (actor, typed) = (me.actor(), input.clone());
    let (profile, errors) = match state
        .op(move |conn| company_op::update(conn, &actor, typed))
        .await
    {
        Ok(company) => (CompanyProfile::of(&company), FieldErrors::default()),
        Err(OpError::Invalid(errors)) => (input.normalized(), errors),
        Err(e) => return Err(e.into()),
    };
    let saved = errors.is_empty();
    let status = crate::web::forms::form_status(saved);
    if is_htmx(&req) {
        let fragment = CompanyForm {
            page_csrf: crate::auth::csrf::token(&session),
            profile,
            errors,
            saved,
        };
        return Ok(html_status(status, fragment.render()?));
    }
    if saved {
        flash(&session, "success", "The company's profile is saved.");
        return Ok(redirect("/admin/company"));
    }
    page(&session, &me, status, profile, errors)
}

#[derive(Deserialize)]
pub struct TwoFactorFields {
    /// A checkbox: present ("on") when checked.
    require_two_factor: Option<String>,
}

/// Requires two-factor sign-in for the company, or stops requiring it.
async fn two_factor(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<TwoFactorFields>,
) -> AppResult<HttpResponse> {
    let required = form.into_inner().require_two_factor.is_some();
    let actor = me.actor();
    match state
        .op(move |conn| company_op::set_two_factor_requirement(conn, &actor, required))
        .await
    {
        Ok(_) => {
            let message = if required {
                "Two-factor sign-in is now required: everyone without it is asked to set it up."
            } else {
                "Two-factor sign-in is no longer required."
            };
            flash(&session, "success", message);
            Ok(redirect("/admin/company"))
        }
        Err(OpError::Invalid(errors)) => {
            let company = CompanyProfile::of(&me.company);
            with_two_factor(
                &session,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                company,
                FieldErrors::default(),
                errors,
            )
        }
        Err(e) => Err(e.into()),
    }
}
