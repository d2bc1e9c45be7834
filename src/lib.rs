//! AmpFlux: multi-tenant web application for IEC 60909 short-circuit studies.
//!
//! Data flows one way: `web` → `models` → `db`. `auth` holds passwords, sessions, CSRF and
//! permissions; `mail` sends one-time links.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod mail;
pub mod models;
pub mod util;
pub mod web;
