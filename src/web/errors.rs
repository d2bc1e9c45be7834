//! The application's error type and its pages. Users see a short, generic page (403, 404, 429,
//! 500) that leaks nothing; details go to the log, inside the request's span (with its id).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::ops::OpError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not signed in: the browser is sent to the sign-in page, then back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// The company requires two-factor sign-in and this user has not set it up: the browser
    /// is sent to the set-up page, the only one open to them until they do.
    #[error("two-factor sign-in must be set up first")]
    TwoFactorSetupRequired,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("internal error: {0}")]
    Internal(String),
    /// The company's license allows no changes now (the message says why).
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// An operation refused on the data's state (a typed refusal, shown with its message).
    #[error("refused: {0}")]
    Refused(#[source] OpError),
    /// An unsafe request without our origin and the session's CSRF token.
    #[error("cross-site request refused")]
    CsrfRefused,
    /// A request body over the route's limit.
    #[error("request body too large")]
    TooLarge,
    /// Too much work queued (password hashing): answered at once, to be retried.
    #[error("busy")]
    Busy,
    /// The path exists, but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    /// The database is out of reach (the session could not be loaded or saved).
    #[error("database unavailable")]
    Unavailable,
}

impl From<OpError> for AppError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::NotFound => AppError::NotFound,
            OpError::Forbidden { .. } => AppError::Forbidden,
            OpError::Db(e) => AppError::Db(e),
            OpError::Pool(e) => AppError::Pool(e),
            OpError::Hash(crate::auth::password::HashError::Busy(_)) => AppError::Busy,
            OpError::Hash(e) => AppError::Internal(e.to_string()),
            OpError::Seal(e) => AppError::Internal(e.to_string()),
            OpError::Unavailable => AppError::Internal("the server is shutting down".into()),
            OpError::Invalid(errors) => AppError::BadRequest(errors.summary()),
            e @ OpError::ReadOnly { .. } => AppError::ReadOnly(e.to_string()),
            refusal => AppError::Refused(refusal),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(format!("blocking task failed: {e}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template error: {e}"))
    }
}

impl From<crate::auth::password::HashError> for AppError {
    fn from(e: crate::auth::password::HashError) -> Self {
        OpError::Hash(e).into()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::ReadOnly(_) | AppError::CsrfRefused => {
                StatusCode::FORBIDDEN
            }
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::SignInRequired { .. } | AppError::TwoFactorSetupRequired => {
                StatusCode::SEE_OTHER
            }
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::Pool(_) | AppError::Busy | AppError::Unavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Db(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let location = match self {
            AppError::SignInRequired { next } => Some(format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            )),
            AppError::TwoFactorSetupRequired => {
                Some(crate::web::handlers::account::TWO_FACTOR_PAGE.to_string())
            }
            _ => None,
        };
        if let Some(location) = location {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location.clone()))
                // An htmx request follows this header with a full page load.
                .insert_header(("HX-Redirect", location))
                .finish();
        }
        self.log();
        let (title, message) = self.title_and_message();
        let mut res = HttpResponse::build(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header((header::RETRY_AFTER, "1"));
        }
        if let AppError::MethodNotAllowed { allow } = self {
            res.insert_header((header::ALLOW, *allow));
        }
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: &message,
        };
        match page.render() {
            Ok(body) => res.content_type("text/html; charset=utf-8").body(body),
            Err(_) => res.content_type("text/plain; charset=utf-8").body(message),
        }
    }
}

/// The JSON form of an error, for clients that ask for `application/json` (scripts, htmx calls
/// that expect JSON): the same status and message as the page, with a stable `error` code.
#[derive(serde::Serialize)]
pub struct ErrorJson<'a> {
    pub error: &'a str,
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
}

impl AppError {
    /// A stable, machine-readable name of the refusal.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::SignInRequired { .. } => "sign_in_required",
            AppError::TwoFactorSetupRequired => "two_factor_setup_required",
            AppError::BadRequest(_) => "bad_request",
            AppError::ReadOnly(_) => "read_only",
            AppError::Refused(_) => "refused",
            AppError::CsrfRefused => "csrf_refused",
            AppError::TooLarge => "too_large",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::Pool(_) | AppError::Unavailable => "unavailable",
            AppError::Busy => "busy",
            AppError::Db(_) | AppError::Internal(_) => "internal",
        }
    }

    /// What a user is told: never a database or internal detail.
    fn title_and_message(&self) -> (&'static str, String) {
        match self {
            AppError::SignInRequired { .. } => ("Sign-in required", "Sign in first.".into()),
            AppError::TwoFactorSetupRequired => (
                "Two-factor sign-in required",
                "Your company requires two-factor sign-in: set it up on your account first.".into(),
            ),
            AppError::NotFound => (
                "Not found",
                "There is nothing here, or you may not see it.".into(),
            ),
            AppError::Forbidden => ("Not allowed", "Your role does not allow this.".into()),
            AppError::BadRequest(m) => ("Bad request", m.clone()),
            AppError::Refused(e) => ("Not possible now", e.to_string()),
            AppError::ReadOnly(m) => ("Read-only", m.clone()),
            AppError::CsrfRefused => (
                "Request refused",
                "This form has expired or was sent from another site. Reload the page and try again."
                    .into(),
            ),
            AppError::MethodNotAllowed { allow } => (
                "Not allowed here",
                format!("This address takes {allow} requests only."),
            ),
            AppError::TooLarge => (
                "Too large",
                "The request is larger than this page accepts.".into(),
            ),
            AppError::Busy => (
                "Busy",
                "The server is busy right now. Try again in a moment.".into(),
            ),
            AppError::Pool(_) | AppError::Unavailable => (
                "Service unavailable",
                "The database cannot be reached right now. Try again shortly.".into(),
            ),
            AppError::Db(_) | AppError::Internal(_) => (
                "Something went wrong",
                "The error was logged. Try again, or tell your administrator.".into(),
            ),
        }
    }

    fn log(&self) {
        match self {
            AppError::Pool(e) => tracing::error!(error = %e, "database unavailable"),
            AppError::Db(e) => tracing::error!(error = %e, "database error"),
            AppError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
    }

    /// The JSON body for this error; a missing sign-in is 401 here, not a redirect.
    pub fn json_body(&self) -> (StatusCode, String) {
        let status = match self {
            AppError::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            AppError::TwoFactorSetupRequired => StatusCode::FORBIDDEN,
            other => other.status_code(),
        };
        let (title, message) = self.title_and_message();
        let body = ErrorJson {
            error: self.code(),
            status: status.as_u16(),
            title,
            message: &message,
        };
        let text = serde_json::to_string(&body)
            .unwrap_or_else(|_| format!("{{\"error\":\"{}\"}}", self.code()));
        (status, text)
    }
}

/// Whether the client asked for JSON rather than a page: `application/json` is among the
/// accepted media types and `text/html` (which browsers always send) is not.
pub fn wants_json(headers: &header::HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let accepts = |wanted: &str| {
        accept.split(',').any(|item| {
            item.split(';')
                .next()
                .is_some_and(|media| media.trim().eq_ignore_ascii_case(wanted))
        })
    };
    accepts("application/json") && !accepts("text/html")
}

pub type AppResult<T> = Result<T, AppError>;
