//! Companies (tenants).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::json::JsonValue;
use crate::db::schema::companies;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = companies)]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub code: String,
    pub contact_email: String,
    pub is_active: bool,
    pub settings: JsonValue,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Every user must sign in with a second factor (those without are led to set it up).
    pub require_two_factor: bool,
}

impl Company {
    /// The fields an audit entry's before/after shows.
    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name, "slug": self.slug, "code": self.code, "contact_email": self.contact_email,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = companies)]
struct NewCompany<'a> {
    name: &'a str,
    slug: &'a str,
    code: &'a str,
    contact_email: &'a str,
    is_active: bool,
    settings: JsonValue,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A URL-friendly form of a name: lowercase ASCII letters and digits joined by single dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug: String = slug.chars().take(48).collect();
    if slug.is_empty() {
        "company".to_string()
    } else {
        slug.trim_end_matches('-').to_string()
    }
}

/// A short code: up to four letters of the name and a random suffix, e.g. `ACME-7F3A`.
fn short_code(name: &str) -> String {
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(4)
        .collect::<String>()
        .to_ascii_uppercase();
    let letters = if letters.is_empty() {
        "CO".to_string()
    } else {
        letters
    };
    format!(
        "{letters}-{}",
        crate::util::random_token(2).to_ascii_uppercase()
    )
}

fn slug_taken(conn: &mut DbConn, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        companies::table.filter(companies::slug.eq(slug)),
    ))
    .get_result(conn)
}

fn code_taken(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        companies::table.filter(companies::code.eq(code)),
    ))
    .get_result(conn)
}

/// Creates a company with a unique slug (`acme`, `acme-2`, ...) and code.
pub fn create(conn: &mut DbConn, name: &str, contact_email: &str) -> QueryResult<Company> {
    let base = slugify(name);
    let mut slug = base.clone();
    let mut n = 2;
    while slug_taken(conn, &slug)? {
        slug = format!("{base}-{n}");
        n += 1;
    }
    let mut code = short_code(name);
    while code_taken(conn, &code)? {
        code = short_code(name);
    }
    let now = crate::util::now();
    diesel::insert_into(companies::table)
        .values(NewCompany {
            name,
            slug: &slug,
            code: &code,
            contact_email,
            is_active: true,
            settings: JsonValue(serde_json::json!({})),
            created_at: now,
            updated_at: now,
        })
        .returning(companies::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Company> {
    crate::db::unique_row(
        companies::table
            .find(id)
            .select(Company::as_select())
            .load(conn),
    )?
    .ok_or(diesel::result::Error::NotFound)
}

/// A company by its slug or its code (as the shell names it; the code in any case).
pub fn find_by_slug_or_code(conn: &mut DbConn, name: &str) -> QueryResult<Option<Company>> {
    let name = name.trim();
    companies::table
        .filter(
            companies::slug
                .eq(name.to_lowercase())
                .or(companies::code.eq(name.to_uppercase())),
        )
        .select(Company::as_select())
        .first(conn)
        .optional()
}

/// Serializes the changes that count a company's people or projects against a limit (seats,
/// the last company admin, max_projects) until the transaction ends: call it first inside the
/// `write_tx`, then count. PostgreSQL locks the company row; SQLite's write transactions
/// (`BEGIN IMMEDIATE`) already run one at a time.
pub fn lock_for_limits(conn: &mut DbConn, company_id: i64) -> QueryResult<()> {
    if conn.kind() == crate::db::BackendKind::Postgres {
        // The multi-backend query builder has no FOR UPDATE: plain SQL, bound parameter.
        diesel::sql_query("SELECT id FROM companies WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(company_id)
            .execute(conn)?;
    }
    Ok(())
}

/// Whether another company than `except` has this slug or code: (slug taken, code taken).
pub fn taken_by_other(
    conn: &mut DbConn,
    except: i64,
    slug: &str,
    code: &str,
) -> QueryResult<(bool, bool)> {
    let others = || companies::table.filter(companies::id.ne(except));
    Ok((
        diesel::select(diesel::dsl::exists(
            others().filter(companies::slug.eq(slug)),
        ))
        .get_result(conn)?,
        diesel::select(diesel::dsl::exists(
            others().filter(companies::code.eq(code)),
        ))
        .get_result(conn)?,
    ))
}

/// The profile's fields as edited by the company's admin.
pub struct Profile<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    pub code: &'a str,
    pub contact_email: &'a str,
}

pub fn update_profile(conn: &mut DbConn, id: i64, p: Profile<'_>) -> QueryResult<Company> {
    diesel::update(companies::table.find(id))
        .set((
            companies::name.eq(p.name),
            companies::slug.eq(p.slug),
            companies::code.eq(p.code),
            companies::contact_email.eq(p.contact_email),
            companies::updated_at.eq(crate::util::now()),
        ))
        .returning(companies::all_columns)
        .get_result(conn)
}

/// Sets whether the company requires two-factor sign-in.
pub fn set_require_two_factor(conn: &mut DbConn, id: i64, required: bool) -> QueryResult<Company> {
    diesel::update(companies::table.find(id))
        .set((
            companies::require_two_factor.eq(required),
            companies::updated_at.eq(crate::util::now()),
        ))
        .returning(companies::all_columns)
        .get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Power & Light GmbH"), "acme-power-light-gmbh");
        assert_eq!(slugify("  --Ünïcode "), "n-code");
        assert_eq!(slugify("!!!"), "company");
    }
}
