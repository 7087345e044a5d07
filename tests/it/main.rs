//! The integration suite: one binary, real server over HTTP, SQLite by default and
//! PostgreSQL when EMBARQ_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::panic)]

mod accounts;
mod api;
mod import;
mod ops;
mod posts;
mod realtime;
mod spheres;
mod ui;
