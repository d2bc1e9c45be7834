//! What the trail's filter form offers: the company's people (deleted ones too, since their
//! entries stay), its projects, and the actions and entity types its trail holds.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::loose_scan::{Indexed, distinct_values};
use crate::db::schema::{projects, users};

/// One choice of a picker: the id and what the reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Clone, Default)]
pub struct Pickers {
    pub users: Vec<Choice>,
    pub projects: Vec<Choice>,
    pub actions: Vec<String>,
    pub entity_types: Vec<String>,
}

pub fn load(conn: &mut DbConn, company_id: i64) -> QueryResult<Pickers> {
    let users = users::table
        .filter(users::company_id.eq(company_id))
        .order((users::name.asc(), users::id.asc()))
        .select((
            users::id,
            users::name,
            users::username,
            users::deleted_at.is_not_null(),
        ))
        .load::<(i64, String, String, bool)>(conn)?
        .into_iter()
        .map(|(id, name, username, deleted)| Choice {
            id,
            label: if deleted {
                format!("{name} ({username}, deleted)")
            } else {
                format!("{name} ({username})")
            },
        })
        .collect();
    let projects = projects::table
        .filter(projects::company_id.eq(company_id))
        .order((projects::name.asc(), projects::id.asc()))
        .select((projects::id, projects::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .map(|(id, label)| Choice { id, label })
        .collect();
    Ok(Pickers {
        users,
        projects,
        actions: distinct_values(conn, company_id, Indexed::AuditAction)?,
        entity_types: distinct_values(conn, company_id, Indexed::AuditEntityType)?,
    })
}
