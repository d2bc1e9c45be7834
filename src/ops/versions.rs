//! Circuit versions: restore an earlier version as the next one.
