//! Roles and their permission strings. Handlers ask for permissions, never for role names.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{roles, user_roles};

pub const PLATFORM_ADMIN: &str = "platform_admin";
pub const COMPANY_ADMIN: &str = "company_admin";
pub const ENGINEER: &str = "engineer";
pub const REVIEWER: &str = "reviewer";

/// The permission strings of all roles the user holds, deduplicated and sorted.
pub fn permissions_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<String>> {
    let lists: Vec<crate::db::json::JsonValue> = user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq(user_id))
        .select(roles::permissions)
        .load(conn)?;
    let mut perms: Vec<String> = lists
        .iter()
        .filter_map(|l| l.as_array())
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    perms.sort();
    perms.dedup();
    Ok(perms)
}

/// Names of the roles the user holds.
pub fn role_names_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<String>> {
    user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq(user_id))
        .select(roles::name)
        .order(roles::name)
        .load(conn)
}

/// Gives a user a system role by name.
pub fn assign(
    conn: &mut DbConn,
    user_id: i64,
    role_name: &str,
    assigned_by: Option<i64>,
) -> QueryResult<()> {
    let role_id: i64 = roles::table
        .filter(roles::name.eq(role_name))
        .select(roles::id)
        .first(conn)?;
    diesel::insert_into(user_roles::table)
        .values((
            user_roles::user_id.eq(user_id),
            user_roles::role_id.eq(role_id),
            user_roles::assigned_at.eq(crate::util::now()),
            user_roles::assigned_by.eq(assigned_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// The permission strings of a role, by name (empty for an unknown role).
pub fn permissions_of(conn: &mut DbConn, role_name: &str) -> QueryResult<Vec<String>> {
    let lists: Vec<crate::db::json::JsonValue> = roles::table
        .filter(roles::name.eq(role_name))
        .select(roles::permissions)
        .load(conn)?;
    Ok(lists
        .iter()
        .filter_map(|l| l.as_array())
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect())
}
