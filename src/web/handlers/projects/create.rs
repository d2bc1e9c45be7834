//! Creating a project: the form, and its submission (a multipart form, since version 1 of the
//! circuit may come from an uploaded file) handed to `ops::projects::create`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::permissions as perm;
use crate::examples::{EXAMPLES, Example};
use crate::ops::OpError;
use crate::ops::input::FieldErrors;
use crate::ops::projects::{self, CircuitFile, CreateProject, ProjectRefusal};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::forms::{UploadForm, read_upload};
use crate::web::handlers::{html, html_status, redirect};
use crate::web::page::{Page, flash};

/// Largest circuit file accepted when creating a project: the circuit import's limit.
const MAX_CIRCUIT_FILE: usize = crate::web::handlers::circuit::MAX_IMPORT_BYTES;

#[derive(Default, Clone)]
struct NewProjectForm {
    name: String,
    description: String,
    /// `empty`, `example` or `upload`.
    start: String,
    example: String,
}

#[derive(Template)]
#[template(path = "projects/new.html")]
struct NewPage {
    page: Page,
    form: NewProjectForm,
    errors: FieldErrors,
    examples: &'static [Example],
    /// Problems of an uploaded circuit, listed under the form.
    problems: Vec<String>,
}

impl NewPage {
    fn new(
        session: &Session,
        me: &CurrentUser,
        form: NewProjectForm,
        errors: FieldErrors,
        problems: Vec<String>,
    ) -> Self {
        NewPage {
            page: Page::new(session, "New project", Some(me), "/projects"),
            form,
            errors,
            examples: &EXAMPLES,
            problems,
        }
    }
}

pub async fn new_form(session: Session, me: CurrentUser) -> AppResult<HttpResponse> {
    me.require(perm::PROJECTS_WRITE)?;
    let form = NewProjectForm {
        start: "empty".into(),
        ..Default::default()
    };
    let view = NewPage::new(&session, &me, form, FieldErrors::default(), Vec::new());
    Ok(html(view.render()?))
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    // Someone who may not create projects is refused by the operation without their upload
    // being read.
    let upload = if me.can(perm::PROJECTS_WRITE) {
        read_upload(payload, MAX_CIRCUIT_FILE).await
    } else {
        Ok(UploadForm::default())
    };
    let (upload, file) = match upload {
        Ok(mut upload) => {
            let file = match upload.file.take() {
                Some((name, bytes)) => CircuitFile::File { name, bytes },
                None => CircuitFile::None,
            };
            (upload, file)
        }
        Err(e) => (
            UploadForm::default(),
            CircuitFile::Unreadable(e.to_string()),
        ),
    };
    let input = CreateProject {
        name: upload.field("name").trim().to_string(),
        description: upload.field("description").trim().to_string(),
        start: upload.field("start").to_string(),
        example: upload.field("example").to_string(),
        file,
    };
    // Shown again (after a refusal) with the start the operation took.
    let form = NewProjectForm {
        name: input.name.clone(),
        description: input.description.clone(),
        start: input.chosen_start().to_string(),
        example: input.example.clone(),
    };
    let actor = me.actor();
    let (errors, problems) = match state
        .op(move |conn| projects::create(conn, &actor, input))
        .await
    {
        Ok(created) => {
            let mut message = format!(
                "Project “{}” created with version 1 of its circuit.",
                created.project.name
            );
            if !created.notes.is_empty() {
                message.push_str(&format!(
                    " The import noted {} thing(s): see the circuit editor.",
                    created.notes.len()
                ));
            }
            flash(&session, "success", message);
            return Ok(redirect(&format!("/projects/{}", created.project.id)));
        }
        Err(OpError::Invalid(errors)) => (errors, Vec::new()),
        Err(OpError::Project(ProjectRefusal::UnusableCircuit {
            field,
            message,
            problems,
        })) => {
            let mut errors = FieldErrors::default();
            errors.add(field, message);
            (errors, problems)
        }
        Err(e) => return Err(e.into()),
    };
    let view = NewPage::new(&session, &me, form, errors, problems);
    Ok(html_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        view.render()?,
    ))
}
