//! The project a request is about, loaded for the signed-in user: `ProjectAccess` extracts it
//! from the `{id}` of `/projects/{id}/...` (404 when the user may not read it), so a handler
//! starts with the project and the user's capabilities in it. The rules live in `ops::access`.

use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

pub use crate::ops::access::{Capability, ProjectCtx, ProjectFlags};

use crate::web::AppState;
use crate::web::errors::AppError;
use crate::web::extractors::CurrentUser;

/// The signed-in user and the project of the path, which they may read.
#[derive(Debug, Clone)]
pub struct ProjectAccess {
    pub me: CurrentUser,
    pub ctx: ProjectCtx,
}

impl ProjectAccess {
    pub fn project_id(&self) -> i64 {
        self.ctx.id()
    }
}

impl FromRequest for ProjectAccess {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let me = CurrentUser::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        // An id that is not a number is a page that does not exist.
        let project_id = req
            .match_info()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok());
        Box::pin(async move {
            let me = me.await?;
            let state =
                state.ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let project_id = project_id.ok_or(AppError::NotFound)?;
            let ctx = load(&state, &me, project_id).await?;
            Ok(ProjectAccess { me, ctx })
        })
    }
}

/// Loads a project of the user's company that they may read, else `NotFound` (for routes
/// whose project comes from another row, such as a simulation).
pub async fn load(
    state: &AppState,
    me: &CurrentUser,
    project_id: i64,
) -> Result<ProjectCtx, AppError> {
    let actor = me.actor();
    Ok(state
        .op(move |conn| ProjectCtx::load(conn, &actor, project_id))
        .await?)
}
