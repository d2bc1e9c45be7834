//! The signed-in user's own account: profile, password, sessions. The rules live in
//! `ops::accounts`.

pub mod password;
pub mod profile;
pub mod sessions;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use sessions::{revoke, revoke_others};
    // Inside the scope an unknown path still gets the app's own 404 page.
    cfg.service(
        web::scope("/account")
            .route("", web::get().to(profile::profile_form))
            .route("/profile", web::post().to(profile::update_profile))
            .route("/password", web::get().to(password::password_form))
            .route("/password", web::post().to(password::change_password))
            .route("/sessions", web::get().to(sessions::sessions))
            .route("/sessions/revoke-others", web::post().to(revoke_others))
            .route("/sessions/{public_id}/revoke", web::post().to(revoke)),
    );
}
