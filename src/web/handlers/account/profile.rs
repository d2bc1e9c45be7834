//! The profile page: name and time zone, saved in place through htmx.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html_status, is_htmx, redirect};
use crate::ops::OpError;
use crate::ops::accounts::profile::{self, Profile};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{NavUser, Page, flash};

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage {
    page: Page,
    profile: Profile,
    email: String,
    username: String,
    errors: FieldErrors,
    saved: bool,
    timezones: &'static [&'static str],
}

/// The form alone, for htmx.
#[derive(Template)]
#[template(path = "account/_profile_form.html")]
struct ProfileForm {
    page_csrf: String,
    /// The top bar's name, replaced out of band after a save.
    nav_user: Option<NavUser>,
    profile: Profile,
    errors: FieldErrors,
    saved: bool,
    timezones: &'static [&'static str],
}

#[derive(Deserialize)]
pub struct ProfileFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    timezone: String,
}

fn timezones() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect())
}

fn profile_page(
    session: &Session,
    me: &CurrentUser,
    status: StatusCode,
    profile: Profile,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = ProfilePage {
        page: Page::new(session, "Your account", Some(me), "/account"),
        profile,
        email: me.user.email.clone(),
        username: me.user.username.clone(),
        errors,
        saved: false,
        timezones: timezones(),
    };
    Ok(html_status(status, page.render()?))
}

pub async fn profile_form(session: Session, me: CurrentUser) -> AppResult<HttpResponse> {
    let profile = Profile {
        name: me.user.name.clone(),
        timezone: me.user.timezone.clone(),
    };
    profile_page(
        &session,
        &me,
        StatusCode::OK,
        profile,
        FieldErrors::default(),
    )
}

pub async fn update_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<ProfileFields>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let input = Profile {
        name: form.name,
        timezone: form.timezone,
    }
    .normalized();
    let (actor, i) = (me.actor(), input.clone());
    let errors = match state
        .op(move |conn| profile::update_profile(conn, &actor, i))
        .await
    {
        Ok(_) => FieldErrors::default(),
        Err(OpError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    let saved = errors.is_empty();
    let status = crate::web::forms::form_status(saved);
    if is_htmx(&req) {
        let fragment = ProfileForm {
            page_csrf: crate::auth::csrf::token(&session),
            nav_user: saved.then(|| NavUser {
                name: input.name.clone(),
                username: me.user.username.clone(),
                company: me.company.name.clone(),
            }),
            profile: input,
            errors,
            saved,
            timezones: timezones(),
        };
        return Ok(html_status(status, fragment.render()?));
    }
    if saved {
        flash(&session, "success", "Your profile is saved.");
        return Ok(redirect("/account"));
    }
    profile_page(&session, &me, status, input, errors)
}
