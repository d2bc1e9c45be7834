//! SQLite's online backup API (`sqlite3_backup_init/step/finish`) through libsqlite3-sys.
//!
//! Diesel's `SqliteConnection` does not hand out its `sqlite3*` handle, so this module opens
//! two connections of its own: the live database read-only (never created: a missing file is an
//! error) and the copy. All the `unsafe` of the backup code is here, each call commented.
//!
//! Why one `sqlite3_backup_step(-1)`: it copies every page inside a single read transaction.
//! In WAL mode (the app's mode) a reader does not block the writers of the running server, and
//! the copy is the database as of that transaction's start: consistent, whatever is written
//! meanwhile. Copying a few pages per step instead would restart the copy after every write
//! of another process, and might never finish under steady writes.

use std::ffi::{CStr, CString, c_int};
use std::path::Path;
use std::time::Duration;

use libsqlite3_sys as ffi;

#[derive(Debug, thiserror::Error)]
pub enum SqliteCopyError {
    #[error("the path {0} is not valid UTF-8 without NUL bytes")]
    BadPath(String),
    #[error("cannot open {path}: {message}")]
    Open { path: String, message: String },
    #[error("the online backup of {path} failed: {message}")]
    Backup { path: String, message: String },
    #[error("{path}: {message}")]
    Statement { path: String, message: String },
}

/// One raw connection, closed on drop.
struct RawDb {
    handle: *mut ffi::sqlite3,
    path: String,
}

impl RawDb {
    fn open(path: &Path, flags: c_int) -> Result<RawDb, SqliteCopyError> {
        let shown = path.display().to_string();
        let c_path = path
            .to_str()
            .and_then(|p| CString::new(p).ok())
            .ok_or_else(|| SqliteCopyError::BadPath(shown.clone()))?;
        let mut handle: *mut ffi::sqlite3 = std::ptr::null_mut();
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call; `handle`
        // is a valid out-pointer. A null VFS name selects the default VFS.
        let rc =
            unsafe { ffi::sqlite3_open_v2(c_path.as_ptr(), &mut handle, flags, std::ptr::null()) };
        // Even on failure SQLite usually allocates a handle (to carry the message): wrap it
        // first so that it is closed either way.
        let db = RawDb {
            handle,
            path: shown,
        };
        if rc != ffi::SQLITE_OK {
            return Err(SqliteCopyError::Open {
                path: db.path.clone(),
                message: db.message(rc),
            });
        }
        // SAFETY: the handle is open. The busy handler makes SQLite wait (up to 10 s) for a
        // lock that a writer holds for a moment instead of failing at once.
        unsafe { ffi::sqlite3_busy_timeout(db.handle, 10_000) };
        Ok(db)
    }

    /// The connection's last error message, or the generic text of `rc`.
    fn message(&self, rc: c_int) -> String {
        // SAFETY: sqlite3_errmsg accepts an open handle and returns a NUL-terminated string
        // owned by SQLite, valid until the next call on this handle; we copy it at once.
        // sqlite3_errstr returns a static string for any code.
        unsafe {
            let ptr = if self.handle.is_null() {
                ffi::sqlite3_errstr(rc)
            } else {
                ffi::sqlite3_errmsg(self.handle)
            };
            if ptr.is_null() {
                format!("SQLite error {rc}")
            } else {
                CStr::from_ptr(ptr).to_string_lossy().into_owned()
            }
        }
    }

    /// Runs SQL that returns no rows that matter.
    fn exec(&self, sql: &str) -> Result<(), SqliteCopyError> {
        let statement = |message: String| SqliteCopyError::Statement {
            path: self.path.clone(),
            message,
        };
        let c_sql = CString::new(sql).map_err(|e| statement(e.to_string()))?;
        // SAFETY: the handle is open, `c_sql` is NUL-terminated; no callback, so no callback
        // argument and no error-message buffer to free (we read sqlite3_errmsg instead).
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.handle,
                c_sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(statement(format!("{sql}: {}", self.message(rc))))
        }
    }
}

impl Drop for RawDb {
    fn drop(&mut self) {
        // SAFETY: the handle came from sqlite3_open_v2 and is closed exactly once here;
        // sqlite3_close accepts a null pointer. It would fail (SQLITE_BUSY) with unfinished
        // statements or backups, but none of ours outlives its function: each is finalized
        // or finished before the connection is dropped.
        unsafe { ffi::sqlite3_close(self.handle) };
    }
}

/// Copies the live database at `source` into a new file `dest` (which must not exist) with the
/// online backup API, then turns the copy into a self-contained rollback-journal file (no
/// `-wal` beside it). `source` is opened read-only and never created.
pub fn copy_database(source: &Path, dest: &Path) -> Result<(), SqliteCopyError> {
    let src = RawDb::open(source, ffi::SQLITE_OPEN_READONLY)?;
    // The copy must be a new file (SQLITE_OPEN_EXCLUSIVE does not ensure that through
    // sqlite3_open_v2), readable by its owner only: it holds password hashes. An empty file is
    // an empty database to SQLite.
    let mut options = std::fs::File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(dest).map_err(|e| SqliteCopyError::Open {
        path: dest.display().to_string(),
        message: e.to_string(),
    })?;
    let dst = RawDb::open(dest, ffi::SQLITE_OPEN_READWRITE)?;
    let main = c"main";
    let failed = |message: String| SqliteCopyError::Backup {
        path: src.path.clone(),
        message,
    };
    // SAFETY: both handles are open and distinct; the schema names are NUL-terminated
    // statics. On failure the error is left on the destination handle.
    let backup =
        unsafe { ffi::sqlite3_backup_init(dst.handle, main.as_ptr(), src.handle, main.as_ptr()) };
    if backup.is_null() {
        return Err(failed(dst.message(ffi::SQLITE_ERROR)));
    }
    let mut attempts = 0;
    let rc = loop {
        // SAFETY: `backup` is the live object from sqlite3_backup_init, not yet finished.
        // -1 copies all remaining pages in one step (see the module comment).
        let rc = unsafe { ffi::sqlite3_backup_step(backup, -1) };
        match rc {
            // The source was locked beyond the busy timeout (a checkpoint or a writer of a
            // rollback-journal database): wait and try again, a bounded number of times.
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED if attempts < 50 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            rc => break rc,
        }
    };
    // SAFETY: finishes (and frees) the backup object exactly once; it must not be used after.
    let finish_rc = unsafe { ffi::sqlite3_backup_finish(backup) };
    if rc != ffi::SQLITE_DONE {
        return Err(failed(format!(
            "step: {} ({})",
            dst.message(rc),
            src.message(rc)
        )));
    }
    if finish_rc != ffi::SQLITE_OK {
        return Err(failed(format!("finish: {}", dst.message(finish_rc))));
    }
    // The copy carries the source's WAL flag; keep it as one file.
    dst.exec("PRAGMA journal_mode = DELETE")?;
    Ok(())
}

/// Runs `PRAGMA quick_check` on the database file at `path` (opened read-only): Ok when it
/// reports "ok", else the first problem.
pub fn quick_check(path: &Path) -> Result<(), SqliteCopyError> {
    let db = RawDb::open(path, ffi::SQLITE_OPEN_READONLY)?;
    let statement = |message: String| SqliteCopyError::Statement {
        path: db.path.clone(),
        message,
    };
    let sql = c"PRAGMA quick_check(1)";
    let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
    // SAFETY: the handle is open, `sql` is NUL-terminated (-1: read to the NUL), `stmt` is a
    // valid out-pointer; no tail pointer wanted.
    let rc = unsafe {
        ffi::sqlite3_prepare_v2(db.handle, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut())
    };
    if rc != ffi::SQLITE_OK {
        return Err(statement(format!("quick_check: {}", db.message(rc))));
    }
    // SAFETY: `stmt` is the prepared statement; the text column pointer is read before the
    // statement is stepped again or finalized, and copied at once.
    let result = unsafe {
        match ffi::sqlite3_step(stmt) {
            ffi::SQLITE_ROW => {
                let text = ffi::sqlite3_column_text(stmt, 0);
                if text.is_null() {
                    Err("no result".to_string())
                } else {
                    Ok(CStr::from_ptr(text.cast()).to_string_lossy().into_owned())
                }
            }
            rc => Err(db.message(rc)),
        }
    };
    // SAFETY: finalizes the statement exactly once, after its last use.
    unsafe { ffi::sqlite3_finalize(stmt) };
    match result {
        Ok(text) if text == "ok" => Ok(()),
        Ok(text) => Err(statement(format!("the database is damaged: {text}"))),
        Err(message) => Err(statement(format!("quick_check: {message}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_a_database_and_creates_nothing_from_a_missing_one() {
        let dir =
            std::env::temp_dir().join(format!("ampflux-online-{}", crate::util::random_token(4)));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.db");
        let err = copy_database(&missing, &dir.join("copy.db")).unwrap_err();
        assert!(matches!(err, SqliteCopyError::Open { .. }), "{err}");
        assert!(!missing.exists(), "the source is never created");

        let source = dir.join("source.db");
        let db = RawDb::open(
            &source,
            ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
        )
        .unwrap();
        db.exec(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); \
             INSERT INTO t VALUES (1), (2), (3);",
        )
        .unwrap();
        let copy = dir.join("copy.db");
        copy_database(&source, &copy).unwrap();
        quick_check(&copy).unwrap();
        assert!(!dir.join("copy.db-wal").exists(), "one self-contained file");
        // The destination must be new.
        let again = copy_database(&source, &copy).unwrap_err();
        assert!(matches!(again, SqliteCopyError::Open { .. }), "{again}");
        drop(db);
        std::fs::write(
            dir.join("junk.db"),
            b"not a database at all, just some bytes",
        )
        .unwrap();
        assert!(quick_check(&dir.join("junk.db")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
