//! Who acts: the signed-in user (or an API key's user, or a shell command) with their company,
//! permissions and where the request came from. Every operation takes one.
//!
//! # The read-only gate
//! A company whose license is not active (suspended, cancelled, expired, not started, or none)
//! is read-only: every operation that changes its data calls [`Actor::require_to_change`],
//! [`crate::ops::ProjectCtx::require`] or [`Actor::require_writable`] before anything else,
//! so the refusal (`OpError::ReadOnly`) changes nothing and is audited as a failure. That
//! covers the profile, projects, circuits, versions, simulations, members and every admin
//! change. Reading, exports and the audit trail stay open.
//!
//! Exempt, on purpose (`tests/app/route_walk.rs` lists the same routes): account security must
//! keep working while a renewal is sorted out, and none of these changes the company's data.
//! - signing in and out, email verification and the password-reset links (`sign_in`,
//!   `verify_email`, `password_reset`): anonymous, and a locked-out admin could not renew;
//! - changing one's own password (`password_change`), ending one's own sessions (`sessions`)
//!   and one's own two-factor sign-in (`two_factor`: set-up, recovery codes, turning it off, and
//!   the second step of signing in): the answer to a stolen password or a lost laptop cannot
//!   wait for a renewal, and a company that requires two factors must let its users set them up;
//! - sign-up and the first platform admin (`signup`, `setup`) create a new company or the
//!   operator, outside any read-only company;
//! - taking access away (`admin::user_changes::{deactivate, revoke_session,
//!   revoke_all_sessions}`, `admin::invitations::revoke`): an admin locks out someone who left,
//!   or a stolen session, even while the license lapsed; nothing is created or given;
//! - what the system does on its own: jobs finishing simulations queued before the license
//!   ended, mails, the license check itself, and the audit entries of refused requests.

use crate::auth::permissions;
use crate::db::DbConn;
use crate::models::RequestMeta;
use crate::models::audit::{self, Entry, Outcome};
use crate::models::license::{self, License, LicenseState};

use super::error::OpError;
use super::refusals::{Admit, Refusal};

#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for shell commands run on the server (`ampflux ...`), which act as nobody.
    pub user_id: Option<i64>,
    pub company_id: i64,
    pub permissions: Vec<String>,
    pub meta: RequestMeta,
    /// Why the company may not change anything now (its license is not active), or `None`.
    /// Every change checks it: see [`Actor::require_to_change`] and [`Actor::require_writable`].
    pub read_only: Option<String>,
    /// Where refused changes are counted (a server process's), so repeated refusals make one
    /// record a minute (see `ops::refusals`); `None` records each (shell commands, jobs).
    pub refusals: Option<std::sync::Arc<super::refusals::RefusalLog>>,
}

/// Why a company with this license (its newest one) is read-only today, or `None`.
pub fn read_only_reason(current: Option<&License>) -> Option<String> {
    match license::state_of(current, crate::util::now().date()) {
        LicenseState::Active { .. } => None,
        LicenseState::Inactive { reason } => Some(reason),
    }
}

impl Actor {
    /// A shell command run on the server (`ampflux admin ...`): it acts as nobody, with every
    /// permission of a company admin, and obeys the company's license like everyone else.
    pub fn shell(conn: &mut DbConn, company_id: i64, meta: RequestMeta) -> Result<Actor, OpError> {
        let current = license::current(conn, company_id)?;
        let permissions =
            crate::models::role::permissions_of(conn, crate::models::role::COMPANY_ADMIN)?;
        Ok(Actor {
            user_id: None,
            company_id,
            permissions,
            meta,
            read_only: read_only_reason(current.as_ref()),
            refusals: None,
        })
    }

    pub fn can(&self, permission: &str) -> bool {
        permissions::grants(&self.permissions, permission)
    }

    /// Who the audit trail names for this actor.
    pub fn audit(&self) -> audit::Actor {
        audit::Actor {
            company_id: self.company_id,
            user_id: self.user_id,
            meta: self.meta.clone(),
        }
    }

    /// Denies a read unless the actor holds `permission` (nothing is recorded: reads are not
    /// audited).
    pub fn require(&self, permission: &'static str) -> Result<(), OpError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(OpError::Forbidden { permission })
        }
    }

    /// Denies a change unless the actor holds `permission` and the company's license allows
    /// changes. A denial is recorded as `entry` with outcome `failure`, in a transaction of its
    /// own (the change itself never happens).
    pub fn require_to_change(
        &self,
        conn: &mut DbConn,
        permission: &'static str,
        entry: Entry,
    ) -> Result<(), OpError> {
        self.require_to_reduce_access(conn, permission, entry.clone())?;
        self.require_writable(conn, entry)
    }

    /// Denies a change unless the actor holds `permission`, recording the denial like
    /// [`Actor::require_to_change`], but lets it through while the company is read-only: only
    /// for changes that take access away (deactivating a user, ending their sessions, revoking
    /// an invitation), which a company must be able to make while its renewal is sorted out.
    pub fn require_to_reduce_access(
        &self,
        conn: &mut DbConn,
        permission: &'static str,
        entry: Entry,
    ) -> Result<(), OpError> {
        if !self.can(permission) {
            let mut entry = entry;
            entry.outcome = Outcome::Failure;
            entry.details = serde_json::json!({ "denied": permission, "details": entry.details });
            tracing::warn!(permission, action = entry.action, "change denied");
            self.record_denial(conn, entry)?;
            return Err(OpError::Forbidden { permission });
        }
        Ok(())
    }

    /// Denies a change while the company is read-only (its license is not active), recording
    /// `entry` as a failure. Changes that need no permission (one's own profile) call this
    /// directly; `require_to_change` and `ProjectCtx::require` call it for the others.
    pub fn require_writable(&self, conn: &mut DbConn, entry: Entry) -> Result<(), OpError> {
        let Some(reason) = &self.read_only else {
            return Ok(());
        };
        let mut entry = entry;
        entry.outcome = Outcome::Failure;
        entry.details = serde_json::json!({ "read_only": reason, "details": entry.details });
        tracing::info!(
            action = entry.action,
            "change refused: company is read-only"
        );
        self.record_denial(conn, entry)?;
        Err(OpError::ReadOnly {
            reason: reason.clone(),
        })
    }

    /// Records a refused change (outcome `failure`) in its own transaction, unless the same
    /// refusal was recorded in the last minute (then it is counted: see `ops::refusals`).
    pub fn record_denial(&self, conn: &mut DbConn, entry: Entry) -> Result<(), OpError> {
        let refusal = Refusal::Denial(self.audit(), entry);
        let repeated = match &self.refusals {
            None => 0,
            Some(log) => match log.admit(&refusal) {
                Admit::Record { repeated } => repeated,
                Admit::Counted => return Ok(()),
            },
        };
        refusal.write(conn, repeated)
    }
}
