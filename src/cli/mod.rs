//! The `ampflux` command line: `serve` (default), `migrate`, `admin`, `audit verify`, `backup`,
//! `restore`, `sc`.

pub mod sc;

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{self, StartError};
use crate::config::Config;
use crate::db;
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::signup::{self, NewAccount};
use crate::ops::accounts::{self, password_reset};
use crate::ops::input::{valid_email, valid_username};

#[derive(Parser)]
#[command(
    name = "ampflux",
    version,
    about = "AmpFlux: IEC 60909 short-circuit studies, multi-tenant web application"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administer accounts from the shell. Passwords are read from standard input or a prompt.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy the running SQLite database and the object folder into one archive (FILE, a new
    /// .tar.gz). For PostgreSQL use pg_dump (README, "Backups").
    Backup { file: std::path::PathBuf },
    /// Restore an archive of `ampflux backup` into an empty data folder.
    Restore { file: std::path::PathBuf },
    /// IEC 60909 short-circuit calculation of a circuit or pandapower file.
    Sc(sc::ScArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform admin (with an organisation of their own).
    CreatePlatformAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "Platform operations")]
        organisation: String,
    },
    /// Set a new password for a user (by email or username) and end their sessions.
    ResetPassword {
        #[arg(long)]
        login: String,
    },
    /// Invite a person into a company (as the web page does: seats and license apply); the
    /// invitation mail is queued and sent by the server.
    Invite {
        /// The company's slug or code.
        #[arg(long)]
        company: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// company_admin, engineer or reviewer.
        #[arg(long)]
        role: String,
    },
    /// Deactivate a user (by username or email) and end their sessions at once.
    Deactivate {
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk every company's hash chain and name the first row that does not match.
    Verify {
        /// Only this company's chain.
        #[arg(long)]
        company: Option<i64>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => migrate(),
        Command::Admin(cmd) => admin(cmd),
        Command::Audit(AuditCommand::Verify { company }) => verify(company),
        Command::Backup { file } => backup(&file),
        Command::Restore { file } => restore(&file),
        // Pure computation: no configuration or database.
        Command::Sc(args) => Ok(sc::run(&args)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ampflux: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AMPFLUX_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn serve() -> Result<ExitCode, StartError> {
    let config = Config::from_env()?;
    let bind = config.bind.clone();
    let target = db::DbTarget::parse(config.database_url.expose())?.describe();
    let listener = app::bind(&bind)?;
    let prepared = app::prepare(config)?;
    tracing::info!(database = %target, "database ready");
    if let Some(link) = &prepared.setup_link {
        // The one secret that is meant for the log: without it nobody could sign in.
        tracing::warn!(
            "no platform admin exists yet; create one with this one-time link (valid 24 hours): {link}"
        );
        eprintln!("\n  Set up AmpFlux: open {link}\n");
    }
    tracing::info!(address = %bind, "serving");
    actix_web::rt::System::new()
        .block_on(async move {
            let server = prepared.serve(listener)?;
            server
                .await
                .map_err(|e| StartError::Other(format!("server stopped: {e}")))
        })
        .map(|()| ExitCode::SUCCESS)
}

fn migrate() -> Result<ExitCode, StartError> {
    let config = Config::from_env()?;
    let target = db::DbTarget::parse(config.database_url.expose())?.describe();
    // `connect` applies pending migrations before it returns the pool.
    db::connect(config.database_url.expose(), 1)?;
    println!("{target}: migrations are up to date");
    Ok(ExitCode::SUCCESS)
}

/// Reads a new password: twice at a prompt on a terminal, else one line of standard input.
fn read_new_password() -> Result<String, StartError> {
    let io = |e: std::io::Error| StartError::Other(format!("cannot read the password: {e}"));
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ").map_err(io)?;
        let second = rpassword::prompt_password("Repeat it: ").map_err(io)?;
        if first != second {
            return Err(StartError::Other("the two passwords differ".into()));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(io)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    Ok(password)
}

fn shell_meta() -> RequestMeta {
    RequestMeta {
        ip_address: None,
        user_agent: Some("ampflux admin (shell)".into()),
    }
}

/// A refused password is named as such; any other error as it is.
fn refused_password(e: OpError) -> StartError {
    match e {
        OpError::Invalid(errors) => match errors.get("password") {
            Some(m) => StartError::Other(format!("password refused: {m}")),
            None => StartError::Other(errors.summary()),
        },
        e => e.into(),
    }
}

fn admin(cmd: AdminCommand) -> Result<ExitCode, StartError> {
    let config = Config::from_env()?;
    // Only the first platform admin may start a new database; the other commands act on
    // what exists and refuse a missing database instead of creating an empty one.
    let pool = match cmd {
        AdminCommand::CreatePlatformAdmin { .. } => db::connect(config.database_url.expose(), 1)?,
        _ => db::connect_existing(config.database_url.expose(), 1)?,
    };
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Other(format!("database: {e}")))?;
    match cmd {
        AdminCommand::CreatePlatformAdmin {
            email,
            username,
            name,
            organisation,
        } => {
            let email = email.trim().to_lowercase();
            let username = username.trim().to_lowercase();
            let mut problems = Vec::new();
            if !valid_email(&email) {
                problems.push("--email is not a valid email address".to_string());
            }
            if !valid_username(&username) {
                problems.push(
                    "--username: use 3 to 40 letters, digits, dots, dashes or underscores"
                        .to_string(),
                );
            }
            let (username_taken, email_taken) = signup::taken(&mut conn, &username, &email)?;
            if email_taken {
                problems.push(format!("a user with email {email} exists"));
            }
            if username_taken {
                problems.push(format!("the username {username} is taken"));
            }
            if !problems.is_empty() {
                return Err(StartError::Other(problems.join("; ")));
            }
            let input = NewAccount {
                company_name: organisation.trim().to_string(),
                name: name.trim().to_string(),
                username,
                email,
                password: read_new_password()?,
            };
            let admin = signup::create_platform_admin(&mut conn, &shell_meta(), input)
                .map_err(refused_password)?;
            println!(
                "created platform admin {} <{}>",
                admin.username, admin.email
            );
            Ok(ExitCode::SUCCESS)
        }
        AdminCommand::ResetPassword { login } => {
            let Some(target) = accounts::find_by_login(&mut conn, &login)? else {
                return Err(StartError::Other(format!("no user {login:?}")));
            };
            let password = read_new_password()?;
            let ended =
                password_reset::reset_from_shell(&mut conn, &shell_meta(), &target, &password)
                    .map_err(refused_password)?;
            println!(
                "password of {} changed; {ended} session(s) ended",
                target.username
            );
            Ok(ExitCode::SUCCESS)
        }
        cmd @ (AdminCommand::Invite { .. } | AdminCommand::Deactivate { .. }) => {
            people(&mut conn, &config, cmd)
        }
    }
}

/// A refusal as the user reads it (field errors in one line).
fn refused(e: OpError) -> StartError {
    match e {
        OpError::Invalid(errors) => StartError::Other(errors.summary()),
        e @ (OpError::People(_) | OpError::ReadOnly { .. }) => StartError::Other(e.to_string()),
        e => e.into(),
    }
}

/// `admin invite` and `admin deactivate`: the operations of the people pages, acting as the
/// shell in the company concerned.
fn people(
    conn: &mut db::DbConn,
    config: &Config,
    cmd: AdminCommand,
) -> Result<ExitCode, StartError> {
    use crate::ops::admin::{invitations, user_changes};
    match cmd {
        AdminCommand::Invite {
            company,
            email,
            name,
            role,
        } => {
            let Some(found) = crate::ops::admin::users::find_company(conn, &company)? else {
                return Err(StartError::Other(format!("no company {company:?}")));
            };
            let actor = crate::ops::Actor::shell(conn, found.id, shell_meta())?;
            let input = invitations::InviteInput { email, name, role };
            let inv =
                invitations::invite(conn, &actor, &config.base_url, input).map_err(refused)?;
            println!("Invitation sent to {} (the mail is queued)", inv.email);
        }
        AdminCommand::Deactivate { user } => {
            let Some(target) = accounts::find_by_login(conn, &user)? else {
                return Err(StartError::Other(format!("no user {user:?}")));
            };
            let actor = crate::ops::Actor::shell(conn, target.company_id, shell_meta())?;
            let ended = user_changes::deactivate(conn, &actor, target.id).map_err(refused)?;
            println!("{} deactivated; {ended} session(s) ended", target.username);
        }
        _ => return Err(StartError::Other("not a people command".into())),
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(company: Option<i64>) -> Result<ExitCode, StartError> {
    let config = Config::from_env()?;
    let pool = db::connect_existing(config.database_url.expose(), 1)?;
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Other(format!("database: {e}")))?;
    let report = crate::ops::audit::verify(&mut conn, company)?;
    match report.first_broken {
        None => {
            println!(
                "audit trail intact: {} entries in {} companies checked",
                report.rows_checked, report.companies_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(b) => {
            println!(
                "audit trail BROKEN at entry {} (company {}): {}; {} entries checked",
                b.id, b.company_id, b.reason, report.rows_checked
            );
            Ok(ExitCode::from(3))
        }
    }
}

fn backup(file: &std::path::Path) -> Result<ExitCode, StartError> {
    let config = Config::from_env()?;
    let done =
        crate::backup::backup(&config, file).map_err(|e| StartError::Other(e.to_string()))?;
    let m = &done.manifest;
    println!(
        "backup written to {}: database (schema {}, {} audit entries), {} objects ({} bytes)",
        done.file.display(),
        m.schema_version,
        m.audit_entries,
        done.objects,
        done.object_bytes
    );
    Ok(ExitCode::SUCCESS)
}

fn restore(file: &std::path::Path) -> Result<ExitCode, StartError> {
    let config = Config::from_env()?;
    let done =
        crate::backup::restore(&config, file).map_err(|e| StartError::Other(e.to_string()))?;
    let m = &done.manifest;
    println!(
        "restored {} (taken {} by AmpFlux {}, schema {}, {} audit entries) and {} objects",
        done.database.display(),
        m.created_at,
        m.app_version,
        m.schema_version,
        m.audit_entries,
        done.objects
    );
    Ok(ExitCode::SUCCESS)
}
