//! Authentication and authorization: password hashing and policy, the server-side session
//! store, CSRF protection, sign-in throttling, two-factor codes and permissions.

pub mod csrf;
pub mod hash_pool;
pub mod password;
pub mod permissions;
pub mod session_store;
pub mod throttle;
pub mod two_factor;
