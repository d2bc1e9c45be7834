//! The actix-session store on the `sessions` table. The server decides validity on every load:
//! a revoked, expired (absolute lifetime) or idle session loads as nothing, so a copied cookie
//! is anonymous after logout, revocation or expiry.
//!
//! Anonymous visitors (before signing in) get no row: their small state (the CSRF token, flash
//! messages) travels inside the session key itself, which actix-session encrypts and
//! authenticates in the cookie. A visitor therefore costs no database write, and such a key can
//! never carry a sign-in: one that decodes to a user id is refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::web;
use chrono::NaiveDateTime;

use crate::db::Pool;
use crate::models::session::{self as model, Indexed};
use crate::util::{now, random_token};

/// Session keys that mirror into columns. Values are JSON-encoded, as actix-session stores them.
pub const KEY_USER_ID: &str = "uid";
pub const KEY_PUBLIC_ID: &str = "sid";
pub const KEY_IP: &str = "ip";
pub const KEY_USER_AGENT: &str = "ua";
/// The company revision read with the session (see `models::session::find_by_key`). Put into
/// the state on every load and never stored.
pub const KEY_REVISION: &str = "rev";

/// How often a session's `last_seen_at` is written while it is in use (at most; a quarter of the
/// idle timeout when that is shorter, so an active session never looks idle).
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    idle: chrono::Duration,
    lifetime: chrono::Duration,
    touch_every: chrono::Duration,
    /// When this process last wrote each session's `last_seen_at`: requests that arrive together
    /// on one session (htmx, several tabs, a load test) write it once instead of queueing on the
    /// database's write lock one after another.
    touched: Arc<Mutex<HashMap<i64, NaiveDateTime>>>,
}

/// Sessions remembered in `touched` before the stale ones are dropped.
const TOUCHED_MAX: usize = 10_000;

impl DbSessionStore {
    pub fn new(pool: Pool, idle: Duration, lifetime: Duration) -> Self {
        let to_chrono =
            |d: Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::hours(12));
        let idle = to_chrono(idle);
        DbSessionStore {
            pool,
            idle,
            lifetime: to_chrono(lifetime),
            touch_every: TOUCH_EVERY.min(idle / 4),
            touched: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// True for the one request of this process that is to write the session's `last_seen_at`
    /// now (none other until `touch_every` has passed).
    fn claim_touch(&self, id: i64, t: NaiveDateTime) -> bool {
        let mut touched = self
            .touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if touched
            .get(&id)
            .is_some_and(|at| t - *at < self.touch_every)
        {
            return false;
        }
        if touched.len() >= TOUCHED_MAX {
            let every = self.touch_every;
            touched.retain(|_, at| t - *at < every);
        }
        touched.insert(id, t);
        true
    }

    /// Gives a claim back after its write failed.
    fn release_touch(&self, id: i64) {
        self.touched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }

    async fn run<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::DbConn) -> anyhow::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| anyhow::anyhow!("session store task failed: {e}"))?
    }
}

type State = HashMap<String, String>;

/// Set (only in memory) on a session that could not be loaded from the database.
const KEY_UNAVAILABLE: &str = "_store_unavailable";

/// Whether the request's session could not be loaded (the database is out of reach).
pub fn unavailable(session: &actix_session::Session) -> bool {
    session.contains_key(KEY_UNAVAILABLE)
}

fn decode_string(state: &State, key: &str) -> Option<String> {
    state
        .get(key)
        .and_then(|v| serde_json::from_str::<String>(v).ok())
}

fn indexed(state: &State) -> Indexed {
    Indexed {
        public_id: decode_string(state, KEY_PUBLIC_ID).unwrap_or_else(|| random_token(16)),
        user_id: state.get(KEY_USER_ID).and_then(|v| v.parse::<i64>().ok()),
        ip_address: decode_string(state, KEY_IP),
        user_agent: decode_string(state, KEY_USER_AGENT),
    }
}

/// The state without anything that ties it to a user or to the ended session.
pub fn anonymous(mut state: State) -> State {
    for key in [
        KEY_USER_ID,
        KEY_PUBLIC_ID,
        KEY_IP,
        KEY_USER_AGENT,
        KEY_REVISION,
        crate::auth::csrf::SESSION_KEY,
    ] {
        state.remove(key);
    }
    state
}

fn to_json(state: &State) -> serde_json::Value {
    serde_json::Value::Object(
        state
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

fn from_json(value: &serde_json::Value) -> Option<State> {
    value.as_object().map(|o| {
        o.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    })
}

/// Keys of anonymous sessions start with this; server-side keys are plain hex.
const ANONYMOUS_PREFIX: &str = "anon.";
/// Larger anonymous states are kept in the database instead (cookies are limited to ~4 KB).
const MAX_ANONYMOUS_KEY: usize = 2000;

/// The key that carries an anonymous state, or `None` when the state belongs in the database.
fn anonymous_key(state: &State) -> Option<String> {
    if state.contains_key(KEY_USER_ID) {
        return None;
    }
    let json = serde_json::to_string(state).ok()?;
    let key = format!("{ANONYMOUS_PREFIX}{}", hex::encode(json));
    (key.len() <= MAX_ANONYMOUS_KEY).then_some(key)
}

/// The state inside an anonymous key; `None` for anything malformed or signed in.
fn anonymous_state(key: &str) -> Option<State> {
    let bytes = hex::decode(key.strip_prefix(ANONYMOUS_PREFIX)?).ok()?;
    let state: State = serde_json::from_slice(&bytes).ok()?;
    (!state.contains_key(KEY_USER_ID)).then_some(state)
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let key = session_key.as_ref().to_string();
        if key.starts_with(ANONYMOUS_PREFIX) {
            return Ok(anonymous_state(&key));
        }
        let (idle, lifetime, touch_every) = (self.idle, self.lifetime, self.touch_every);
        let store = self.clone();
        let loaded = self
            .run(move |conn| {
                let Some((row, revision)) = model::find_by_key(conn, &key)? else {
                    return Ok(None);
                };
                let t = now();
                let dead = row.revoked_at.is_some()
                    || row.expires_at <= t
                    || row.created_at + lifetime <= t
                    || row.last_seen_at + idle <= t;
                if dead {
                    model::delete_by_key(conn, &key)?;
                    return Ok(None);
                }
                if t - row.last_seen_at >= touch_every
                    && store.claim_touch(row.id, t)
                    && let Err(e) = model::touch(conn, row.id)
                {
                    // Not fatal (a busy SQLite write lock): the next request writes it instead.
                    tracing::warn!(error = %e, "could not record the session's last use");
                    store.release_touch(row.id);
                }
                Ok(from_json(&row.state).map(|mut state| {
                    if let Some(revision) = revision {
                        state.insert(KEY_REVISION.to_string(), revision.to_string());
                    }
                    state
                }))
            })
            .await;
        match loaded {
            Ok(state) => Ok(state),
            // The database is out of reach. An error here would escape every middleware as
            // the framework's bare 500; a marked state lets the CSRF layer answer with the
            // app's 503 page instead (and, unchanged, it is never saved).
            Err(e) => {
                tracing::error!(error = %e, "cannot load the session: database unavailable");
                Ok(Some(State::from([(
                    KEY_UNAVAILABLE.to_string(),
                    "true".to_string(),
                )])))
            }
        }
    }

    async fn save(&self, mut state: State, _ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        state.remove(KEY_REVISION);
        if let Some(key) = anonymous_key(&state) {
            return SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")));
        }
        let key = random_token(32);
        let idx = indexed(&state);
        let json = to_json(&state);
        let expires_at = now() + self.lifetime;
        let key_for_db = key.clone();
        self.run(move |conn| Ok(model::insert(conn, &key_for_db, &idx, json, expires_at)?))
            .await
            .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        mut state: State,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        state.remove(KEY_REVISION);
        let key = session_key.as_ref().to_string();
        if key.starts_with(ANONYMOUS_PREFIX) {
            // The state is the key: a changed state is a new key (a new row if it signed in).
            return self
                .save(state, ttl)
                .await
                .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")));
        }
        let idx = indexed(&state);
        let json = to_json(&state);
        let updated = self
            .run(move |conn| Ok(model::update_state(conn, &key, &idx, json)?))
            .await
            .map_err(UpdateError::Other)?;
        if updated {
            return Ok(session_key);
        }
        // The session ended (signed out, revoked, expired) while this request ran. Never bring
        // the sign-in back: go on with an anonymous session that keeps nothing of the user.
        self.save(anonymous(state), ttl)
            .await
            .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")))
    }

    async fn update_ttl(
        &self,
        _session_key: &SessionKey,
        _ttl: &CookieDuration,
    ) -> anyhow::Result<()> {
        // Idle time is tracked by `load`, which touches `last_seen_at`.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let key = session_key.as_ref().to_string();
        if key.starts_with(ANONYMOUS_PREFIX) {
            return Ok(());
        }
        self.run(move |conn| Ok(model::delete_by_key(conn, &key)?))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(pairs: &[(&str, &str)]) -> State {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn anonymous_states_round_trip_in_the_key() {
        let s = state(&[("csrf", "\"abc\""), ("flash", "[]")]);
        let key = anonymous_key(&s).expect("small anonymous state");
        assert!(key.starts_with(ANONYMOUS_PREFIX));
        assert_eq!(anonymous_state(&key), Some(s));
    }

    #[test]
    fn signed_in_or_large_states_stay_on_the_server() {
        assert_eq!(anonymous_key(&state(&[(KEY_USER_ID, "7")])), None);
        let big = "x".repeat(MAX_ANONYMOUS_KEY);
        assert_eq!(anonymous_key(&state(&[("flash", &big)])), None);
        // A key that decodes to a user id is refused (it could only come from tampering).
        let forged = format!("{ANONYMOUS_PREFIX}{}", hex::encode(r#"{"uid":"7"}"#));
        assert_eq!(anonymous_state(&forged), None);
        assert_eq!(anonymous_state("anon.zz"), None);
    }

    #[test]
    fn ended_sessions_go_on_anonymous() {
        let s = anonymous(state(&[
            (KEY_USER_ID, "7"),
            (KEY_PUBLIC_ID, "\"p\""),
            ("flash", "[]"),
        ]));
        assert_eq!(s, state(&[("flash", "[]")]));
    }
}
