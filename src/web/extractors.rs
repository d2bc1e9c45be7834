//! Request extractors: the client's address and browser, and the signed-in user with their
//! company, permissions and license. `CurrentUser` is the tenant scope of every handler.

use std::future::{Ready, ready};
use std::pin::Pin;
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::AppState;
use super::errors::AppError;
use crate::auth::permissions;
use crate::auth::session_store::{KEY_PUBLIC_ID, KEY_REVISION, KEY_USER_ID};
use crate::config::Config;
use crate::models::audit::Entry;
use crate::models::company::{self, Company};
use crate::models::license::{self, License, LicenseState};
use crate::models::user::{self, User};
use crate::models::{RequestMeta, role};

const MAX_USER_AGENT: usize = 300;

/// The client address (the peer, or the forwarded address behind a trusted proxy) and browser.
pub fn request_meta(req: &HttpRequest, config: &Config) -> RequestMeta {
    let peer = || req.peer_addr().map(|a| a.ip().to_string());
    let ip_address = if config.trust_proxy {
        // The last X-Forwarded-For entry is the one our own proxy added; the ones before it
        // are whatever the client sent.
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|a| strip_port(a.trim()))
            .filter(|a| !a.is_empty())
            .or_else(peer)
    } else {
        peer()
    };
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
    RequestMeta {
        ip_address,
        user_agent,
    }
}

fn strip_port(addr: &str) -> String {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(sa) => sa.ip().to_string(),
        Err(_) => addr.to_string(),
    }
}

impl FromRequest for RequestMeta {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.app_data::<web::Data<AppState>>() {
            Some(state) => Ok(request_meta(req, &state.config)),
            None => Err(AppError::Internal("application state missing".into())),
        })
    }
}

/// The signed-in, active user. Extracting it from an anonymous request sends the browser to
/// the sign-in page.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub company: Company,
    pub permissions: Vec<String>,
    pub license: Option<License>,
    /// The company revision the user was read at; pages cached for this request use it.
    pub revision: Option<i64>,
    /// The public id of the current session (to tell it apart in the sessions list).
    pub session_public_id: Option<String>,
    pub meta: RequestMeta,
    /// The process's refusal counts (repeated denials make one record a minute).
    pub refusals: Option<std::sync::Arc<crate::ops::refusals::RefusalLog>>,
}

impl CurrentUser {
    pub fn can(&self, permission: &str) -> bool {
        permissions::grants(&self.permissions, permission)
    }

    /// Denies unless the user holds `permission` (for reads; mutations use `require_to_change`,
    /// which also records the denial).
    pub fn require(&self, permission: &str) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Denies a change unless the user holds `permission`. A denial is recorded in the audit
    /// trail as `entry` with outcome `failure` (in a transaction of its own: the change itself
    /// never happens). See `ops::Actor::require_to_change`.
    pub async fn require_to_change(
        &self,
        state: &AppState,
        permission: &'static str,
        entry: Entry,
    ) -> Result<(), AppError> {
        // Always through the operation: it also refuses while the company is read-only.
        let actor = self.actor();
        Ok(state
            .op(move |conn| actor.require_to_change(conn, permission, entry))
            .await?)
    }

    pub fn company_id(&self) -> i64 {
        self.company.id
    }

    /// The user as the actor of operations.
    pub fn actor(&self) -> crate::ops::Actor {
        crate::ops::Actor {
            user_id: Some(self.user.id),
            company_id: self.company.id,
            permissions: self.permissions.clone(),
            meta: self.meta.clone(),
            read_only: crate::ops::actor::read_only_reason(self.license.as_ref()),
            refusals: self.refusals.clone(),
        }
    }

    pub fn license_state(&self) -> LicenseState {
        license::state_of(self.license.as_ref(), crate::util::now().date())
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let next = req
            .uri()
            .path_and_query()
            .map_or("/".to_string(), |pq| pq.as_str().to_string());
        let setting_up_two_factor = req
            .path()
            .starts_with(super::handlers::account::TWO_FACTOR_PAGE);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let meta = state
            .as_ref()
            .map(|s| request_meta(req, &s.config))
            .unwrap_or_default();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let Some(user_id) = session_user_id(&session) else {
                return Err(AppError::SignInRequired { next });
            };
            let session_public_id = session.get::<String>(KEY_PUBLIC_ID).ok().flatten();
            // The company revision the session store read along with the session.
            let revision = session.get::<i64>(KEY_REVISION).ok().flatten();
            match load_identity(&state, user_id, revision).await? {
                Some(identity) if identity.user.is_active && identity.company.is_active => {
                    // A company that requires two-factor sign-in lets a user without it reach
                    // nothing but its set-up (and signing out, which needs no user).
                    if identity.company.require_two_factor
                        && identity.user.two_factor_enabled_at.is_none()
                        && !setting_up_two_factor
                    {
                        return Err(AppError::TwoFactorSetupRequired);
                    }
                    Ok(CurrentUser {
                        user: identity.user.clone(),
                        company: identity.company.clone(),
                        permissions: identity.permissions.clone(),
                        license: identity.license.clone(),
                        revision: identity.revision,
                        session_public_id,
                        meta,
                        refusals: Some(state.refusals.clone()),
                    })
                }
                _ => {
                    // Deactivated or deleted since signing in: the session is over.
                    session.purge();
                    Err(AppError::SignInRequired { next })
                }
            }
        })
    }
}

/// What a signed-in request knows of its user, as read from the database at one revision.
#[derive(Debug)]
pub struct Identity {
    pub user: User,
    pub company: Company,
    pub permissions: Vec<String>,
    pub license: Option<License>,
    /// The company revision this was read at: the one every page of the request is cached under
    /// (`None`: the company has no counter, so nothing is cached).
    pub revision: Option<i64>,
}

/// The user with company, permissions and license: from memory when the process has them at
/// `revision` (the one the session store read with the session), else read and kept under it.
/// That revision was read before the rows, so a kept identity is never older than its tag.
/// Without a revision (a company without a counter) nothing is kept.
async fn load_identity(
    state: &web::Data<AppState>,
    user_id: i64,
    revision: Option<i64>,
) -> Result<Option<Arc<Identity>>, AppError> {
    if let Some(hit) = revision.and_then(|r| state.identities.get(&user_id, r)) {
        return Ok(Some(hit));
    }
    let loaded = state
        .db(move |conn| {
            let Some(user) = user::find(conn, user_id)? else {
                return Ok(None);
            };
            let company = company::find(conn, user.company_id)?;
            let permissions = role::permissions_for_user(conn, user.id)?;
            let license = license::current(conn, company.id)?;
            Ok(Some(Arc::new(Identity {
                user,
                company,
                permissions,
                license,
                revision,
            })))
        })
        .await?;
    if let (Some(identity), Some(revision)) = (&loaded, revision) {
        state.identities.insert(user_id, revision, identity.clone());
    }
    Ok(loaded)
}

pub fn session_user_id(session: &Session) -> Option<i64> {
    session.get::<i64>(KEY_USER_ID).ok().flatten()
}
