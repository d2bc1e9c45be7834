//! The signed-in user's own account: profile, password, sessions.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_status, is_htmx, redirect};
use crate::auth::password;
use crate::auth::throttle::{self, Subject, Verdict};
use crate::db::write_tx;
use crate::models::audit::{self, Entry};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::session::{self as sessions, SessionRow};
use crate::models::user;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::forms::{FormErrors, name_problem, valid_timezone};
use crate::web::page::{NavUser, Page, flash, local_time};

// ---------------------------------------------------------------- profile

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage {
    page: Page,
    profile: ProfileForm,
    email: String,
    username: String,
    errors: FormErrors,
    saved: bool,
    timezones: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "partials/profile_form.html")]
struct ProfileFragment {
    page_csrf: String,
    /// The top bar's name, replaced out of band after a save.
    nav_user: Option<NavUser>,
    profile: ProfileForm,
    errors: FormErrors,
    saved: bool,
    timezones: &'static [&'static str],
}

#[derive(Deserialize, Clone, Default)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    timezone: String,
}

fn timezones() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect())
}

pub async fn profile_form(session: Session, me: CurrentUser) -> AppResult<HttpResponse> {
    let page = ProfilePage {
        page: Page::new(&session, "Your account", Some(&me), "/account"),
        profile: ProfileForm {
            name: me.user.name.clone(),
            timezone: me.user.timezone.clone(),
        },
        email: me.user.email.clone(),
        username: me.user.username.clone(),
        errors: FormErrors::default(),
        saved: false,
        timezones: timezones(),
    };
    Ok(html(page.render()?))
}

pub async fn update_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<ProfileForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    form.name = form.name.trim().to_string();
    form.timezone = form.timezone.trim().to_string();
    let mut errors = FormErrors::default();
    if let Some(message) = name_problem(&form.name) {
        errors.add("name", message);
    }
    if !valid_timezone(&form.timezone) {
        errors.add(
            "timezone",
            "Choose a time zone from the list, like Europe/Berlin.",
        );
    }
    if errors.is_empty() {
        let (actor, before, id, f) = (
            me.actor().audit(),
            me.user.audit_snapshot(),
            me.user.id,
            form.clone(),
        );
        state
            .db(move |conn| {
                write_tx(conn, |conn| {
                    let updated = user::update_profile(conn, id, &f.name, &f.timezone)?;
                    audit::record(
                        conn,
                        &actor,
                        Entry::success("user.update", "user", Some(id))
                            .before(before)
                            .after(updated.audit_snapshot()),
                    )?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
    }
    let saved = errors.is_empty();
    let status = if saved {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if is_htmx(&req) {
        let fragment = ProfileFragment {
            page_csrf: crate::auth::csrf::token(&session),
            nav_user: saved.then(|| NavUser {
                name: form.name.clone(),
                username: me.user.username.clone(),
                company: me.company.name.clone(),
            }),
            profile: form,
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
    let page = ProfilePage {
        page: Page::new(&session, "Your account", Some(&me), "/account"),
        profile: form,
        email: me.user.email.clone(),
        username: me.user.username.clone(),
        errors,
        saved: false,
        timezones: timezones(),
    };
    Ok(html_status(status, page.render()?))
}

// ---------------------------------------------------------------- password

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    page: Page,
    errors: FormErrors,
}

pub async fn password_form(session: Session, me: CurrentUser) -> AppResult<HttpResponse> {
    let page = PasswordPage {
        page: Page::new(&session, "Change your password", Some(&me), "/account"),
        errors: FormErrors::default(),
    };
    Ok(html(page.render()?))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let limits = state.config.login_throttle.clone();
    // Guessing the current password from a hijacked session is throttled like signing in,
    // against the same account budget.
    let subject = Subject {
        key: throttle::subject_key(Some(me.user.id), ""),
        user_id: Some(me.user.id),
        company_id: Some(me.company.id),
    };
    let claim = {
        let (subject, meta, limits) = (subject.clone(), me.meta.clone(), limits.clone());
        state
            .db(move |conn| {
                Ok(throttle::claim(
                    conn,
                    &limits,
                    &subject,
                    &meta,
                    security_event::PASSWORD_CHANGE_FAILURE,
                    "Password change refused: wrong current password",
                )?)
            })
            .await?
    };
    let page_with = |errors: FormErrors, status: StatusCode| -> AppResult<HttpResponse> {
        let page = PasswordPage {
            page: Page::new(&session, "Change your password", Some(&me), "/account"),
            errors,
        };
        Ok(html_status(status, page.render()?))
    };
    let event_id = match claim.verdict {
        Verdict::Locked { retry_after } => {
            errors.add("current_password", throttle::locked_message(retry_after));
            return page_with(errors, StatusCode::TOO_MANY_REQUESTS);
        }
        Verdict::Allow { delay } => {
            if !delay.is_zero() {
                actix_web::rt::time::sleep(delay).await;
            }
            claim.event_id
        }
    };
    let stored = me.user.password_hash.clone();
    let current = form.current_password.clone();
    let current_ok = web::block(move || password::verify(&current, &stored)).await?;
    if !current_ok {
        errors.add("current_password", "This is not your current password.");
        let (actor, meta, id) = (me.actor().audit(), me.meta.clone(), me.user.id);
        state
            .db(move |conn| {
                write_tx(conn, |conn| {
                    audit::record(
                        conn,
                        &actor,
                        Entry::failure("user.password_change", "user", Some(id))
                            .details(serde_json::json!({ "reason": "wrong current password" })),
                    )?;
                    throttle::after_failure(conn, &limits, &subject, &meta)?;
                    Ok::<_, AppError>(())
                })
            })
            .await?;
        return page_with(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if let Some(id) = event_id {
        state
            .db(move |conn| {
                Ok(security_event::settle(
                    conn,
                    id,
                    "password_change.confirmed",
                    Severity::Info,
                    "Current password confirmed for a password change",
                )?)
            })
            .await?;
    }
    let local = me.user.email.split('@').next().unwrap_or("");
    if let Err(m) = password::check_policy(
        &form.new_password,
        &[&me.user.name, &me.user.username, &me.user.email, local],
    ) {
        errors.add("new_password", m);
    } else if form.new_password == form.current_password {
        errors.add(
            "new_password",
            "Choose a password different from the current one.",
        );
    }
    if !errors.is_empty() {
        return page_with(errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let new_password = form.new_password;
    let hash = web::block(move || password::hash(&new_password)).await??;
    let (actor, meta, id, company_id) = (
        me.actor().audit(),
        me.meta.clone(),
        me.user.id,
        me.company.id,
    );
    let keep = me.session_public_id.clone();
    let ended = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                user::set_password(conn, id, &hash)?;
                // A reset link mailed before the change must not undo it.
                crate::models::auth_token::expire(
                    conn,
                    Some(id),
                    crate::models::auth_token::Purpose::PasswordReset,
                )?;
                let ended = sessions::revoke_all_except(conn, id, keep.as_deref())?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("user.password_change", "user", Some(id))
                        .details(serde_json::json!({ "other_sessions_ended": ended })),
                )?;
                security_event::record(
                    conn,
                    &meta,
                    NewEvent {
                        user_id: Some(id),
                        company_id: Some(company_id),
                        event_type: "password_change",
                        subject_key: None,
                        severity: Severity::Info,
                        description: "Password changed; other sessions ended".into(),
                        metadata: serde_json::json!({ "other_sessions_ended": ended }),
                    },
                )?;
                Ok::<_, AppError>(ended)
            })
        })
        .await?;
    let others = match ended {
        0 => String::new(),
        1 => " Your other session was signed out.".to_string(),
        n => format!(" Your {n} other sessions were signed out."),
    };
    flash(
        &session,
        "success",
        format!("Your password is changed.{others}"),
    );
    Ok(redirect("/account"))
}

// ---------------------------------------------------------------- sessions

pub struct SessionView {
    pub public_id: String,
    pub browser: String,
    pub ip_address: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    page: Page,
    sessions: Vec<SessionView>,
}

#[derive(Template)]
#[template(path = "partials/sessions_table.html")]
struct SessionsFragment {
    sessions: Vec<SessionView>,
    csrf: String,
}

/// A short description of a browser from its user agent, e.g. "Firefox on Linux".
pub fn describe_browser(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|u| !u.is_empty()) else {
        return "Unknown browser".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map_or("Other browser", |(_, name)| name);
    let os = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

async fn load_sessions(state: &AppState, me: &CurrentUser) -> AppResult<Vec<SessionView>> {
    let id = me.user.id;
    let idle =
        chrono::Duration::from_std(state.config.session_idle).unwrap_or(chrono::Duration::hours(2));
    let rows: Vec<SessionRow> = state
        .db(move |conn| {
            Ok(sessions::list_for_user(
                conn,
                id,
                crate::util::now() - idle,
            )?)
        })
        .await?;
    let tz = me.user.timezone.clone();
    Ok(rows
        .into_iter()
        .map(|r| SessionView {
            current: me.session_public_id.as_deref() == Some(r.public_id.as_str()),
            browser: describe_browser(r.user_agent.as_deref()),
            ip_address: r.ip_address.unwrap_or_else(|| "unknown".into()),
            created: local_time(&r.created_at, &tz),
            last_seen: local_time(&r.last_seen_at, &tz),
            public_id: r.public_id,
        })
        .collect())
}

pub async fn sessions(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let list = load_sessions(&state, &me).await?;
    let page = SessionsPage {
        page: Page::new(&session, "Your sessions", Some(&me), "/account"),
        sessions: list,
    };
    Ok(html(page.render()?))
}

async fn after_revoke(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    message: String,
) -> AppResult<HttpResponse> {
    if is_htmx(req) {
        let fragment = SessionsFragment {
            sessions: load_sessions(state, me).await?,
            csrf: crate::auth::csrf::token(session),
        };
        return Ok(html(fragment.render()?));
    }
    flash(session, "success", message);
    Ok(redirect("/account/sessions"))
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    public_id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let public_id = public_id.into_inner();
    if me.session_public_id.as_deref() == Some(public_id.as_str()) {
        return Err(AppError::BadRequest(
            "To end this session, sign out.".into(),
        ));
    }
    let (actor, id) = (me.actor().audit(), me.user.id);
    let target = public_id.clone();
    let revoked = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let revoked = sessions::revoke(conn, id, &target)?;
                if revoked {
                    audit::record(
                        conn,
                        &actor,
                        Entry::success("session.revoke", "session", None)
                            .details(serde_json::json!({ "session": target })),
                    )?;
                }
                Ok::<_, AppError>(revoked)
            })
        })
        .await?;
    if !revoked {
        return Err(AppError::NotFound);
    }
    after_revoke(
        &req,
        &state,
        &session,
        &me,
        "The session was signed out.".into(),
    )
    .await
}

pub async fn revoke_others(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let (actor, id, keep) = (me.actor().audit(), me.user.id, me.session_public_id.clone());
    let ended = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let ended = sessions::revoke_all_except(conn, id, keep.as_deref())?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("session.revoke_others", "session", None)
                        .details(serde_json::json!({ "sessions_ended": ended })),
                )?;
                Ok::<_, AppError>(ended)
            })
        })
        .await?;
    after_revoke(
        &req,
        &state,
        &session,
        &me,
        format!("{ended} other session(s) signed out."),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::describe_browser;

    #[test]
    fn browsers() {
        assert_eq!(
            describe_browser(Some(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            )),
            "Firefox on Linux"
        );
        assert_eq!(
            describe_browser(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
            )),
            "Chrome on Windows"
        );
        assert_eq!(describe_browser(None), "Unknown browser");
    }
}
