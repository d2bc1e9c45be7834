//! HTTP tests against the real application, on SQLite and (with `--ignored` and
//! `AMPFLUX_TEST_POSTGRES_URL`) on PostgreSQL. See README.md, "Tests".

mod common;

mod account;
mod admin_company;
mod admin_invitations;
mod admin_teams;
mod admin_users;
mod audit;
mod audit_export;
mod auth;
mod backup;
mod circuit;
mod cli;
mod diagram;
mod elements;
mod hardening;
mod health;
mod jobs;
mod license;
mod mail;
mod page_cache;
mod projects;
mod report;
mod result_pages;
mod results;
mod route_walk;
mod run_checks;
mod schema;
mod security;
mod simulations;
mod traps;
mod two_factor;
mod versions;
