//! AmpFlux: multi-tenant web application for IEC 60909 short-circuit studies.
//!
//! Data flows one way: `web`/`cli` → `ops` → `models` → `db`. `auth` holds passwords, sessions, CSRF and
//! permissions; `mail` sends one-time links. `sc` is the IEC 60909 engine (pure, no I/O);
//! `cli::sc` is its command line.

pub mod app;
pub mod auth;
pub mod backup;
pub mod circuit_edit;
pub mod cli;
pub mod config;
pub mod db;
pub mod diagram;
pub mod examples;
pub mod jobs;
pub mod mail;
pub mod models;
pub mod ops;
pub mod report;
pub mod sc;
pub mod util;
pub mod web;
