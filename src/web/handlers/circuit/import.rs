//! Import a circuit or pandapower file (uploaded or pasted) into the draft.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

use super::editor::{ImportView, PageInput, refused_page};
use super::{done, run};
use crate::circuit_edit::edit;
use crate::ops::OpError;
use crate::ops::circuits::{self, CircuitRefusal, ImportSource, MAX_IMPORT_BYTES};
use crate::sc::InputFormat;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::flash;
use crate::web::project_access::ProjectAccess;

/// The uploaded or pasted file: its name and text.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    /// Pasted into the form's text area (shown again when refused) rather than a file.
    pasted: bool,
}

async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Option<Upload>, String> {
    use futures_util::StreamExt;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = || {
        format!(
            "The file is larger than {} MB.",
            MAX_IMPORT_BYTES / (1024 * 1024)
        )
    };
    if content_type.starts_with("multipart/form-data") {
        let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
        let mut found: Option<Upload> = None;
        while let Some(field) = parts.next().await {
            let mut field = field.map_err(|e| format!("The upload could not be read: {e}"))?;
            let name = field.name().unwrap_or("").to_string();
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or("")
                .to_string();
            let bytes = match field.bytes(MAX_IMPORT_BYTES).await {
                Err(_) => return Err(too_large()),
                Ok(Err(e)) => return Err(format!("The upload could not be read: {e}")),
                Ok(Ok(b)) => b,
            };
            let usable = match name.as_str() {
                "file" => !bytes.is_empty(),
                "content" => !bytes.iter().all(u8::is_ascii_whitespace),
                _ => false,
            };
            if usable && found.is_none() {
                found = Some(Upload {
                    pasted: name == "content",
                    name: if name == "content" || file_name.is_empty() {
                        "The pasted JSON".into()
                    } else {
                        file_name
                    },
                    bytes: bytes.to_vec(),
                });
            }
        }
        return Ok(found);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut payload = payload;
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| format!("The form could not be read: {e}"))?;
            // Percent-encoding can triple a file's size.
            if body.len() + chunk.len() > 3 * MAX_IMPORT_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let content = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "content")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if content.len() > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        if content.trim().is_empty() {
            return Ok(None);
        }
        return Ok(Some(Upload {
            name: "The pasted JSON".into(),
            bytes: content.into_bytes(),
            pasted: true,
        }));
    }
    Err("Send the file as a form upload.".into())
}

pub async fn import(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let (source, pasted_text) = match read_upload(&req, payload).await {
        Ok(Some(u)) => {
            // Pasted text comes back in the text area when refused (up to what a form
            // carries).
            let pasted_text = (u.pasted && u.bytes.len() <= 256 * 1024)
                .then(|| String::from_utf8_lossy(&u.bytes).into_owned());
            let source = ImportSource::Document {
                name: u.name,
                bytes: u.bytes,
            };
            (source, pasted_text)
        }
        Ok(None) => (ImportSource::Missing, None),
        Err(e) => (ImportSource::Unreadable(e), None),
    };
    let imported = match run(&state, &access, |c, a, p| circuits::import(c, a, p, source)).await {
        Ok(imported) => imported,
        Err(OpError::Circuit(refusal)) => {
            let text = match refusal {
                CircuitRefusal::NotImported { .. } => pasted_text.unwrap_or_default(),
                _ => String::new(),
            };
            let input = PageInput {
                import: ImportView {
                    error: Some(refusal.to_string()),
                    text,
                },
                ..Default::default()
            };
            return refused_page(&state, &session, &access, input).await;
        }
        Err(e) => return Err(e.into()),
    };
    flash(
        &session,
        "success",
        format!(
            "Imported {} ({} file) into your draft: {}.",
            imported.file_name,
            match imported.format {
                InputFormat::Circuit => "AmpFlux circuit",
                InputFormat::Pandapower => "pandapower",
            },
            edit::counts_text(&imported.circuit)
        ),
    );
    let warnings = &imported.warnings;
    for w in warnings.iter().take(20) {
        flash(&session, "info", format!("Import: {w}"));
    }
    if warnings.len() > 20 {
        flash(
            &session,
            "info",
            format!(
                "Import: {} more warnings (see the audit entry).",
                warnings.len() - 20
            ),
        );
    }
    Ok(done(
        &req,
        &format!("/projects/{}/editor", access.project_id()),
    ))
}
