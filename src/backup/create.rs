//! `ampflux backup FILE`: the database first (one consistent snapshot), then the object folder.
//!
//! Order: an object is complete before a row refers to it (DESIGN.md section 6), so every
//! object the snapshot refers to exists when the folder is copied afterwards; objects created
//! meanwhile are copied too, unreferenced and harmless.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::{
    BackupError, DATABASE_MEMBER, FORMAT, FORMAT_VERSION, Hashing, MANIFEST_MEMBER, Manifest,
    Member, OBJECTS, io_at, sqlite_online,
};
use crate::config::Config;
use crate::db::{BackendKind, DbTarget};

#[derive(Debug)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub manifest: Manifest,
    pub objects: usize,
    pub object_bytes: u64,
}

/// Files removed on drop: a failed backup leaves nothing behind.
struct Scratch(Vec<PathBuf>);

impl Drop for Scratch {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Writes the backup archive `file` (which must not exist) of the database and object folder
/// that `config` names.
pub fn backup(config: &Config, file: &Path) -> Result<BackupSummary, BackupError> {
    let target = DbTarget::parse(config.database_url.expose())?;
    if target.kind == BackendKind::Postgres {
        return Err(BackupError::Postgres);
    }
    let source = target
        .sqlite_path()
        .ok_or(BackupError::NotAFile("backup"))?;
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source.display().to_string()));
    }
    if file.exists() {
        return Err(BackupError::TargetExists(file.display().to_string()));
    }
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(io_at(&dir)(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such folder for the backup file",
        )));
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let token = crate::util::random_token(6);
    let partial = dir.join(format!(".{name}.partial-{token}"));
    let db_copy = dir.join(format!(".{name}.db-{token}"));
    let scratch = Scratch(vec![
        partial.clone(),
        db_copy.clone(),
        // SQLite's journal of the copy, if a failure leaves one.
        dir.join(format!(".{name}.db-{token}-journal")),
    ]);

    sqlite_online::copy_database(source, &db_copy)?;
    sqlite_online::quick_check(&db_copy)?;
    let (schema_version, audit_entries) = describe_copy(&db_copy)?;

    // Owner-only: the archive holds the database (password hashes, sealed secrets).
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let out = options.open(&partial).map_err(io_at(&partial))?;
    let gz = GzEncoder::new(BufWriter::new(out), Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let now = chrono::Utc::now();
    let mtime = u64::try_from(now.timestamp()).unwrap_or(0);
    let mut members = Vec::new();

    members.push(append_file(&mut tar, &db_copy, DATABASE_MEMBER, mtime)?);
    let objects_dir = config.data_dir.join(OBJECTS);
    let mut object_bytes = 0;
    let objects = object_files(&objects_dir)?;
    for (relative, path) in &objects {
        let member = append_file(&mut tar, path, &format!("{OBJECTS}/{relative}"), mtime)?;
        object_bytes += member.size;
        members.push(member);
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        database: "sqlite".into(),
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        audit_entries,
        members,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Io {
        path: MANIFEST_MEMBER.into(),
        source: std::io::Error::other(e),
    })?;
    let mut header = header(json.len() as u64, mtime);
    tar.append_data(&mut header, MANIFEST_MEMBER, json.as_slice())
        .map_err(io_at(&partial))?;
    let finished = tar
        .into_inner()
        .and_then(|gz| gz.finish())
        .and_then(|buf| buf.into_inner().map_err(|e| e.into_error()))
        .and_then(|f| f.sync_all());
    finished.map_err(io_at(&partial))?;
    // The archive appears under its name only when complete; never over an existing file.
    std::fs::hard_link(&partial, file).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => BackupError::TargetExists(file.display().to_string()),
        _ => io_at(file)(e),
    })?;
    // The scratch files go (the archive's temporary name with them: `file` links to it).
    drop(scratch);
    Ok(BackupSummary {
        file: file.to_path_buf(),
        manifest,
        objects: objects.len(),
        object_bytes,
    })
}

fn header(size: u64, mtime: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    header
}

/// Appends the file at `path` as `member`, hashing what is written; refuses a file that
/// changed size meanwhile.
fn append_file<W: std::io::Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    member: &str,
    mtime: u64,
) -> Result<Member, BackupError> {
    let file = File::open(path).map_err(io_at(path))?;
    let size = file.metadata().map_err(io_at(path))?.len();
    let mut reader = Hashing::new(file.take(size));
    let mut header = header(size, mtime);
    tar.append_data(&mut header, member, &mut reader)
        .map_err(io_at(path))?;
    let (bytes, sha256) = reader.finish();
    if bytes != size {
        return Err(BackupError::ChangedDuringCopy(path.display().to_string()));
    }
    Ok(Member {
        path: member.to_string(),
        size,
        sha256,
    })
}

/// The regular files under `dir` (none when it does not exist), as (relative path with `/`,
/// full path), sorted. Symbolic links and other special files are skipped with a warning.
fn object_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, BackupError> {
    let mut found = Vec::new();
    if !dir.exists() {
        return Ok(found);
    }
    let mut pending = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, folder)) = pending.pop() {
        let mut entries = std::fs::read_dir(&folder)
            .map_err(io_at(&folder))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io_at(&folder))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                tracing::warn!(path = %path.display(), "skipped: the name is not UTF-8");
                continue;
            };
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(io_at(&path))?;
            if kind.is_dir() {
                pending.push((relative, path));
            } else if kind.is_file() {
                found.push((relative, path));
            } else {
                tracing::warn!(path = %path.display(), "skipped: not a regular file");
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The copy's newest applied migration and its number of audit entries.
fn describe_copy(path: &Path) -> Result<(String, u64), BackupError> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        v: Option<String>,
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let shown = path.display().to_string();
    let db_err = |e: diesel::result::Error| BackupError::NoDatabase(format!("{shown} ({e})"));
    let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| {
        BackupError::Io {
            path: shown.clone(),
            source: std::io::Error::other(e),
        }
    })?;
    let version: Vec<Version> =
        diesel::sql_query("SELECT MAX(version) AS v FROM __diesel_schema_migrations")
            .load(&mut conn)
            .map_err(db_err)?;
    let count: Vec<Count> = diesel::sql_query("SELECT COUNT(*) AS n FROM audit_logs")
        .load(&mut conn)
        .map_err(db_err)?;
    Ok((
        version
            .into_iter()
            .next()
            .and_then(|v| v.v)
            .unwrap_or_default(),
        count.first().map_or(0, |c| u64::try_from(c.n).unwrap_or(0)),
    ))
}
