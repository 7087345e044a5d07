//! HTTP over the application: the router's state, authentication (sessions, tokens, CSRF),
//! errors as pages or RFC 9457 problems, the JSON API under /api/v1 with its OpenAPI
//! document, SCIM, live updates, request and response bodies, operations endpoints and
//! security headers. Pages are `embarq-ui`'s; the two are assembled by `embarq-web`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod api;
pub mod auth;
pub mod error;
pub mod lang;
pub mod ops;
pub mod realtime;
pub mod scim;
pub mod security_headers;
pub mod state;
pub mod transfer;

// The application, under the paths the handlers (and the binary, the tests) use.
pub use embarq_app::{Config, config, i18n, install_tls_provider, jobs, mail, outbox, service};
pub use state::{AppState, WebState};
pub use transfer::MAX_BODY;
