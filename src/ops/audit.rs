//! The audit trail as readers see it: listing, detail, verification.
