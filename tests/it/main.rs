//! The integration suite: one binary, real server over HTTP, SQLite by default and
//! PostgreSQL when EMBARQ_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::panic)]

mod accounts;
mod analytics;
mod api;
mod champions;
mod contests;
mod guidance;
mod import;
mod nudges;
mod ops;
mod posts;
mod realtime;
mod rollout;
mod spheres;
mod training;
mod ui;
