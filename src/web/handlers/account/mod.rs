//! The signed-in user's own account: profile, password, sessions. The rules live in
//! `ops::accounts`.

pub mod password;
pub mod profile;
pub mod sessions;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(profile::profile_form))
        .route("/account/profile", web::post().to(profile::update_profile))
        .route("/account/password", web::get().to(password::password_form))
        .route(
            "/account/password",
            web::post().to(password::change_password),
        )
        .route("/account/sessions", web::get().to(sessions::sessions))
        .route(
            "/account/sessions/revoke-others",
            web::post().to(sessions::revoke_others),
        )
        .route(
            "/account/sessions/{public_id}/revoke",
            web::post().to(sessions::revoke),
        );
}
