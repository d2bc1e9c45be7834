//! Reading forms: multipart uploads, and the status a form's answer has. Field errors and validators live in `ops::input`, shared
//! with the CLI and the API.

use std::collections::BTreeMap;

pub use crate::ops::input::{
    has_control, name_problem, valid_email, valid_timezone, valid_username,
};

/// The status of a form's answer: 200 when it was accepted, 422 when it comes back with
/// errors to fix.
pub fn form_status(accepted: bool) -> actix_web::http::StatusCode {
    if accepted {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A multipart form read whole: its text fields and at most one file. For forms whose file must
/// be parsed as a whole anyway (a circuit document), bounded by `max_file` bytes.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: BTreeMap<String, String>,
    /// The uploaded file's name and content, when one was chosen.
    pub file: Option<(String, Vec<u8>)>,
}

impl UploadForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Why an upload form could not be read (shown to the user).
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("The file is larger than {0} MB.")]
    TooLarge(usize),
    #[error("The form could not be read: {0}")]
    Malformed(String),
}

/// Reads a multipart form: text fields (each up to 64 KB) and one file (the field named `file`).
pub async fn read_upload(
    mut payload: actix_multipart::Multipart,
    max_file: usize,
) -> Result<UploadForm, UploadError> {
    use futures_util::StreamExt;
    const MAX_FIELD: usize = 64 * 1024;
    let mut form = UploadForm::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| UploadError::Malformed(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_string();
        let filename = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_string);
        let limit = if filename.is_some() {
            max_file
        } else {
            MAX_FIELD
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| UploadError::Malformed(e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(if filename.is_some() {
                    UploadError::TooLarge(max_file / (1024 * 1024))
                } else {
                    UploadError::Malformed(format!("the field {name} is too long"))
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match filename {
            // A file input left empty still sends a part with an empty name and no content.
            Some(f) if name == "file" && !(f.is_empty() && bytes.is_empty()) => {
                form.file = Some((f, bytes));
            }
            Some(_) => {}
            None => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| UploadError::Malformed(format!("the field {name} is not text")))?;
                form.fields.insert(name, text);
            }
        }
    }
    Ok(form)
}
