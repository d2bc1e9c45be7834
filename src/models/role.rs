//! Roles and their permission strings. Handlers ask for permissions, never for role names.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{roles, user_roles};

pub const PLATFORM_ADMIN: &str = "platform_admin";
pub const COMPANY_ADMIN: &str = "company_admin";
pub const ENGINEER: &str = "engineer";
pub const REVIEWER: &str = "reviewer";

/// The roles a company admin may give: a user holds exactly one of them.
pub const COMPANY_ROLES: [&str; 3] = [COMPANY_ADMIN, ENGINEER, REVIEWER];

/// The id of a system role by name.
pub fn id_of(conn: &mut DbConn, role_name: &str) -> QueryResult<i64> {
    roles::table
        .filter(roles::name.eq(role_name))
        .select(roles::id)
        .first(conn)
}

/// The name of a role by id.
pub fn name_of(conn: &mut DbConn, role_id: i64) -> QueryResult<String> {
    roles::table.find(role_id).select(roles::name).first(conn)
}

/// Gives the user `role_name` as their one company role (the other company roles are taken
/// away; `platform_admin` is never touched).
pub fn replace_company_role(
    conn: &mut DbConn,
    user_id: i64,
    role_name: &str,
    assigned_by: Option<i64>,
) -> QueryResult<()> {
    let company_role_ids = roles::table
        .filter(roles::name.eq_any(COMPANY_ROLES))
        .select(roles::id);
    diesel::delete(
        user_roles::table
            .filter(user_roles::user_id.eq(user_id))
            .filter(user_roles::role_id.eq_any(company_role_ids)),
    )
    .execute(conn)?;
    assign(conn, user_id, role_name, assigned_by)
}

/// The role names of each of these users, as (user id, role name) pairs sorted by name.
pub fn names_for_users(conn: &mut DbConn, user_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq_any(user_ids))
        .select((user_roles::user_id, roles::name))
        .order(roles::name)
        .load(conn)
}

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
    let role_id = id_of(conn, role_name)?;
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
