//! Save the draft as the next version, or discard it.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::super::redirect;
use super::editor::{PageInput, SaveView, refused_page};
use super::{done, run};
use crate::ops::OpError;
use crate::ops::circuits::{self, SaveDraft};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::flash;
use crate::web::project_access::ProjectAccess;

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    message: String,
    /// The newest version number the user saw when a newer version than their base exists.
    #[serde(default)]
    confirm_base: String,
}

pub async fn save(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    form: web::Form<SaveForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let message = form.message.trim().to_string();
    let input = SaveDraft {
        message: message.clone(),
        confirm_base: form.confirm_base.trim().parse().ok(),
    };
    let error = match run(&state, &access, |c, a, p| circuits::save(c, a, p, input)).await {
        Ok(v) => {
            flash(
                &session,
                "success",
                format!("Saved as version {}.", v.version_number),
            );
            return Ok(redirect(&format!(
                "/projects/{}/editor",
                access.project_id()
            )));
        }
        Err(OpError::Invalid(errors)) => errors.summary(),
        Err(OpError::Circuit(refusal)) => refusal.to_string(),
        Err(e) => return Err(e.into()),
    };
    let input = PageInput {
        save: SaveView {
            message,
            error: Some(error),
            confirm_base: None,
        },
        ..Default::default()
    };
    refused_page(&state, &session, &access, input).await
}

/// Resets the draft to the latest version.
pub async fn discard(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let number = run(&state, &access, circuits::discard).await?;
    let message = match number {
        Some(n) => format!("Draft discarded: it is version {n} again."),
        None => "Draft discarded: the circuit is empty again.".into(),
    };
    flash(&session, "success", message);
    Ok(done(
        &req,
        &format!("/projects/{}/editor", access.project_id()),
    ))
}
