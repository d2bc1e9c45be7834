//! Project members: add, change role, remove. Only those who manage the project (its owners,
//! company administrators) change members, and a project always keeps at least one owner, also
//! when two owners demote or remove each other at the same moment: the project row is locked
//! for the check and the change.

use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::project::{self, MEMBER_ROLES, Member};

use super::access::{Capability, ProjectCtx};
use super::actor::Actor;
use super::error::OpError;

/// Why a membership change is refused.
#[derive(Debug, thiserror::Error)]
pub enum MemberRefusal {
    /// The user does not exist, is deactivated or belongs to another company: one message for
    /// all three, so an id never confirms that another tenant's user exists.
    #[error("Choose an active user of your company.")]
    NotAvailable,
    #[error("This user is already a member; change their role instead.")]
    AlreadyMember,
    /// The member could not be read back after being added.
    #[error("The member was not added.")]
    NotAdded,
    #[error("This user is not a member of the project.")]
    NotMember,
    #[error("A project always keeps at least one owner: make someone else owner first.")]
    LastOwner,
}

/// A new member: the user (`None` when the form's choice is not a user id) and their role.
pub struct AddMember {
    pub user_id: Option<i64>,
    pub role: String,
}

/// Adds an active user of the project's company as a member with a role.
pub fn add(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: AddMember,
) -> Result<Member, OpError> {
    ctx.require(
        conn,
        actor,
        Capability::Manage,
        Entry::success("member.add", "project_member", None),
    )?;
    let (Some(user_id), true) = (input.user_id, is_role(&input.role)) else {
        let field = if input.user_id.is_none() {
            "user_id"
        } else {
            "role"
        };
        return Err(OpError::field(field, "Choose a user and a role."));
    };
    let project = &ctx.project;
    let (_, added) = change(conn, actor, project.id, user_id, "member.add", |conn| {
        let user = crate::models::user::find(conn, user_id)?.ok_or(MemberRefusal::NotAvailable)?;
        if user.company_id != project.company_id || !user.is_active {
            return Err(MemberRefusal::NotAvailable.into());
        }
        if project::member_role(conn, project.id, user_id)?.is_some() {
            return Err(MemberRefusal::AlreadyMember.into());
        }
        project::insert_member(conn, project.id, user_id, &input.role)?;
        let added =
            project::find_member(conn, project.id, user_id)?.ok_or(MemberRefusal::NotAdded)?;
        Ok((None, Some(added)))
    })?;
    added.ok_or(OpError::NotFound)
}

/// Changes a member's role; the last owner cannot stop being one.
pub fn change_role(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    user_id: i64,
    role: &str,
) -> Result<Member, OpError> {
    ctx.require(
        conn,
        actor,
        Capability::Manage,
        Entry::success("member.update", "project_member", Some(user_id)),
    )?;
    if !is_role(role) {
        return Err(OpError::field("role", "Choose owner, editor or viewer."));
    }
    let pid = ctx.id();
    let (_, after) = change(conn, actor, pid, user_id, "member.update", |conn| {
        let before = member_keeping_an_owner(conn, pid, user_id, role != "owner")?;
        project::update_member_role(conn, pid, user_id, role)?;
        let after = Member {
            role: role.to_string(),
            ..before.clone()
        };
        Ok((Some(before), Some(after)))
    })?;
    after.ok_or(OpError::NotFound)
}

/// Removes a member; the last owner cannot be removed.
pub fn remove(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    user_id: i64,
) -> Result<Member, OpError> {
    ctx.require(
        conn,
        actor,
        Capability::Manage,
        Entry::success("member.remove", "project_member", Some(user_id)),
    )?;
    let pid = ctx.id();
    let (before, _) = change(conn, actor, pid, user_id, "member.remove", |conn| {
        let before = member_keeping_an_owner(conn, pid, user_id, true)?;
        project::delete_member(conn, pid, user_id)?;
        Ok((Some(before), None))
    })?;
    before.ok_or(OpError::NotFound)
}

fn is_role(role: &str) -> bool {
    MEMBER_ROLES.contains(&role)
}

type Change = (Option<Member>, Option<Member>);

/// Runs a membership change (which returns the member before and after) in one write
/// transaction with its audit entry.
fn change(
    conn: &mut DbConn,
    actor: &Actor,
    project_id: i64,
    user_id: i64,
    action: &'static str,
    f: impl FnOnce(&mut DbConn) -> Result<Change, OpError>,
) -> Result<Change, OpError> {
    write_tx(conn, |conn| {
        let (before, after) = f(conn)?;
        let mut entry = Entry::success(action, "project_member", Some(user_id)).project(project_id);
        if let Some(b) = &before {
            entry = entry.before(b.audit_snapshot());
        }
        if let Some(a) = &after {
            entry = entry.after(a.audit_snapshot());
        }
        audit::record(conn, &actor.audit(), entry)?;
        Ok((before, after))
    })
}

/// The member about to lose their role (`leaves_owners`: stops being an owner), with the
/// project row locked until the transaction ends, so two owners demoting or removing each
/// other at once cannot both succeed.
fn member_keeping_an_owner(
    conn: &mut DbConn,
    project_id: i64,
    user_id: i64,
    leaves_owners: bool,
) -> Result<Member, OpError> {
    project::lock(conn, project_id)?;
    let member =
        project::find_member(conn, project_id, user_id)?.ok_or(MemberRefusal::NotMember)?;
    if member.role == "owner" && leaves_owners && project::owner_count(conn, project_id)? <= 1 {
        return Err(MemberRefusal::LastOwner.into());
    }
    Ok(member)
}
