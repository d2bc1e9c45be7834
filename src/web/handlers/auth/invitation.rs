//! Accepting an invitation at `/invitations/{token}`: the invitee chooses a username and a
//! password and is signed in as a new user of the inviting company. The rules live in
//! `ops::admin::invitations`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::{redirect, render};
use super::{link_refused, message_page, start_session};
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::admin::invitations::{self as invitations_op, AcceptInput, Opened};
use crate::ops::admin::users::PeopleRefusal;
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::{Page, flash};

#[derive(Template)]
#[template(path = "auth/invitation.html")]
struct AcceptPage {
    page: Page,
    token: String,
    opened: Opened,
    username: String,
    errors: FieldErrors,
}

const SIGN_IN: (&str, &str) = ("/login", "Sign in");

/// The page for a working link, or the refusal (400 for a link that does not work).
async fn show(
    state: &AppState,
    session: &Session,
    token: String,
    username: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let t = token.clone();
    match state
        .op(move |conn| invitations_op::open_link(conn, &t))
        .await
    {
        Ok(opened) => {
            let status = crate::web::forms::form_status(errors.is_empty());
            let page = AcceptPage {
                page: Page::anonymous(session, "Accept your invitation"),
                token,
                opened,
                username,
                errors,
            };
            render(status, &page)
        }
        Err(OpError::People(r)) => link_refused(session, &r, SIGN_IN),
        Err(e) => Err(e.into()),
    }
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    show(
        &state,
        &session,
        token.into_inner(),
        String::new(),
        FieldErrors::default(),
    )
    .await
}

pub async fn accept(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
    form: web::Form<AcceptInput>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let input = form.into_inner();
    let username = input.username.trim().to_lowercase();
    let (t, m) = (token.clone(), meta.clone());
    let accepted = state
        .op(move |conn| invitations_op::accept(conn, &m, &t, input))
        .await;
    match accepted {
        Ok(user) => {
            start_session(&session, user.id, &meta)?;
            flash(
                &session,
                "success",
                format!("Welcome, {}. Your account is ready.", user.name),
            );
            Ok(redirect("/"))
        }
        Err(OpError::Invalid(errors)) => show(&state, &session, token, username, errors).await,
        Err(OpError::People(r @ PeopleRefusal::InvitationLinkInvalid)) => {
            link_refused(&session, &r, SIGN_IN)
        }
        Err(OpError::People(r)) => message_page(
            &session,
            StatusCode::CONFLICT,
            "The invitation cannot be accepted now",
            &r.to_string(),
            None,
        ),
        Err(e @ OpError::ReadOnly { .. }) => message_page(
            &session,
            StatusCode::FORBIDDEN,
            "The invitation cannot be accepted now",
            &e.to_string(),
            None,
        ),
        Err(e) => Err(e.into()),
    }
}
