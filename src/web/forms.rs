//! Form validation results: one message per field, shown beside it, with the entered values
//! kept by the handler and rendered back.

use std::collections::BTreeMap;

/// Field name to message. The empty name holds a message about the whole form.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(BTreeMap<&'static str, String>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The message about the whole form, if any.
    pub fn form(&self) -> Option<&str> {
        self.get("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Text fields must not hold control characters: PostgreSQL refuses NUL, and CR/LF would
/// break mail headers and log lines.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// What is wrong with a person's name, if anything.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.chars().count() > 200 {
        Some("Enter your name (up to 200 characters).")
    } else if has_control(name) {
        Some("The name must not contain control characters such as line breaks.")
    } else {
        None
    }
}

/// A plausible email address: one `@`, a dot in the domain, no spaces, at most 254 characters.
pub fn valid_email(email: &str) -> bool {
    let email = email.trim();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    }
}

/// Usernames: 3 to 40 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit.
pub fn valid_username(username: &str) -> bool {
    let u = username.trim();
    (3..=40).contains(&u.len())
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub fn valid_timezone(tz: &str) -> bool {
    tz.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(valid_email("ada@example.com"));
        assert!(!valid_email("ada@example"));
        assert!(!valid_email("ada example@x.com"));
        assert!(!valid_email("@x.com"));
        assert!(!valid_email("a@@x.com"));
        assert!(!valid_email("a\0b@x.com"));
        assert!(has_control("Eve\r\nBcc: x"));
        assert!(!has_control("Jürgen Ohm"));
    }

    #[test]
    fn usernames() {
        assert!(valid_username("ada.l"));
        assert!(!valid_username("ad"));
        assert!(!valid_username("_ada"));
        assert!(!valid_username("ada lovelace"));
    }

    #[test]
    fn timezones() {
        assert!(valid_timezone("Europe/Berlin"));
        assert!(valid_timezone("UTC"));
        assert!(!valid_timezone("Mars/Olympus"));
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
