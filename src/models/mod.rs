//! Data access, one file per aggregate. Every function that reads company data takes the
//! caller's `company_id` and filters by it, so an id of another tenant is simply not found.

pub mod audit;
pub mod auth_token;
pub mod circuit_draft;
pub mod circuit_version;
pub mod company;
pub mod dashboard;
pub mod invitation;
pub mod job;
pub mod license;
pub mod module;
pub mod people;
pub mod project;
pub mod project_overview;
pub mod role;
pub mod security_event;
pub mod session;
pub mod simulation;
pub mod team;
pub mod two_factor;
pub mod user;

/// Who did something and from where: recorded on audit entries and security events.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}
