//! Restoring an old version as the next one (`ops::versions::restore`).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::ops::OpError;
use crate::ops::versions as ops;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::handlers::circuit::done;
use crate::web::page::flash;
use crate::web::project_access::ProjectAccess;

pub async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, i32)>,
) -> AppResult<HttpResponse> {
    let (_, n) = path.into_inner();
    let pid = access.project_id();
    let (actor, ctx) = (access.me.actor(), access.ctx);
    match state
        .op(move |conn| ops::restore(conn, &actor, &ctx, n))
        .await
    {
        Ok(new) => {
            flash(
                &session,
                "success",
                format!(
                    "Version {n} restored: it is version {} now.",
                    new.version_number
                ),
            );
            Ok(done(&req, &format!("/projects/{pid}/versions")))
        }
        Err(OpError::Version(refusal)) => {
            flash(&session, "error", refusal.to_string());
            Ok(done(&req, &format!("/projects/{pid}/versions/{n}")))
        }
        Err(e) => Err(e.into()),
    }
}
