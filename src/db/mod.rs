//! Database access: one connection type over PostgreSQL and SQLite chosen at run time, an r2d2
//! pool whose manager reports each backend's own connection error, the embedded migrations and
//! the write-transaction helper.

pub mod json;
pub mod loose_scan;
pub mod schema;

use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either database. Queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "DATABASE_URL: unsupported scheme {0:?} (use postgres://, postgresql://, sqlite:// or a file path)"
    )]
    UnsupportedScheme(String),
    #[error("DATABASE_URL: the SQLite URL names no file (use sqlite://path/to/file.db)")]
    EmptySqlitePath,
    #[error("cannot create the folder {path} for the SQLite database: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{0} does not exist (or AmpFlux never set it up): nothing to read; check AMPFLUX_DATA_DIR or DATABASE_URL (`ampflux migrate` creates a new database)"
    )]
    Missing(String),
    #[error("cannot connect to {target}: {message}")]
    Connect { target: String, message: String },
    #[error("database migrations failed on {target}: {message}")]
    Migrate { target: String, message: String },
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    Postgres,
    Sqlite,
}

/// Where to connect, parsed from `DATABASE_URL`.
#[derive(Clone, Debug)]
pub struct DbTarget {
    pub kind: BackendKind,
    /// The string handed to the driver.
    connect: String,
}

impl DbTarget {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget {
                kind: BackendKind::Postgres,
                connect: url.to_string(),
            });
        }
        if url.is_empty() || url == "sqlite://" || url.starts_with("sqlite://?") {
            return Err(DbError::EmptySqlitePath);
        }
        let connect = if let Some(rest) = url.strip_prefix("sqlite://") {
            // `sqlite://name?mode=memory&cache=shared` becomes an SQLite URI filename.
            if rest.contains('?') {
                format!("file:{rest}")
            } else {
                rest.to_string()
            }
        } else if let Some((scheme, _)) = url.split_once("://") {
            return Err(DbError::UnsupportedScheme(scheme.to_string()));
        } else {
            url.to_string()
        };
        Ok(DbTarget {
            kind: BackendKind::Sqlite,
            connect,
        })
    }

    /// A description safe for logs and messages: the password of a PostgreSQL URL is hidden.
    pub fn describe(&self) -> String {
        match self.kind {
            BackendKind::Sqlite => format!("SQLite database {}", self.connect),
            BackendKind::Postgres => format!("PostgreSQL at {}", redact_password(&self.connect)),
        }
    }

    /// The file of a file-backed SQLite database (`None` for PostgreSQL, an in-memory
    /// database or an SQLite URI filename).
    pub fn sqlite_path(&self) -> Option<&Path> {
        (self.kind == BackendKind::Sqlite
            && self.connect != ":memory:"
            && !self.connect.starts_with("file:"))
        .then(|| Path::new(&self.connect))
    }

    /// Creates the folder that will hold an SQLite file, if it is missing.
    fn prepare(&self) -> Result<(), DbError> {
        if self.kind != BackendKind::Sqlite || self.connect.starts_with("file:") {
            return Ok(());
        }
        if self.connect == ":memory:" {
            return Ok(());
        }
        match Path::new(&self.connect).parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => {
                std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })
            }
            _ => Ok(()),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens connections for the pool; each backend returns its own error message.
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    target: DbTarget,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.target.kind {
            BackendKind::Postgres => diesel::PgConnection::establish(&self.target.connect)
                .map(DbConn::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            BackendKind::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.target.connect)
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the single writer; the busy timeout makes a
                // second writer wait instead of failing; foreign keys are off by default.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// Connects once (so a wrong URL, host or password is reported with the driver's own words),
/// applies pending migrations and builds the pool.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
    let target = DbTarget::parse(url)?;
    target.prepare()?;
    let manager = ConnectionManager {
        target: target.clone(),
    };
    let mut first = manager.connect().map_err(|e| DbError::Connect {
        target: target.describe(),
        message: one_line(&e.to_string()),
    })?;
    run_migrations(&mut first).map_err(|message| DbError::Migrate {
        target: target.describe(),
        message,
    })?;
    if let Err(e) = refresh_statistics(&mut first) {
        tracing::warn!(error = %e, "could not refresh the query planner's statistics");
    }
    // A PostgreSQL connection can die with its server; check it on each checkout. A SQLite
    // connection is a file handle that does not break, and the check would cost a statement
    // on every request.
    let test_on_check_out = first.kind() == BackendKind::Postgres;
    drop(first);
    Ok(r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(test_on_check_out)
        .build_unchecked(manager))
}

/// Like [`connect`], for commands that only read or change what exists (`audit verify`,
/// `admin reset-password` ...): a missing SQLite file, or a database that AmpFlux never set up
/// (no migrations table), is refused as [`DbError::Missing`], and no file or folder is created.
/// An existing database gets its pending migrations, as at start-up.
pub fn connect_existing(url: &str, max_size: u32) -> Result<Pool, DbError> {
    let target = DbTarget::parse(url)?;
    let connect_error = |message: String| DbError::Connect {
        target: target.describe(),
        message: one_line(&message),
    };
    let mut first = match target.sqlite_path() {
        Some(path) => {
            if !path.is_file() {
                return Err(DbError::Missing(target.describe()));
            }
            // Read-only for the check: the pool's set-up (WAL mode) would write to a file
            // that may not be a database at all.
            let uri = format!("file:{}?mode=ro", sqlite_uri_path(path));
            diesel::SqliteConnection::establish(&uri)
                .map(DbConn::Sqlite)
                .map_err(|e| connect_error(e.to_string()))?
        }
        None => ConnectionManager {
            target: target.clone(),
        }
        .connect()
        .map_err(|e| connect_error(e.to_string()))?,
    };
    if !has_migrations_table(&mut first)? {
        return Err(DbError::Missing(target.describe()));
    }
    drop(first);
    connect(url, max_size)
}

/// A file path as the path part of an SQLite URI filename (`%`, `?` and `#` escaped).
fn sqlite_uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Whether Diesel's migrations table exists (the database was set up by AmpFlux).
fn has_migrations_table(conn: &mut DbConn) -> Result<bool, DbError> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = match conn.kind() {
        BackendKind::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master \
             WHERE type = 'table' AND name = '__diesel_schema_migrations'"
        }
        BackendKind::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_tables \
             WHERE tablename = '__diesel_schema_migrations' AND schemaname = current_schema()"
        }
    };
    let found: Vec<Found> = diesel::sql_query(sql).load(conn)?;
    Ok(found.first().is_some_and(|f| f.n > 0))
}

/// The newest SQLite migration this build knows (its version, e.g. "2026-11-30-000000"):
/// the schema version a backup records, and the newest one a restore accepts.
pub fn latest_sqlite_migration() -> Option<String> {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .ok()?
        .iter()
        .map(|m| m.name().version().to_string())
        .max()
}

/// Applies the migration set of the connection's backend; returns the versions applied.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    };
    applied
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| one_line(&e.to_string()))
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keeps SQLite's query planner statistics current (PostgreSQL's autovacuum does this on its
/// own): `PRAGMA optimize` analyses the tables that have none or have grown or shrunk tenfold
/// since, in full (`analysis_limit = 0`: the sampled default misjudges a large table's
/// indexes). Without statistics SQLite may read a rare filter of a 1,000,000-row audit trail
/// through the wrong index (150 ms instead of 2; docs/PERFORMANCE.md). Run at start-up and
/// hourly; a full analysis of that trail takes about a second.
pub fn refresh_statistics(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => {
            c.batch_execute("PRAGMA analysis_limit = 0; PRAGMA optimize = 0x10002;")
        }
        DbConn::Postgres(_) => Ok(()),
    }
}

/// Runs `f` (reads) with PostgreSQL planning every statement for its actual values. Diesel
/// keeps prepared statements, and after five runs PostgreSQL may settle on a generic plan
/// that cannot see how rare a value is: a filtered page of a large audit trail then reads the
/// wrong index (130 ms instead of 5; docs/PERFORMANCE.md). Planning costs well under a
/// millisecond. SQLite plans each statement anew with its statistics anyway.
pub fn with_custom_plans<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> QueryResult<T>,
) -> QueryResult<T> {
    match conn.kind() {
        BackendKind::Sqlite => f(conn),
        BackendKind::Postgres => conn.transaction(|conn| {
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(conn)?;
            f(conn)
        }),
    }
}

impl DbConn {
    pub fn kind(&self) -> BackendKind {
        match self {
            DbConn::Postgres(_) => BackendKind::Postgres,
            DbConn::Sqlite(_) => BackendKind::Sqlite,
        }
    }
}

/// The row a unique key selects (at most one). Hot lookups use this instead of `.first()`:
/// Diesel's `MultiConnection` cannot cache a statement with LIMIT, and preparing it again on
/// every request costs several times the query itself (about 25 µs against 5 µs on SQLite).
pub fn unique_row<T>(rows: QueryResult<Vec<T>>) -> QueryResult<Option<T>> {
    rows.map(|r| r.into_iter().next())
}

/// Runs `f` in a transaction that writes. On SQLite it starts with `BEGIN IMMEDIATE`, so the
/// write lock is taken up front: a transaction that reads and then writes can otherwise fail
/// with SQLITE_BUSY when another writer committed in between.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Postgres(_) => conn.transaction(f),
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(e) => {
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(e)
                }
            }
        }
    }
}

/// Whether the database answers: a connection from the pool within `timeout`, and a query.
/// The reason is for the log (it may name the database's error, never a password).
pub fn ping(pool: &Pool, timeout: std::time::Duration) -> Result<(), String> {
    let mut conn = pool
        .get_timeout(timeout)
        .map_err(|e| format!("cannot get a database connection: {e}"))?;
    conn.batch_execute("SELECT 1")
        .map_err(|e| format!("database query failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            DbTarget::parse("postgres://u@h/db").unwrap().kind,
            BackendKind::Postgres
        );
        assert_eq!(
            DbTarget::parse("postgresql://u@h/db").unwrap().kind,
            BackendKind::Postgres
        );
        let t = DbTarget::parse("sqlite://data/x.db").unwrap();
        assert_eq!(
            (t.kind, t.connect.as_str()),
            (BackendKind::Sqlite, "data/x.db")
        );
        let t = DbTarget::parse("sqlite://m?mode=memory&cache=shared").unwrap();
        assert_eq!(t.connect, "file:m?mode=memory&cache=shared");
        assert_eq!(DbTarget::parse("./a.db").unwrap().kind, BackendKind::Sqlite);
        assert!(matches!(
            DbTarget::parse("sqlite://"),
            Err(DbError::EmptySqlitePath)
        ));
        assert!(matches!(
            DbTarget::parse("mysql://x"),
            Err(DbError::UnsupportedScheme(s)) if s == "mysql"
        ));
    }

    #[test]
    fn hides_passwords() {
        let t = DbTarget::parse("postgres://app:s3cret@db:5432/amp").unwrap();
        assert_eq!(t.describe(), "PostgreSQL at postgres://app:***@db:5432/amp");
        assert!(!t.describe().contains("s3cret"));
    }
}
