//! The hand-written schema.rs must agree with both migration sets: read every column of every
//! table through the models on each database.

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::*;
use ampflux::models;
use diesel::prelude::*;

#[allow(clippy::type_complexity)]
async fn every_table_reads_through_the_shared_schema(app: TestApp) {
    let (_, account) = signed_up(&app, "Schema").await;
    app.with_conn(|conn| {
        let user = models::user::find_by_login(conn, &account.email)
            .unwrap()
            .unwrap();
        assert_eq!(user.preferences.0, serde_json::json!({}));
        companies::table
            .select(models::company::Company::as_select())
            .load(conn)
            .unwrap();
        licenses::table
            .select(models::license::License::as_select())
            .load(conn)
            .unwrap();
        sessions::table
            .select(models::session::SessionRow::as_select())
            .load(conn)
            .unwrap();
        auth_tokens::table
            .select(models::auth_token::AuthToken::as_select())
            .load(conn)
            .unwrap();
        security_events::table
            .select(models::security_event::SecurityEvent::as_select())
            .load(conn)
            .unwrap();
        audit_logs::table
            .select(models::audit::AuditLog::as_select())
            .load(conn)
            .unwrap();
        jobs::table
            .select(models::job::Job::as_select())
            .load(conn)
            .unwrap();
        projects::table
            .select(models::project::Project::as_select())
            .load(conn)
            .unwrap();
        circuit_versions::table
            .select(models::circuit_version::CircuitVersion::as_select())
            .load(conn)
            .unwrap();
        type Json = ampflux::db::json::JsonValue;
        type Ts = chrono::NaiveDateTime;
        let _: Vec<(i64, i64, i64, String, Ts, Ts)> = project_members::table.load(conn).unwrap();
        let _: Vec<(i64, i64, i64, Option<i64>, Json, Ts, Ts)> =
            circuit_drafts::table.load(conn).unwrap();
        let _: Vec<(
            i64,
            i64,
            i64,
            String,
            Json,
            String,
            Option<Json>,
            Option<String>,
            Option<i64>,
            i64,
            Ts,
            Option<Ts>,
            Option<Ts>,
            Option<i64>,
            Option<i64>,
        )> = simulations::table.load(conn).unwrap();
        let heads: Vec<(i64, i64, i64, String)> = audit_chain_heads::table.load(conn).unwrap();
        assert_eq!(heads.len(), 1, "one chain head for the one company");
        let roles: Vec<(i64, String, ampflux::db::json::JsonValue, bool)> = roles::table
            .select((roles::id, roles::name, roles::permissions, roles::is_system))
            .order(roles::id)
            .load(conn)
            .unwrap();
        let names: Vec<&str> = roles.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(
            names,
            ["platform_admin", "company_admin", "engineer", "reviewer"]
        );
        assert!(roles.iter().all(|r| r.3), "seeded as system roles");
        let assigned: Vec<(i64, i64, chrono::NaiveDateTime, Option<i64>)> =
            user_roles::table.load(conn).unwrap();
        assert_eq!(assigned.len(), 1);
    });
}
on_both_databases!(every_table_reads_through_the_shared_schema);
