//! Invitations of new people into a company. An invitation is open until it is accepted or
//! revoked, and pending while it is open and not expired: a pending invitation holds a seat.
//! At most one open invitation exists per address (a partial unique index), so an expired one
//! is closed before the address is invited again. Its one-time link is an `auth_tokens` row of
//! purpose `invitation`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{invitations, roles, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: i64,
    pub company_id: i64,
    pub email: String,
    pub name: String,
    pub role_id: i64,
    pub invited_by: Option<i64>,
    pub expires_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_user_id: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Invitation {
    /// Neither accepted nor revoked (it may have expired).
    pub fn is_open(&self) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none()
    }

    /// Open and not expired: it holds a seat and its newest link works.
    pub fn is_pending(&self, now: NaiveDateTime) -> bool {
        self.is_open() && self.expires_at > now
    }

    /// The fields kept in audit before/after snapshots.
    pub fn audit_snapshot(&self, role: &str) -> serde_json::Value {
        serde_json::json!({
            "email": self.email,
            "name": self.name,
            "role": role,
            "expires_at": self.expires_at,
            "accepted": self.accepted_at.is_some(),
            "revoked": self.revoked_at.is_some(),
        })
    }
}

/// A new invitation; `email` lowercase.
pub struct NewInvitation<'a> {
    pub company_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub role_id: i64,
    pub invited_by: Option<i64>,
    pub expires_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, new: NewInvitation<'_>) -> QueryResult<Invitation> {
    let t = crate::util::now();
    diesel::insert_into(invitations::table)
        .values((
            invitations::company_id.eq(new.company_id),
            invitations::email.eq(new.email),
            invitations::name.eq(new.name),
            invitations::role_id.eq(new.role_id),
            invitations::invited_by.eq(new.invited_by),
            invitations::expires_at.eq(new.expires_at),
            invitations::created_at.eq(t),
            invitations::updated_at.eq(t),
        ))
        .returning(invitations::all_columns)
        .get_result(conn)
}

/// An invitation of the given company (tenant scope), in any state.
pub fn find_in_company(
    conn: &mut DbConn,
    company_id: i64,
    id: i64,
) -> QueryResult<Option<Invitation>> {
    crate::db::unique_row(
        invitations::table
            .find(id)
            .filter(invitations::company_id.eq(company_id))
            .select(Invitation::as_select())
            .load(conn),
    )
}

/// Any invitation by id (its link names it).
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Invitation>> {
    crate::db::unique_row(
        invitations::table
            .find(id)
            .select(Invitation::as_select())
            .load(conn),
    )
}

/// Whether any company has a pending invitation for this address.
pub fn pending_for_email(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        invitations::table
            .filter(invitations::email.eq(email))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::expires_at.gt(crate::util::now())),
    ))
    .get_result(conn)
}

/// Closes the expired open invitations of an address (in any company: they hold no seat and
/// their links no longer work), so the address can be invited again. Returns them as they
/// were, for the audit entry each owes its own company.
pub fn close_expired_for_email(conn: &mut DbConn, email: &str) -> QueryResult<Vec<Invitation>> {
    let t = crate::util::now();
    let expired: Vec<Invitation> = invitations::table
        .filter(invitations::email.eq(email))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.le(t))
        .select(Invitation::as_select())
        .load(conn)?;
    let mut closed = Vec::with_capacity(expired.len());
    for inv in expired {
        // Guarded by the same conditions as the SELECT: a concurrent invitation of the same
        // address closes each at most once, and one resent (new expiry) or accepted meanwhile
        // is left alone.
        let n = diesel::update(
            invitations::table
                .find(inv.id)
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::revoked_at.is_null())
                .filter(invitations::expires_at.le(t)),
        )
        .set((invitations::revoked_at.eq(t), invitations::updated_at.eq(t)))
        .execute(conn)?;
        if n == 1 {
            closed.push(inv);
        }
    }
    Ok(closed)
}

/// Pending invitations of the company (they hold seats).
pub fn pending_count(conn: &mut DbConn, company_id: i64) -> QueryResult<i64> {
    invitations::table
        .filter(invitations::company_id.eq(company_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(crate::util::now()))
        .count()
        .get_result(conn)
}

/// Marks the invitation accepted by the new user.
pub fn mark_accepted(conn: &mut DbConn, id: i64, user_id: i64) -> QueryResult<usize> {
    let t = crate::util::now();
    diesel::update(invitations::table.find(id))
        .set((
            invitations::accepted_at.eq(t),
            invitations::accepted_user_id.eq(user_id),
            invitations::updated_at.eq(t),
        ))
        .execute(conn)
}

/// Revokes an open invitation; 0 when it was accepted or revoked meanwhile.
pub fn mark_revoked(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    let t = crate::util::now();
    diesel::update(invitations::table.find(id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .set((invitations::revoked_at.eq(t), invitations::updated_at.eq(t)))
        .execute(conn)
}

/// A resent invitation expires later.
pub fn set_expiry(conn: &mut DbConn, id: i64, expires_at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(invitations::table.find(id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .set((
            invitations::expires_at.eq(expires_at),
            invitations::updated_at.eq(crate::util::now()),
        ))
        .execute(conn)
}

/// An open invitation as the people list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub invitation: Invitation,
    pub role: String,
    /// Who invited (their display name), if anyone did (the shell invites as nobody).
    pub invited_by: Option<String>,
}

/// The company's open invitations (pending or expired) matching a search and a role, newest
/// first. Pending ones are bounded by the seats; expired ones stay until resent or revoked.
pub fn list_open(
    conn: &mut DbConn,
    company_id: i64,
    search: &str,
    role: &str,
) -> QueryResult<Vec<Listed>> {
    let mut q = invitations::table
        .inner_join(roles::table)
        .left_join(users::table.on(users::id.nullable().eq(invitations::invited_by)))
        .filter(invitations::company_id.eq(company_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .into_boxed();
    if !role.is_empty() {
        q = q.filter(roles::name.eq(role.to_string()));
    }
    if !search.is_empty() {
        let pattern = super::user::like_pattern(search);
        q = q.filter(
            super::project::lower(invitations::name)
                .like(pattern.clone())
                .escape('\\')
                .or(invitations::email.like(pattern).escape('\\')),
        );
    }
    let rows: Vec<(Invitation, String, Option<String>)> = q
        .order(invitations::id.desc())
        .select((
            Invitation::as_select(),
            roles::name,
            super::user::display_name().nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(invitation, role, invited_by)| Listed {
            invitation,
            role,
            invited_by,
        })
        .collect())
}
