//! Operations: every user action, shared by pages, the CLI and the JSON API. An operation takes
//! the acting user (`Actor`) and a plain input struct, checks the permission (deny by default),
//! makes the change and writes its audit entry in one transaction, and returns a typed result or
//! a typed refusal (`OpError`). Operations are blocking: pages run them on the blocking pool
//! (`AppState::op`), the CLI calls them directly.
//!
//! Data flows one way: `web`/`cli` → `ops` → `models` → `db`. Nothing here knows HTTP.

pub mod access;
pub mod accounts;
pub mod actor;
pub mod admin;
pub mod audit;
pub mod circuits;
pub mod error;
pub mod input;
pub mod members;
pub mod projects;
pub mod refusals;
pub mod simulations;
pub mod versions;

pub use access::{Capability, ProjectCtx, ProjectFlags};
pub use actor::Actor;
pub use error::OpError;

pub type OpResult<T> = Result<T, OpError>;
