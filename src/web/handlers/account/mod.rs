//! The signed-in user's own account: profile, password, two-factor sign-in, sessions. The rules live in
//! `ops::accounts`.

pub mod password;
pub mod profile;
pub mod sessions;
pub mod two_factor;

/// The two-factor set-up page: the only page open to a user whose company requires two-factor
/// sign-in until they have set it up (see `extractors::CurrentUser`).
pub const TWO_FACTOR_PAGE: &str = "/account/two-factor";

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
            .route("/two-factor", web::get().to(two_factor::show))
            .route("/two-factor/setup", web::post().to(two_factor::setup))
            .route("/two-factor/confirm", web::post().to(two_factor::confirm))
            .route(
                "/two-factor/recovery-codes",
                web::post().to(two_factor::regenerate),
            )
            .route("/two-factor/disable", web::post().to(two_factor::disable))
            .route("/sessions", web::get().to(sessions::sessions))
            .route("/sessions/revoke-others", web::post().to(revoke_others))
            .route("/sessions/{public_id}/revoke", web::post().to(revoke)),
    );
}
