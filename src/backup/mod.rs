//! `ampflux backup` and `ampflux restore`: a consistent copy of a running SQLite database (the
//! online backup API, [`sqlite_online`]) and of the local object folder, in one gzip-compressed
//! tar archive whose last member, `manifest.json`, lists every other member with its size and
//! SHA-256, and the app and schema versions. A restore checks the whole archive against the
//! manifest before it writes anything, and writes into an empty data folder only.
//!
//! PostgreSQL databases are backed up with pg_dump/pg_restore (README, "Backups").

mod create;
mod restore;
pub mod sqlite_online;

use std::io::Read;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use create::{BackupSummary, backup};
pub use restore::{RestoreSummary, restore};

/// The archive member of the database.
pub const DATABASE_MEMBER: &str = "database/ampflux.db";
/// The folder of the object store's files in the archive (and under the data folder).
pub const OBJECTS: &str = "objects";
/// The last member of the archive.
pub const MANIFEST_MEMBER: &str = "manifest.json";
const FORMAT: &str = "ampflux-backup";
const FORMAT_VERSION: u32 = 1;
/// A manifest larger than this is not ours.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "ampflux backup and restore handle SQLite databases, and DATABASE_URL names PostgreSQL: \
         back it up with pg_dump --format=custom and restore it with pg_restore (README, \"Backups\")"
    )]
    Postgres,
    #[error("ampflux {0} needs a database file (DATABASE_URL names an in-memory or URI database)")]
    NotAFile(&'static str),
    #[error("no database at {0}: nothing to back up (check AMPFLUX_DATA_DIR or DATABASE_URL)")]
    NoDatabase(String),
    #[error("{0} exists; choose a new file name for the backup")]
    TargetExists(String),
    #[error("the data folder {0} is not empty; restore into an empty (or new) folder")]
    DataDirNotEmpty(String),
    #[error("a database exists at {0}; restore into an empty data folder")]
    DatabaseExists(String),
    #[error("the archive is damaged or not an AmpFlux backup, nothing was restored: {0}")]
    BadArchive(String),
    #[error(
        "the backup's schema {backup} is newer than this AmpFlux knows ({known}); restore it with \
         the AmpFlux version that made it ({app_version}) or a newer one"
    )]
    NewerSchema {
        backup: String,
        known: String,
        app_version: String,
    },
    #[error("{0} changed while it was being copied; run the backup again")]
    ChangedDuringCopy(String),
    #[error(transparent)]
    Sqlite(#[from] sqlite_online::SqliteCopyError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// An I/O error with the path it concerns.
fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The AmpFlux version that wrote the backup.
    pub app_version: String,
    /// The newest migration applied to the copied database.
    pub schema_version: String,
    pub database: String,
    /// When the copy was taken (UTC, RFC 3339).
    pub created_at: String,
    /// The audit trail's entries in the copy (what `ampflux audit verify` counts after a
    /// restore).
    pub audit_entries: u64,
    pub members: Vec<Member>,
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (u64, String) {
        (self.bytes, hex::encode(self.hasher.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Whether `path` is a member name a backup may hold: the database, the manifest, or a file
/// under `objects/`, relative, without `..`, `.` or empty parts.
fn valid_member_path(path: &str) -> bool {
    if path == DATABASE_MEMBER || path == MANIFEST_MEMBER {
        return true;
    }
    let Some(rest) = path.strip_prefix("objects/") else {
        return false;
    };
    !rest.is_empty()
        && !path.contains('\\')
        && !path.contains('\0')
        && rest.split('/').all(|part| !part.is_empty())
        && Path::new(rest)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_stay_inside_the_data_folder() {
        for ok in [
            "database/ampflux.db",
            "manifest.json",
            "objects/ab/cd",
            "objects/x.bin",
        ] {
            assert!(valid_member_path(ok), "{ok}");
        }
        for bad in [
            "objects/",
            "objects/../secret.key",
            "objects/a/../../x",
            "objects//x",
            "objects/./x",
            "/etc/passwd",
            "../x",
            "database/other.db",
            "secret.key",
            "objects/a\\b",
        ] {
            assert!(!valid_member_path(bad), "{bad}");
        }
    }
}
