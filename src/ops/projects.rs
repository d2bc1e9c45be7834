//! Projects: create, rename, describe, archive and reactivate.

/// Why a project refuses a change.
#[derive(Debug, thiserror::Error)]
pub enum ProjectRefusal {
    #[error("This project is archived and read-only. An owner can reactivate it in its settings.")]
    Archived,
}
