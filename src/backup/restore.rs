//! `ampflux restore FILE` into an empty data folder.
//!
//! Two passes over the archive. The first writes nothing: it hashes every member and compares
//! the whole list with the manifest (a damaged or altered archive stops here). The second
//! extracts into a staging folder beside the target, hashing again (the file could have changed
//! in between), checks the database with `PRAGMA quick_check`, and only then moves the files
//! into place. Any failure removes what this restore wrote.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::{
    BackupError, DATABASE_MEMBER, FORMAT, FORMAT_VERSION, Hashing, MANIFEST_MEMBER,
    MAX_MANIFEST_BYTES, Manifest, Member, OBJECTS, io_at, sqlite_online, valid_member_path,
};
use crate::config::Config;
use crate::db::{BackendKind, DbTarget};

#[derive(Debug)]
pub struct RestoreSummary {
    pub database: PathBuf,
    pub manifest: Manifest,
    pub objects: usize,
}

type Archive = tar::Archive<GzDecoder<BufReader<File>>>;

fn bad(e: impl std::fmt::Display) -> BackupError {
    BackupError::BadArchive(e.to_string())
}

fn open_archive(path: &Path) -> Result<Archive, BackupError> {
    let file = File::open(path).map_err(io_at(path))?;
    Ok(tar::Archive::new(GzDecoder::new(BufReader::new(file))))
}

/// Reads the compressed stream to its end, so that gzip's own length and CRC check runs.
fn drain(archive: Archive) -> Result<(), BackupError> {
    let mut rest = archive.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(bad)?;
    Ok(())
}

/// A member's name, checked: a regular file the format knows, inside the data folder.
fn member_name(entry: &tar::Entry<'_, GzDecoder<BufReader<File>>>) -> Result<String, BackupError> {
    let path = entry.path().map_err(bad)?;
    let name = path
        .to_str()
        .ok_or_else(|| bad("a member's name is not UTF-8"))?
        .to_string();
    if entry.header().entry_type() != tar::EntryType::Regular || !valid_member_path(&name) {
        return Err(bad(format!("unexpected member {name:?}")));
    }
    Ok(name)
}

/// Pass one: every member hashed and compared with the manifest. Writes nothing.
fn verify(path: &Path) -> Result<Manifest, BackupError> {
    let mut archive = open_archive(path)?;
    let mut found: Vec<Member> = Vec::new();
    let mut manifest_json: Option<Vec<u8>> = None;
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let name = member_name(&entry)?;
        if name == MANIFEST_MEMBER {
            if manifest_json.is_some() {
                return Err(bad("two manifests"));
            }
            let mut json = Vec::new();
            entry
                .take(MAX_MANIFEST_BYTES)
                .read_to_end(&mut json)
                .map_err(bad)?;
            manifest_json = Some(json);
            continue;
        }
        if manifest_json.is_some() {
            return Err(bad(format!("{name} follows the manifest")));
        }
        let mut reader = Hashing::new(entry);
        std::io::copy(&mut reader, &mut std::io::sink()).map_err(bad)?;
        let (size, sha256) = reader.finish();
        found.push(Member {
            path: name,
            size,
            sha256,
        });
    }
    drain(archive)?;
    let json = manifest_json.ok_or_else(|| bad("no manifest.json"))?;
    let manifest: Manifest =
        serde_json::from_slice(&json).map_err(|e| bad(format!("manifest.json: {e}")))?;
    if manifest.format != FORMAT
        || manifest.format_version != FORMAT_VERSION
        || manifest.database != "sqlite"
    {
        return Err(bad(format!(
            "format {} version {} of a {} database (this AmpFlux reads {FORMAT} version \
             {FORMAT_VERSION} of an sqlite database)",
            manifest.format, manifest.format_version, manifest.database
        )));
    }
    let mut listed = manifest.members.clone();
    listed.sort_by(|a, b| a.path.cmp(&b.path));
    found.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(w) = found.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(bad(format!("{} appears twice", w[0].path)));
    }
    for member in &listed {
        match found.iter().find(|f| f.path == member.path) {
            None => return Err(bad(format!("{} is missing", member.path))),
            Some(f) if f.size != member.size || f.sha256 != member.sha256 => {
                return Err(bad(format!(
                    "{}: checksum mismatch (the manifest says {} bytes, SHA-256 {}; the archive \
                     holds {} bytes, SHA-256 {})",
                    member.path, member.size, member.sha256, f.size, f.sha256
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = found
        .iter()
        .find(|f| !listed.iter().any(|m| m.path == f.path))
    {
        return Err(bad(format!("{} is not in the manifest", extra.path)));
    }
    if !listed.iter().any(|m| m.path == DATABASE_MEMBER) {
        return Err(bad("the archive holds no database"));
    }
    if let Some(known) = crate::db::latest_sqlite_migration()
        && manifest.schema_version > known
    {
        return Err(BackupError::NewerSchema {
            backup: manifest.schema_version.clone(),
            known,
            app_version: manifest.app_version.clone(),
        });
    }
    Ok(manifest)
}

/// What a restore wrote so far, undone on drop unless the restore completed.
struct Undo {
    done: bool,
    staging: PathBuf,
    staged_db: PathBuf,
    /// Folders this restore created (removed when empty), innermost last.
    created_dirs: Vec<PathBuf>,
    /// Objects moved into place before the database.
    moved_objects: Option<PathBuf>,
}

impl Drop for Undo {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        let _ = std::fs::remove_file(&self.staged_db);
        if let Some(objects) = &self.moved_objects {
            let _ = std::fs::remove_dir_all(objects);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Creates `dir` and its missing parents, noting each one created in `created`.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), BackupError> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        std::fs::create_dir(&d).map_err(io_at(&d))?;
        created.push(d);
    }
    Ok(())
}

/// Whether `dir` holds anything (a missing folder holds nothing).
fn has_entries(dir: &Path) -> Result<bool, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_at(dir)(e)),
    }
}

/// Restores the archive at `path` into the empty data folder (and database file) that
/// `config` names.
pub fn restore(config: &Config, path: &Path) -> Result<RestoreSummary, BackupError> {
    let target = DbTarget::parse(config.database_url.expose())?;
    if target.kind == BackendKind::Postgres {
        return Err(BackupError::Postgres);
    }
    let db_path = target
        .sqlite_path()
        .ok_or(BackupError::NotAFile("restore"))?
        .to_path_buf();
    let data_dir = config.data_dir.clone();
    if data_dir.exists() && !data_dir.is_dir() {
        return Err(BackupError::DataDirNotEmpty(data_dir.display().to_string()));
    }
    if has_entries(&data_dir)? {
        return Err(BackupError::DataDirNotEmpty(data_dir.display().to_string()));
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = db_path.clone().into_os_string();
        p.push(suffix);
        if Path::new(&p).exists() {
            return Err(BackupError::DatabaseExists(db_path.display().to_string()));
        }
    }
    if !path.is_file() {
        return Err(io_at(path)(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such backup file",
        )));
    }

    // Pass one: nothing is written unless the whole archive matches its manifest.
    let manifest = verify(path)?;

    let token = crate::util::random_token(6);
    let db_dir = match db_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let db_name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ampflux.db".into());
    let mut undo = Undo {
        done: false,
        staging: data_dir.join(format!(".restore-{token}")),
        staged_db: db_dir.join(format!(".{db_name}.restore-{token}")),
        created_dirs: Vec::new(),
        moved_objects: None,
    };
    create_dirs(&data_dir, &mut undo.created_dirs)?;
    create_dirs(&db_dir, &mut undo.created_dirs)?;
    std::fs::create_dir(&undo.staging).map_err(io_at(&undo.staging))?;

    // Pass two: extract, hashing again.
    let mut archive = open_archive(path)?;
    let mut written = 0;
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        let name = member_name(&entry)?;
        if name == MANIFEST_MEMBER {
            continue;
        }
        let expected = manifest
            .members
            .iter()
            .find(|m| m.path == name)
            .ok_or_else(|| bad(format!("{name} is not in the manifest")))?;
        let out_path = if name == DATABASE_MEMBER {
            undo.staged_db.clone()
        } else {
            let out = undo.staging.join(&name);
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            out
        };
        let mut out = new_private_file(&out_path)?;
        let mut reader = Hashing::new(entry);
        std::io::copy(&mut reader, &mut out).map_err(io_at(&out_path))?;
        out.sync_all().map_err(io_at(&out_path))?;
        let (size, sha256) = reader.finish();
        if size != expected.size || sha256 != expected.sha256 {
            return Err(bad(format!("{name} changed while it was being restored")));
        }
        written += 1;
    }
    drain(archive)?;
    if written != manifest.members.len() {
        return Err(bad("the archive changed while it was being restored"));
    }
    sqlite_online::quick_check(&undo.staged_db)?;

    // Into place: the objects, then the database (its appearance completes the restore).
    let staged_objects = undo.staging.join(OBJECTS);
    if staged_objects.exists() {
        let objects = data_dir.join(OBJECTS);
        std::fs::rename(&staged_objects, &objects).map_err(io_at(&objects))?;
        undo.moved_objects = Some(objects);
    }
    std::fs::hard_link(&undo.staged_db, &db_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            BackupError::DatabaseExists(db_path.display().to_string())
        }
        _ => io_at(&db_path)(e),
    })?;
    undo.done = true;
    let _ = std::fs::remove_file(&undo.staged_db);
    let _ = std::fs::remove_dir_all(&undo.staging);
    Ok(RestoreSummary {
        database: db_path,
        objects: manifest.members.len() - 1,
        manifest,
    })
}

/// A new file readable by its owner only (the database holds password hashes).
fn new_private_file(path: &Path) -> Result<File, BackupError> {
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io_at(path))
}
