//! The integration suite: one binary, real server over HTTP, SQLite by default and
//! PostgreSQL when EMBARQ_TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::panic)]

mod accounts;
mod analytics;
mod api;
mod audit;
mod champions;
mod contests;
mod digests;
mod events;
mod files;
mod gdpr;
mod guidance;
mod hardening;
mod import;
mod moderation;
mod nudges;
mod oidc;
mod openapi;
mod ops;
mod polls;
mod posts;
mod races;
mod realtime;
mod rollout;
mod scenario;
mod scim;
mod scim_groups;
mod search;
mod spheres;
mod tasks;
mod training;
mod ui;
mod video;
mod webhooks;
mod widgets;
