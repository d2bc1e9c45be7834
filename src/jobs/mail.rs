//! The `mail.send` job: every mail (verification, password reset, invitation, license
//! reminders) is queued by the operation that causes it, in the same transaction, and sent
//! here with retries and backoff. A mail server that is down delays mail and loses none.
//!
//! The payload holds the message, one-time links included, until it is sent: then the body
//! is replaced by a note, so the jobs table keeps no live link.

use serde::Deserialize;

use crate::db::DbConn;
use crate::jobs::{JobError, Registry};
use crate::mail::{MailError, Mailer};
use crate::models::job::{self, Job};

pub use crate::models::job::MAIL_JOB as JOB_NAME;

#[derive(Deserialize)]
struct Payload {
    to_name: String,
    to_email: String,
    subject: String,
    body: String,
}

/// Adds the `mail.send` handler, sending through `mailer`.
pub fn register(registry: &mut Registry, mailer: Mailer) {
    registry.register(JOB_NAME, move |conn, job| send(conn, &mailer, job));
}

fn send(conn: &mut DbConn, mailer: &Mailer, job: &Job) -> Result<serde_json::Value, JobError> {
    let mail: Payload = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| JobError::permanent(format!("not a mail: {e}")))?;
    match mailer.send(&mail.to_name, &mail.to_email, &mail.subject, &mail.body) {
        Ok(()) => {}
        // A bad address or message never gets better; a server that refuses may.
        Err(e @ (MailError::Address(_) | MailError::Build(_))) => {
            remove_body(conn, job, &mail, "(removed: the mail could not be sent)");
            return Err(JobError::permanent(e.to_string()));
        }
        Err(e @ MailError::Send(_)) => {
            if job.attempts >= job.max_attempts {
                remove_body(conn, job, &mail, "(removed: the mail was given up)");
            }
            return Err(JobError::retry(e.to_string()));
        }
    }
    remove_body(conn, job, &mail, "(removed once sent)");
    Ok(serde_json::json!({ "sent_to": mail.to_email }))
}

/// Replaces the message body (it may hold a live one-time link) once the job is done with it.
fn remove_body(conn: &mut DbConn, job: &Job, mail: &Payload, note: &str) {
    let kept = serde_json::json!({
        "to_email": mail.to_email,
        "subject": mail.subject,
        "body": note,
    });
    if let Err(e) = job::replace_payload(conn, job.id, kept) {
        tracing::warn!(error = %e, job = job.id, "mail body not removed");
    }
}
