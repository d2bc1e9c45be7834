//! Users. Usernames and email addresses are stored lowercase, so uniqueness and sign-in are
//! case-insensitive; users are soft-deleted (`deleted_at`) and never listed or signed in after.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::json::JsonValue;
use crate::db::schema::users;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub username: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub is_active: bool,
    pub email_verified_at: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub timezone: String,
    pub preferences: JsonValue,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When two-factor sign-in was turned on (a confirmed TOTP secret exists), else `None`.
    pub two_factor_enabled_at: Option<NaiveDateTime>,
}

/// The fields of a user as kept in audit before/after snapshots (never the password hash).
impl User {
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "username": self.username,
            "email": self.email,
            "timezone": self.timezone,
            "is_active": self.is_active,
            "email_verified": self.email_verified_at.is_some(),
        })
    }
}

pub struct NewUser<'a> {
    pub company_id: i64,
    pub name: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub timezone: &'a str,
    pub email_verified: bool,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow<'a> {
    company_id: i64,
    name: &'a str,
    username: &'a str,
    email: &'a str,
    password_hash: &'a str,
    is_active: bool,
    email_verified_at: Option<NaiveDateTime>,
    timezone: &'a str,
    preferences: JsonValue,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConn, new: NewUser<'_>) -> QueryResult<User> {
    let now = crate::util::now();
    diesel::insert_into(users::table)
        .values(UserRow {
            company_id: new.company_id,
            name: new.name,
            username: &new.username.to_lowercase(),
            email: &new.email.to_lowercase(),
            password_hash: new.password_hash,
            is_active: true,
            email_verified_at: new.email_verified.then_some(now),
            timezone: new.timezone,
            preferences: JsonValue(serde_json::json!({})),
            created_at: now,
            updated_at: now,
        })
        .returning(users::all_columns)
        .get_result(conn)
}

/// Any user by id, including inactive ones; callers decide what an inactive user may do.
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    crate::db::unique_row(
        users::table
            .find(id)
            .filter(users::deleted_at.is_null())
            .select(User::as_select())
            .load(conn),
    )
}

/// A user of the given company only (tenant scope).
pub fn find_in_company(conn: &mut DbConn, company_id: i64, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .filter(users::company_id.eq(company_id))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Finds a user by email or username (case-insensitive).
pub fn find_by_login(conn: &mut DbConn, login: &str) -> QueryResult<Option<User>> {
    let login = login.trim().to_lowercase();
    if login.contains('\0') {
        // No stored login holds NUL (and PostgreSQL refuses it in a query).
        return Ok(None);
    }
    users::table
        .filter(users::email.eq(&login).or(users::username.eq(&login)))
        .filter(users::deleted_at.is_null())
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email.trim().to_lowercase())),
    ))
    .get_result(conn)
}

pub fn username_taken(conn: &mut DbConn, username: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::username.eq(username.trim().to_lowercase())),
    ))
    .get_result(conn)
}

pub fn set_password(conn: &mut DbConn, id: i64, password_hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(crate::util::now()),
        ))
        .execute(conn)
}

pub fn mark_email_verified(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    let now = crate::util::now();
    diesel::update(
        users::table
            .find(id)
            .filter(users::email_verified_at.is_null()),
    )
    .set((users::email_verified_at.eq(now), users::updated_at.eq(now)))
    .execute(conn)
}

pub fn record_login(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(crate::util::now()))
        .execute(conn)
}

pub fn update_profile(conn: &mut DbConn, id: i64, name: &str, timezone: &str) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::timezone.eq(timezone),
            users::updated_at.eq(crate::util::now()),
        ))
        .returning(users::all_columns)
        .get_result(conn)
}

/// How lists and trails name a user: the name, with " (deleted)" once the user is deleted (their
/// rows stay, so authorship and the audit trail remain readable). Select this instead of
/// `users::name` wherever a user is shown.
#[diesel::dsl::auto_type]
pub fn display_name() -> _ {
    let deleted: &'static str = " (deleted)";
    diesel::dsl::case_when(users::deleted_at.is_null(), users::name)
        .otherwise(users::name.concat(deleted))
}

/// A user's display name by id (deleted users included).
pub fn name_of(conn: &mut DbConn, id: i64) -> QueryResult<String> {
    crate::db::unique_row(users::table.find(id).select(display_name()).load(conn))?
        .ok_or(diesel::result::Error::NotFound)
}

/// The username, or for a deleted user (whose username was released) the display name.
#[diesel::dsl::auto_type]
pub fn display_login() -> _ {
    let deleted: &'static str = " (deleted)";
    diesel::dsl::case_when(users::deleted_at.is_null(), users::username)
        .otherwise(users::name.concat(deleted))
}

/// A case-insensitive `LIKE` pattern for a search (compare with lowercase columns).
pub fn like_pattern(search: &str) -> String {
    format!("%{}%", crate::util::escape_like(&search.to_lowercase()))
}

/// Active users of the company (they hold seats).
pub fn active_count(conn: &mut DbConn, company_id: i64) -> QueryResult<i64> {
    users::table
        .filter(users::company_id.eq(company_id))
        .filter(users::is_active.eq(true))
        .filter(users::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// Active users of the company who hold the role.
pub fn active_count_with_role(conn: &mut DbConn, company_id: i64, role: &str) -> QueryResult<i64> {
    use crate::db::schema::{roles, user_roles};
    users::table
        .inner_join(user_roles::table.inner_join(roles::table))
        .filter(users::company_id.eq(company_id))
        .filter(users::is_active.eq(true))
        .filter(users::deleted_at.is_null())
        .filter(roles::name.eq(role))
        .count()
        .get_result(conn)
}

pub fn set_active(conn: &mut DbConn, id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::is_active.eq(active),
            users::updated_at.eq(crate::util::now()),
        ))
        .execute(conn)
}

/// Soft-deletes a user: inactive, `deleted_at` set, and the email address and username
/// released (replaced by unique placeholders) so they can be used again. The name stays.
pub fn soft_delete(conn: &mut DbConn, id: i64) -> QueryResult<User> {
    let now = crate::util::now();
    // Random, and in a form sign-up refuses (`.invalid` is reserved, RFC 2606; usernames
    // have no `~`), so nobody can take a placeholder first and make the delete fail.
    let tag = crate::util::random_token(6);
    diesel::update(users::table.find(id))
        .set((
            users::is_active.eq(false),
            users::deleted_at.eq(now),
            users::email.eq(format!("deleted-{id}-{tag}@deleted.invalid")),
            users::username.eq(format!("~deleted-{id}-{tag}")),
            users::updated_at.eq(now),
        ))
        .returning(users::all_columns)
        .get_result(conn)
}

/// True when at least one active platform admin exists (then no setup link is offered).
pub fn platform_admin_exists(conn: &mut DbConn) -> QueryResult<bool> {
    use crate::db::schema::{roles, user_roles};
    diesel::select(diesel::dsl::exists(
        users::table
            .inner_join(user_roles::table.inner_join(roles::table))
            .filter(roles::name.eq(super::role::PLATFORM_ADMIN))
            .filter(users::is_active.eq(true))
            .filter(users::deleted_at.is_null()),
    ))
    .get_result(conn)
}
