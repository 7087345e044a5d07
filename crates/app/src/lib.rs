//! The application: every use case (services), the scheduled jobs, mail, live updates and
//! configuration, called alike by the web UI, the JSON API, SCIM, the command line and the
//! jobs. Nothing here knows HTTP: the web crate translates requests to these calls.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod i18n;
pub mod instant;
pub mod jobs;
pub mod mail;
pub mod outbox;
pub mod realtime;
pub mod service;
mod state;

pub use config::Config;
pub use error::{AppError, AppResult};
pub use state::AppState;

/// Makes rustls use ring for every TLS client of the process (reqwest, object_store; lettre
/// picks ring itself). Idempotent: `main` and `AppState::new` call it before any client
/// is built, and a test building its own client calls it first.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only when a provider is installed already, which then serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
