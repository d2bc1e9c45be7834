//! Inviting someone (`/admin/users/invite`), and resending or revoking an open invitation from
//! the people list. The rules live in `ops::admin::invitations`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::{AdminTab, admin_page};
use super::seats_line;
use crate::auth::permissions as perm;
use crate::models::role::COMPANY_ROLES;
use crate::ops::OpError;
use crate::ops::admin::invitations::{self as invitations_op, InviteInput};
use crate::ops::admin::users as users_op;
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::{redirect, render};
use crate::web::page::{Page, flash};

#[derive(Template)]
#[template(path = "admin/invite.html")]
struct InvitePage {
    page: Page,
    tabs: Vec<AdminTab>,
    form: InviteInput,
    roles: &'static [&'static str],
    seats: String,
    errors: FieldErrors,
}

async fn show(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    form: InviteInput,
    status: StatusCode,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let company_id = me.company_id();
    let seats = state
        .op(move |conn| users_op::seat_usage(conn, company_id))
        .await?;
    let (page, tabs) = admin_page(session, me, "Invite someone", "/admin/users");
    let view = InvitePage {
        page,
        tabs,
        form,
        roles: &COMPANY_ROLES,
        seats: seats_line(&seats),
        errors,
    };
    render(status, &view)
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    me.require(perm::USERS_MANAGE)?;
    let form = InviteInput {
        role: crate::models::role::ENGINEER.into(),
        ..Default::default()
    };
    show(
        &state,
        &session,
        &me,
        form,
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
}

pub async fn invite(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<InviteInput>,
) -> AppResult<HttpResponse> {
    let input = form.into_inner().normalized();
    let (actor, base_url, i) = (me.actor(), state.config.base_url.clone(), input.clone());
    let outcome = state
        .op(move |conn| invitations_op::invite(conn, &actor, &base_url, i))
        .await;
    let (status, errors) = match outcome {
        Ok(inv) => {
            flash(
                &session,
                "success",
                format!("Invitation sent to {}.", inv.email),
            );
            return Ok(redirect("/admin/users"));
        }
        Err(OpError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(OpError::People(refusal)) => {
            let mut errors = FieldErrors::default();
            errors.add("", refusal.to_string());
            (StatusCode::CONFLICT, errors)
        }
        Err(e) => return Err(e.into()),
    };
    show(&state, &session, &me, input, status, errors).await
}

pub async fn resend(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor, base_url) = (id.into_inner(), me.actor(), state.config.base_url.clone());
    let inv = state
        .op(move |conn| invitations_op::resend(conn, &actor, &base_url, id))
        .await?;
    flash(
        &session,
        "success",
        format!(
            "A new invitation link was sent to {}; the earlier link no longer works.",
            inv.email
        ),
    );
    Ok(redirect("/admin/users"))
}

pub async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (id.into_inner(), me.actor());
    let inv = state
        .op(move |conn| invitations_op::revoke(conn, &actor, id))
        .await?;
    flash(
        &session,
        "success",
        format!("The invitation of {} was revoked.", inv.email),
    );
    Ok(redirect("/admin/users"))
}
