//! The mails operations send: composed here and queued as a `mail.send` job in the same
//! transaction as the change that causes them (`Mail::enqueue`), so a mail goes out exactly
//! when its change commits, retried while the mail server is down, and an answer and its timing
//! never wait on the mail server.

use crate::db::DbConn;
use crate::models::job::{self, MAIL_JOB, NewJob};
use crate::models::user::User;

/// A mail to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
}

/// Attempts before a mail is given up: with the workers' backoff (doubling from 10 s, at most
/// an hour apart) about 14 hours of a mail server being down.
const MAIL_ATTEMPTS: i32 = 18;

impl Mail {
    /// Queues the mail; call it inside the transaction of the change that causes it. The
    /// workers of this process are woken (a worker that looks before the commit finds the
    /// job at its next poll).
    pub fn enqueue(self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        let mut new = NewJob::new(
            MAIL_JOB,
            serde_json::json!({
                "to_name": self.to_name,
                "to_email": self.to_email,
                "subject": self.subject,
                "body": self.body,
            }),
        );
        new.max_attempts = MAIL_ATTEMPTS;
        // Mail is what a person waits for at the screen: before long simulations.
        new.priority = 10;
        job::enqueue(conn, new)?;
        crate::jobs::wake();
        Ok(())
    }
}

/// The link that verifies a new address.
pub fn verification(base_url: &str, user: &User, token: &str) -> Mail {
    let link = format!("{base_url}/verify-email/{token}");
    Mail {
        to_name: user.name.clone(),
        to_email: user.email.clone(),
        subject: "Confirm your email address".into(),
        body: format!(
            "Hello {},\n\nPlease confirm your email address for AmpFlux by opening this link:\n\n{link}\n\nThe link works once and expires in 48 hours. If you did not create an account, ignore this mail.\n",
            user.name
        ),
    }
}

/// To the owner of an address someone tried to sign up with: they have an account already.
pub fn address_in_use(base_url: &str, user: &User) -> Mail {
    Mail {
        to_name: user.name.clone(),
        to_email: user.email.clone(),
        subject: "You already have an AmpFlux account".into(),
        body: format!(
            "Hello {},\n\nSomeone tried to create a new AmpFlux account with this email address, which already has an account (username {}).\n\nIf it was you, sign in at {base_url}/login, or choose a new password at {base_url}/password/forgot.\n\nIf it was not you, ignore this mail: nothing was created and your account is unchanged.\n",
            user.name, user.username
        ),
    }
}

/// The link that sets a new password.
pub fn password_reset(base_url: &str, user: &User, token: &str) -> Mail {
    let link = format!("{base_url}/password/reset/{token}");
    Mail {
        to_name: user.name.clone(),
        to_email: user.email.clone(),
        subject: "Reset your AmpFlux password".into(),
        body: format!(
            "Hello {},\n\nSomeone asked to reset the password of your AmpFlux account. To choose a new password, open:\n\n{link}\n\nThe link works once and expires in one hour. If it was not you, ignore this mail: your password stays as it is.\n",
            user.name
        ),
    }
}
