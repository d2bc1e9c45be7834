//! The mails account actions send: composed here, sent by the caller in the background
//! (`Mail::send_later`), so an answer and its timing never wait on the mail server.

use crate::mail::Mailer;
use crate::models::user::User;

/// A mail to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// Sends in the background (inside the server's runtime).
    pub fn send_later(self, mailer: &Mailer) {
        mailer.send_later(self.to_name, self.to_email, self.subject, self.body);
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
