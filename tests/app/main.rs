//! HTTP tests against the real application, on SQLite and (with `--ignored` and
//! `AMPFLUX_TEST_POSTGRES_URL`) on PostgreSQL. See README.md, "Tests".

mod common;

mod account;
mod admin_invitations;
mod admin_users;
mod audit;
mod auth;
mod circuit;
mod cli;
mod elements;
mod health;
mod jobs;
mod page_cache;
mod projects;
mod schema;
mod security;
mod simulations;
mod versions;
