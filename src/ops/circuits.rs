//! The circuit draft: rows, settings, save as a version, discard, import.

/// Why a draft change is refused.
#[derive(Debug, thiserror::Error)]
pub enum CircuitRefusal {
    #[error("The circuit was saved by someone else in the meantime.")]
    StaleDraft,
}
