//! Outgoing mail through lettre: SMTP when configured, otherwise `.eml` files in the data
//! folder, so a fresh install works without a mail server.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{FileTransport, Message, SmtpTransport, Transport};

use crate::config::{Config, MailTransport, SmtpSecurity};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail address {0:?}")]
    Address(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot send the message: {0}")]
    Send(String),
}

#[derive(Clone)]
enum Sender {
    Files(FileTransport),
    Smtp(SmtpTransport),
}

#[derive(Clone)]
pub struct Mailer {
    sender: Sender,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|_| MailError::Address(config.mail_from.clone()))?;
        let sender = match &config.mail {
            MailTransport::Files => {
                let dir = config.mail_dir();
                std::fs::create_dir_all(&dir).map_err(|e| {
                    MailError::Build(format!("cannot create {}: {e}", dir.display()))
                })?;
                Sender::Files(FileTransport::new(dir))
            }
            MailTransport::Smtp(smtp) => {
                let builder = match smtp.security {
                    SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&smtp.host),
                    SmtpSecurity::Tls => SmtpTransport::relay(&smtp.host),
                    SmtpSecurity::None => Ok(SmtpTransport::builder_dangerous(&smtp.host)),
                }
                .map_err(|e| MailError::Build(e.to_string()))?
                .port(smtp.port);
                let builder = match (&smtp.username, &smtp.password) {
                    (Some(u), Some(p)) => {
                        builder.credentials(Credentials::new(u.clone(), p.expose().to_string()))
                    }
                    _ => builder,
                };
                Sender::Smtp(builder.build())
            }
        };
        Ok(Mailer { sender, from })
    }

    /// Sends a plain-text mail. Blocking: call it from a blocking task.
    pub fn send(
        &self,
        to_name: &str,
        to_email: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), MailError> {
        // A display name with control characters is left out rather than risk the headers.
        let display = (!to_name.chars().any(char::is_control)).then(|| to_name.to_string());
        let to = Mailbox::new(
            display,
            to_email
                .parse()
                .map_err(|_| MailError::Address(to_email.to_string()))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.sender {
            Sender::Files(t) => t
                .send(&message)
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
            Sender::Smtp(t) => t
                .send(&message)
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
        }
    }
}
