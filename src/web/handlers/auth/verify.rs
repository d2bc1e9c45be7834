//! Verifying an email address by its one-time link.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{link_refused, message_page};
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::verify_email::verify_email as verify;
use crate::web::AppState;
use crate::web::errors::AppResult;

pub async fn verify_email(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    match state.op(move |conn| verify(conn, &meta, &token)).await {
        Ok(_) => message_page(
            &session,
            StatusCode::OK,
            "Email address verified",
            "Thank you: your email address is confirmed. You can sign in now.",
            Some(("/login", "Sign in")),
        ),
        Err(OpError::Account(r)) => link_refused(&session, &r, ("/login", "Sign in")),
        Err(e) => Err(e.into()),
    }
}
