//! Who acts: the signed-in user (or an API key's user, or a shell command) with their company,
//! permissions and where the request came from. Every operation takes one.

use crate::auth::permissions;
use crate::db::{DbConn, write_tx};
use crate::models::RequestMeta;
use crate::models::audit::{self, Entry, Outcome};

use super::error::OpError;

#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for shell commands run on the server (`ampflux ...`), which act as nobody.
    pub user_id: Option<i64>,
    pub company_id: i64,
    pub permissions: Vec<String>,
    pub meta: RequestMeta,
}

impl Actor {
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

    /// Denies a change unless the actor holds `permission`. A denial is recorded as `entry` with
    /// outcome `failure`, in a transaction of its own (the change itself never happens).
    pub fn require_to_change(
        &self,
        conn: &mut DbConn,
        permission: &'static str,
        entry: Entry,
    ) -> Result<(), OpError> {
        if self.can(permission) {
            return Ok(());
        }
        let mut entry = entry;
        entry.outcome = Outcome::Failure;
        entry.details = serde_json::json!({ "denied": permission, "details": entry.details });
        tracing::warn!(permission, action = entry.action, "change denied");
        self.record_denial(conn, entry)?;
        Err(OpError::Forbidden { permission })
    }

    /// Records a refused change (outcome `failure`) in its own transaction.
    pub fn record_denial(&self, conn: &mut DbConn, entry: Entry) -> Result<(), OpError> {
        let actor = self.audit();
        write_tx(conn, |conn| audit::record(conn, &actor, entry))?;
        Ok(())
    }
}
