//! The circuit's name and frequency in the draft.

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::super::redirect;
use super::editor::{PageInput, refused_page};
use super::{form_map, run};
use crate::ops::OpError;
use crate::ops::circuits::{self, CircuitSettings};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::flash;
use crate::web::project_access::ProjectAccess;

pub async fn update_settings(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let values = form_map(form.into_inner());
    let field = |name: &str| values.get(name).cloned().unwrap_or_default();
    let (name, frequency_hz) = (field("name"), field("frequency_hz"));
    let input = CircuitSettings {
        name: name.clone(),
        frequency_hz: frequency_hz.clone(),
    };
    match run(&state, &access, |c, a, p| {
        circuits::update_settings(c, a, p, input)
    })
    .await
    {
        Ok(()) => {
            flash(
                &session,
                "success",
                "Circuit name and frequency saved in your draft.",
            );
            Ok(redirect(&format!(
                "/projects/{}/editor",
                access.project_id()
            )))
        }
        Err(OpError::Invalid(errors)) => {
            let input = PageInput {
                settings_errors: errors,
                settings_values: Some((name, frequency_hz)),
                ..Default::default()
            };
            refused_page(&state, &session, &access, input).await
        }
        Err(e) => Err(e.into()),
    }
}
