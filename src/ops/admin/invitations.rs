//! Inviting people: an invitation with a one-time link mailed to the address (7 days, single
//! use), resent or revoked by a company admin, and accepted by the invitee, who chooses a
//! username and password and becomes a user of the inviting company with the invited role.
//! A pending invitation holds a seat; the seat rules are checked with the company locked.

use serde::Deserialize;

use super::users::{PeopleRefusal, company_role, ensure_free_seat, lock_limits, seat_usage};
use crate::auth::{password, permissions as perm};
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::company::{self, Company};
use crate::models::invitation::{self, Invitation, NewInvitation};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::user::{self, NewUser, User};
use crate::models::{RequestMeta, license, role};
use crate::ops::accounts::Mail;
use crate::ops::actor::{Actor, read_only_reason};
use crate::ops::error::OpError;
use crate::ops::input::{FieldErrors, name_problem, valid_email, valid_username};

/// An invitation as the form sends it (the field names are the form's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InviteInput {
    pub email: String,
    pub name: String,
    pub role: String,
}

impl InviteInput {
    /// Trimmed, the address lowercase.
    pub fn normalized(self) -> Self {
        InviteInput {
            email: self.email.trim().to_lowercase(),
            name: self.name.trim().to_string(),
            role: self.role.trim().to_string(),
        }
    }

    fn check(&self) -> Result<&'static str, OpError> {
        let mut errors = FieldErrors::default();
        if !valid_email(&self.email) {
            errors.add(
                "email",
                "Enter a valid email address, like name@example.com.",
            );
        }
        if let Some(m) = name_problem(&self.name) {
            errors.add("name", m.replace("your name", "their name"));
        }
        let role = company_role("role", &self.role);
        if let Err(OpError::Invalid(e)) = &role {
            for (field, message) in e.iter() {
                errors.add(field, message);
            }
        }
        if !errors.is_empty() {
            return Err(OpError::Invalid(errors));
        }
        role
    }
}

fn email_in_use() -> OpError {
    OpError::field("email", PeopleRefusal::EmailInUse.to_string())
}

/// The invitation mail with its link.
fn invitation_mail(base_url: &str, inv: &Invitation, company: &Company, token: &str) -> Mail {
    let link = format!("{base_url}/invitations/{token}");
    Mail {
        to_name: inv.name.clone(),
        to_email: inv.email.clone(),
        subject: format!("You are invited to {} on AmpFlux", company.name),
        body: format!(
            "Hello {},\n\nYou are invited to join {} on AmpFlux, the short-circuit study application. To choose your username and password, open:\n\n{link}\n\nThe link works once and expires in 7 days. If you do not expect this invitation, ignore this mail.\n",
            inv.name, company.name
        ),
    }
}

/// Invites a person into the actor's company (`users:manage`) and queues the mail. Refused
/// when the address is in use anywhere (one message, no company named) and when every seat is
/// taken (with the numbers).
pub fn invite(
    conn: &mut DbConn,
    actor: &Actor,
    base_url: &str,
    input: InviteInput,
) -> Result<Invitation, OpError> {
    actor.require_to_change(
        conn,
        perm::USERS_MANAGE,
        Entry::success("user.invite", "invitation", None),
    )?;
    let input = input.normalized();
    let role_name = input.check()?;
    let created = write_tx(conn, |conn| {
        lock_limits(conn, actor.company_id)?;
        if user::email_taken(conn, &input.email)?
            || invitation::pending_for_email(conn, &input.email)?
        {
            return Err(email_in_use());
        }
        // An expired invitation of the address would block the new one (one open per address).
        let closed = invitation::close_expired_for_email(conn, &input.email)?;
        ensure_free_seat(conn, actor.company_id)?;
        let role_id = role::id_of(conn, role_name)?;
        let inv = invitation::create(
            conn,
            NewInvitation {
                company_id: actor.company_id,
                email: &input.email,
                name: &input.name,
                role_id,
                invited_by: actor.user_id,
                expires_at: crate::util::now() + Purpose::Invitation.lifetime(),
            },
        )?;
        let token = auth_token::issue_for_invitation(conn, inv.id)?;
        let company = company::find(conn, actor.company_id)?;
        invitation_mail(base_url, &inv, &company, &token).enqueue(conn)?;
        let mut entries = vec![(
            actor.audit(),
            Entry::success("user.invite", "invitation", Some(inv.id))
                .after(inv.audit_snapshot(role_name)),
        )];
        for before in &closed {
            entries.push(expired_closure_entry(conn, before)?);
        }
        // Each company's chain is locked as its entry is written; taking them in ascending
        // company order keeps two companies inviting each other's expired addresses from
        // deadlocking on PostgreSQL.
        entries.sort_by_key(|(audit_actor, _)| audit_actor.company_id);
        for (audit_actor, entry) in entries {
            audit::record(conn, &audit_actor, entry)?;
        }
        Ok::<_, OpError>(inv)
    });
    match created {
        // Another company invited the same address at the same moment.
        Err(e) if e.is_unique_violation() => Err(email_in_use()),
        other => other,
    }
}

/// An open invitation of the actor's company, locked for a change.
fn open_invitation(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Invitation, OpError> {
    let inv = invitation::find_in_company(conn, actor.company_id, id)?.ok_or(OpError::NotFound)?;
    if !inv.is_open() {
        return Err(PeopleRefusal::InvitationClosed.into());
    }
    Ok(inv)
}

/// Sends a new link (valid 7 days from now); the earlier links stop working. An expired
/// invitation takes a seat again, so the seats are checked for it.
pub fn resend(
    conn: &mut DbConn,
    actor: &Actor,
    base_url: &str,
    id: i64,
) -> Result<Invitation, OpError> {
    actor.require_to_change(
        conn,
        perm::USERS_MANAGE,
        Entry::success("invitation.resend", "invitation", Some(id)),
    )?;
    write_tx(conn, |conn| {
        lock_limits(conn, actor.company_id)?;
        let before = open_invitation(conn, actor, id)?;
        if user::email_taken(conn, &before.email)? {
            return Err(PeopleRefusal::EmailInUse.into());
        }
        if !before.is_pending(crate::util::now()) {
            ensure_free_seat(conn, actor.company_id)?;
        }
        let expires_at = crate::util::now() + Purpose::Invitation.lifetime();
        if invitation::set_expiry(conn, id, expires_at)? != 1 {
            return Err(PeopleRefusal::InvitationClosed.into());
        }
        let after = Invitation {
            expires_at,
            ..before.clone()
        };
        let token = auth_token::issue_for_invitation(conn, id)?;
        let company = company::find(conn, actor.company_id)?;
        invitation_mail(base_url, &after, &company, &token).enqueue(conn)?;
        let role_name = role::name_of(conn, before.role_id)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("invitation.resend", "invitation", Some(id))
                .before(before.audit_snapshot(&role_name))
                .after(after.audit_snapshot(&role_name)),
        )?;
        Ok(after)
    })
}

/// The audit entry, for the trail of the company that sent it, of an expired invitation
/// closed because the address was invited again (by the system: which company invited it
/// stays private to that company).
fn expired_closure_entry(
    conn: &mut DbConn,
    before: &Invitation,
) -> Result<(audit::Actor, Entry), OpError> {
    let role_name = role::name_of(conn, before.role_id)?;
    let mut after = before.clone();
    after.revoked_at = Some(crate::util::now());
    let system = audit::Actor {
        company_id: before.company_id,
        user_id: None,
        meta: Default::default(),
    };
    let entry = Entry::success("invitation.close_expired", "invitation", Some(before.id))
        .before(before.audit_snapshot(&role_name))
        .after(after.audit_snapshot(&role_name))
        .details(serde_json::json!({
            "reason": "expired and no longer usable; closed when a new invitation for the address was made"
        }));
    Ok((system, entry))
}

/// Revokes an open invitation: its link stops working and its seat is free. It only takes
/// access away, so it works while the company is read-only.
pub fn revoke(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Invitation, OpError> {
    actor.require_to_reduce_access(
        conn,
        perm::USERS_MANAGE,
        Entry::success("invitation.revoke", "invitation", Some(id)),
    )?;
    write_tx(conn, |conn| {
        // The same lock as acceptance: a revoke and an accept of one invitation take turns.
        lock_limits(conn, actor.company_id)?;
        let before = open_invitation(conn, actor, id)?;
        if invitation::mark_revoked(conn, id)? != 1 {
            return Err(PeopleRefusal::InvitationClosed.into());
        }
        auth_token::expire_for_invitation(conn, id)?;
        let after = Invitation {
            revoked_at: Some(crate::util::now()),
            ..before.clone()
        };
        let role_name = role::name_of(conn, before.role_id)?;
        audit::record(
            conn,
            &actor.audit(),
            Entry::success("invitation.revoke", "invitation", Some(id))
                .before(before.audit_snapshot(&role_name))
                .after(after.audit_snapshot(&role_name)),
        )?;
        Ok(after)
    })
}

// ------------------------------------------------------------------ accepting

/// What the acceptance page shows about a working link.
#[derive(Debug, Clone)]
pub struct Opened {
    pub invitation: Invitation,
    pub company_name: String,
    pub role: String,
}

/// The pending invitation a link opens, or `InvitationLinkInvalid`.
pub fn open_link(conn: &mut DbConn, token: &str) -> Result<Opened, OpError> {
    let refused = || OpError::from(PeopleRefusal::InvitationLinkInvalid);
    let tok = auth_token::peek(conn, Purpose::Invitation, token)?.ok_or_else(refused)?;
    let inv = match tok.invitation_id {
        Some(id) => invitation::find(conn, id)?,
        None => None,
    }
    .filter(|i| i.is_pending(crate::util::now()))
    .ok_or_else(refused)?;
    // A suspended company takes no one in: its people could not sign in anyway.
    let company = company::find(conn, inv.company_id)?;
    if !company.is_active {
        return Err(refused());
    }
    Ok(Opened {
        company_name: company.name,
        role: role::name_of(conn, inv.role_id)?,
        invitation: inv,
    })
}

/// The acceptance form (the field names are the form's).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AcceptInput {
    pub username: String,
    pub password: String,
}

/// Accepts an invitation: creates the user in the inviting company with the invited role
/// (assigned by the inviter), the address verified (the link proved it), and consumes the link
/// (once, also under concurrent posts). Seats, the address and the username are checked again.
/// The new user is the actor of the audit entries; the caller signs them in.
pub fn accept(
    conn: &mut DbConn,
    meta: &RequestMeta,
    token: &str,
    input: AcceptInput,
) -> Result<User, OpError> {
    let opened = open_link(conn, token)?;
    let inv = &opened.invitation;
    let username = input.username.trim().to_lowercase();
    let mut errors = FieldErrors::default();
    if !valid_username(&username) {
        errors.add(
            "username",
            "Use 3 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
        );
    } else if user::username_taken(conn, &username)? {
        errors.add("username", "This username is taken; choose another.");
    }
    let local = inv.email.split('@').next().unwrap_or("");
    let personal = [
        inv.name.as_str(),
        &username,
        &inv.email,
        local,
        &opened.company_name,
    ];
    if let Err(m) = password::check_policy(&input.password, &personal) {
        errors.add("password", m);
    }
    if !errors.is_empty() {
        return Err(OpError::Invalid(errors));
    }
    // A company that may change nothing takes no new people either.
    let company_actor = Actor {
        user_id: None,
        company_id: inv.company_id,
        permissions: Vec::new(),
        meta: meta.clone(),
        read_only: read_only_reason(license::current(conn, inv.company_id)?.as_ref()),
        refusals: None,
    };
    company_actor.require_writable(
        conn,
        Entry::success("invitation.accept", "invitation", Some(inv.id)),
    )?;
    let hash = password::hash(&input.password)?;
    let created = write_tx(conn, |conn| {
        lock_limits(conn, inv.company_id)?;
        let consumed = auth_token::consume(conn, Purpose::Invitation, token)?
            .filter(|t| t.invitation_id == Some(inv.id));
        let current = invitation::find(conn, inv.id)?;
        let (Some(_), Some(inv)) = (consumed, current.filter(|i| i.is_open())) else {
            return Err(PeopleRefusal::InvitationLinkInvalid.into());
        };
        if user::email_taken(conn, &inv.email)? {
            return Err(PeopleRefusal::AddressNowInUse.into());
        }
        if user::username_taken(conn, &username)? {
            return Err(OpError::field(
                "username",
                "This username is taken; choose another.",
            ));
        }
        // A pending invitation already holds one of the seats counted: the user takes it over.
        let usage = seat_usage(conn, inv.company_id)?;
        let held = i64::from(inv.is_pending(crate::util::now()));
        if usage.used() - held >= usage.seats {
            return Err(PeopleRefusal::SeatsExhausted {
                seats: usage.seats,
                active: usage.active,
                pending: usage.pending,
            }
            .into());
        }
        let created = user::create(
            conn,
            NewUser {
                company_id: inv.company_id,
                name: &inv.name,
                username: &username,
                email: &inv.email,
                password_hash: &hash,
                timezone: "UTC",
                email_verified: true,
            },
        )?;
        role::assign(conn, created.id, &opened.role, inv.invited_by)?;
        invitation::mark_accepted(conn, inv.id, created.id)?;
        // Signed in by the caller right away.
        user::record_login(conn, created.id)?;
        let actor = audit::Actor::user(&created, meta);
        audit::record(
            conn,
            &actor,
            Entry::success("user.create", "user", Some(created.id))
                .after(created.audit_snapshot())
                .details(serde_json::json!({
                    "roles": [opened.role], "via": "invitation", "invitation_id": inv.id,
                    "invited_by": inv.invited_by,
                })),
        )?;
        audit::record(
            conn,
            &actor,
            Entry::success("invitation.accept", "invitation", Some(inv.id))
                .before(inv.audit_snapshot(&opened.role))
                .after(serde_json::json!({ "accepted": true, "user_id": created.id })),
        )?;
        security_event::record(
            conn,
            meta,
            NewEvent {
                user_id: Some(created.id),
                company_id: Some(created.company_id),
                event_type: "invitation.accepted",
                subject_key: None,
                severity: Severity::Info,
                description: format!("Invitation accepted; account created as {}", opened.role),
                metadata: serde_json::json!({
                    "invitation_id": inv.id, "role": opened.role, "invited_by": inv.invited_by,
                }),
            },
        )?;
        Ok::<_, OpError>(created)
    });
    match created {
        // A sign-up took the address or the username at the same moment (the transaction,
        // token included, was rolled back): say which.
        Err(e) if e.is_unique_violation() => {
            if user::email_taken(conn, &inv.email)? {
                Err(PeopleRefusal::AddressNowInUse.into())
            } else {
                Err(OpError::field(
                    "username",
                    "This username was just taken; choose another.",
                ))
            }
        }
        other => other,
    }
}
