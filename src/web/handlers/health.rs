//! Liveness and readiness. Readiness asks the database, with a short timeout, on every call, so
//! it turns 503 while the database is unreachable and 200 again when it returns.

use std::time::Duration;

use actix_web::{HttpResponse, web};

use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready));
}

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let checked = web::block(move || crate::db::ping(&pool, Duration::from_secs(2))).await;
    match checked {
        Ok(Ok(())) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Ok(Err(reason)) => {
            tracing::warn!(%reason, "not ready");
            HttpResponse::ServiceUnavailable().json(
                serde_json::json!({ "status": "unavailable", "reason": "database unreachable" }),
            )
        }
        Err(_) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "reason": "health check failed" })),
    }
}
