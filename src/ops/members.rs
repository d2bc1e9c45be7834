//! Project members: add, change role, remove.

/// Why a membership change is refused.
#[derive(Debug, thiserror::Error)]
pub enum MemberRefusal {
    #[error("A project needs at least one owner.")]
    LastOwner,
}
