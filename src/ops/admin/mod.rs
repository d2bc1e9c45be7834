//! Company administration: people and invitations, teams, the license, the company's profile
//! and its security events. Every change needs `users:manage` (the license page only reads,
//! with `licenses:read`), acts inside the actor's company only (another company's user or team
//! is not found), and is refused while the company is read-only.

pub mod company;
pub mod invitations;
pub mod license;
pub mod license_check;
pub mod security;
pub mod teams;
pub mod user_changes;
pub mod users;
