//! Liveness and readiness.

use crate::common::*;
use crate::on_both_databases;

async fn live_and_ready(app: TestApp) {
    let live = app.client().get("/health/live").await;
    assert_eq!(
        (live.status, live.body.as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    let ready = app.client().get("/health/ready").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (200, "{\"status\":\"ready\"}")
    );
}
on_both_databases!(live_and_ready);

/// PostgreSQL goes away and comes back: readiness follows without a restart.
#[actix_rt::test]
#[ignore = "PostgreSQL: run with AMPFLUX_TEST_POSTGRES_URL set and --ignored"]
async fn ready_follows_the_database_postgres() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let client = app.client();
    assert_eq!(client.get("/health/ready").await.status, 200);
    let pg = app.pg.as_ref().unwrap();
    let name = pg.name().to_string();
    // The timeout waits until each backend is gone (without it, a query may still reach a
    // backend that has the signal but has not ended yet).
    pg.admin_sql(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    ));
    let down = client.get("/health/ready").await;
    assert_eq!(down.status, 503, "{}", down.body);
    let v: serde_json::Value = serde_json::from_str(&down.body).unwrap();
    assert_eq!(v["reason"], "database unreachable");
    assert_eq!(
        client.get("/health/live").await.status,
        200,
        "alive all the same"
    );
    pg.admin_sql(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    assert_eq!(
        client.get("/health/ready").await.status,
        200,
        "back without a restart"
    );
}
