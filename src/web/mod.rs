//! The web application: state, server, routes. Handlers load data through `models` inside
//! blocking tasks (`AppState::db`) and render Askama templates; htmx swaps fragments.

pub mod conditional;
pub mod errors;
pub mod extractors;
pub mod forms;
pub mod handlers;
pub mod middleware;
pub mod page;
pub mod project_access;
pub mod revision_cache;

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::error::{JsonPayloadError, UrlencodedError};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::auth::session_store::DbSessionStore;
use crate::config::Config;
use crate::db::{DbConn, Pool};
use crate::mail::Mailer;
use crate::models::project::ListQuery;
use errors::AppError;
use revision_cache::RevisionCache;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub mailer: Mailer,
    /// Seals two-factor secrets at rest (derived from the cookie key).
    pub two_factor_key: crate::auth::two_factor::SealingKey,
    /// Signed-in users with their company, permissions and license, by user id.
    pub identities: RevisionCache<i64, Arc<extractors::Identity>>,
    /// Rendered project-list results, by user and query.
    pub project_lists: RevisionCache<(i64, ListQuery), Arc<str>>,
    /// Rendered contents of finished simulations' pages, by user, simulation and query.
    pub result_pages:
        RevisionCache<handlers::simulations::BodyKey, Arc<handlers::simulations::RenderedBody>>,
    /// One render at a time per cache key (striped): requests that miss the cache together (a
    /// cold start, a new revision under load) wait for the first one's page instead of each
    /// rendering it.
    render_gates: Vec<futures_util::lock::Mutex<()>>,
    /// Refused requests and changes counted, so repeats make one record a minute.
    pub refusals: Arc<crate::ops::refusals::RefusalLog>,
}

/// Users kept in memory per process (a few hundred bytes each).
const IDENTITY_CACHE_SIZE: usize = 10_000;
/// Project-list results kept in memory per process (about 15 KB each).
const PROJECT_LIST_CACHE_SIZE: usize = 2_000;
/// Results pages kept in memory per process (tens of KB each, a few hundred KB for the
/// largest circuits).
const RESULT_PAGE_CACHE_SIZE: usize = 256;
/// Stripes of the render gates (different keys rarely share one).
const RENDER_GATES: usize = 32;

impl AppState {
    pub fn new(pool: Pool, config: Arc<Config>, mailer: Mailer, key: &Key) -> Self {
        AppState {
            pool,
            config,
            mailer,
            two_factor_key: crate::auth::two_factor::SealingKey::derive(key.master()),
            identities: RevisionCache::new(IDENTITY_CACHE_SIZE),
            project_lists: RevisionCache::new(PROJECT_LIST_CACHE_SIZE),
            result_pages: RevisionCache::new(RESULT_PAGE_CACHE_SIZE),
            render_gates: (0..RENDER_GATES).map(|_| Default::default()).collect(),
            refusals: Default::default(),
        }
    }

    /// The gate that renders for `key` pass through one at a time.
    pub fn render_gate(&self, key: &impl std::hash::Hash) -> &futures_util::lock::Mutex<()> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        &self.render_gates[(hash % RENDER_GATES as u64) as usize]
    }

    /// Runs blocking database work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs an operation on the blocking pool with a pooled connection.
    pub async fn op<T, F>(&self, f: F) -> Result<T, crate::ops::OpError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, crate::ops::OpError> + Send + 'static,
    {
        let pool = self.pool.clone();
        match web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        {
            Ok(result) => result,
            // The blocking pool is gone only while the server shuts down.
            Err(_) => Err(crate::ops::OpError::Unavailable),
        }
    }
}

/// The cookie key: from `AMPFLUX_SECRET_KEY`, else from `<data dir>/secret.key` (created with a
/// random key on first start, readable only by its owner).
pub fn cookie_key(config: &Config) -> Result<Key, String> {
    let hex_key = match &config.secret_key {
        Some(k) => k.expose().trim().to_string(),
        None => {
            let path = config.data_dir.join("secret.key");
            if !path.exists() {
                std::fs::create_dir_all(&config.data_dir)
                    .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
                write_private(&path, &crate::util::random_token(64))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                .trim()
                .to_string()
        }
    };
    let bytes = hex::decode(&hex_key)
        .map_err(|_| "AMPFLUX_SECRET_KEY: expected 128 hexadecimal characters".to_string())?;
    Key::try_from(bytes.as_slice()).map_err(|_| {
        "AMPFLUX_SECRET_KEY: expected 128 hexadecimal characters (64 bytes)".to_string()
    })
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(content.as_bytes())
}

/// Largest form, JSON or raw body a route reads whole.
const FORM_LIMIT: usize = 256 * 1024;

/// A body that could not be read: too large (413), or not what the route reads (400), in our
/// words (the parser's say nothing useful and name internals).
fn body_error(too_large: bool) -> AppError {
    if too_large {
        AppError::TooLarge
    } else {
        AppError::BadRequest("The form could not be read. Reload the page and try again.".into())
    }
}

/// A path under /static that names a file to serve: no hidden component, and a file name with
/// an extension (not a folder).
fn is_public_file(path: &std::path::Path) -> bool {
    use std::path::Component;
    let mut named = false;
    for part in path.components() {
        match part {
            Component::Normal(p) if !p.to_string_lossy().starts_with('.') => named = true,
            _ => return false,
        }
    }
    named && path.extension().is_some()
}

/// Builds the HTTP server on an already bound listener (tests bind port 0).
pub fn server(
    state: web::Data<AppState>,
    key: Key,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let config = state.config.clone();
    let workers = config.workers.max(1);
    let server = HttpServer::new(move || {
        let cookie_name = if config.secure_cookies {
            "__Host-ampflux"
        } else {
            "ampflux_session"
        };
        let store = DbSessionStore::new(
            state.pool.clone(),
            config.session_idle,
            config.session_lifetime,
        );
        let session = SessionMiddleware::builder(store, key.clone())
            .cookie_name(cookie_name.to_string())
            .cookie_secure(config.secure_cookies)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_path("/".to_string())
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(BrowserSession::default())
            .build();
        App::new()
            .app_data(state.clone())
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(web::QueryConfig::default().error_handler(|_, _| {
                AppError::BadRequest("The address has a parameter that is not valid.".into()).into()
            }))
            // Bodies: forms up to 256 KiB (the CSRF layer reads no more either), raw bodies
            // and JSON up to 256 KiB unless a route streams its own (uploads, imports); over
            // the limit is 413 with our words, never the parser's.
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT)
                    .error_handler(|err, _| {
                        body_error(matches!(err, UrlencodedError::Overflow { .. })).into()
                    }),
            )
            .app_data(
                web::JsonConfig::default()
                    .limit(FORM_LIMIT)
                    .error_handler(|err, _| {
                        body_error(matches!(
                            err,
                            JsonPayloadError::OverflowKnownLength { .. }
                                | JsonPayloadError::Overflow { .. }
                        ))
                        .into()
                    }),
            )
            .app_data(web::PayloadConfig::default().limit(FORM_LIMIT))
            .wrap(from_fn(middleware::csrf_guard))
            .wrap(session)
            .wrap(from_fn(middleware::security_headers))
            .wrap(from_fn(middleware::request_context))
            .configure(handlers::routes)
            .service(
                actix_files::Files::new("/static", config.static_dir.clone())
                    .prefer_utf8(true)
                    // Files only: a folder (`/static/`) or a hidden file (`.gitkeep`) is our 404.
                    // Hidden paths reach the filter (instead of the crate's own 400 text) and
                    // are refused there.
                    .use_hidden_files()
                    .path_filter(|path, _| is_public_file(path))
                    .default_handler(web::to(handlers::not_found)),
            )
            .default_service(web::to(handlers::unmatched))
    })
    .workers(workers)
    .tcp_nodelay(true)
    .listen(listener)?
    .run();
    Ok(server)
}
