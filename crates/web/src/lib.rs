//! HTTP layer: the web UI (askama + htmx), the JSON API under /api/v1 with its OpenAPI
//! document, authentication, live updates and operations endpoints.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod api;
mod assets;
pub mod auth;
pub mod config;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod ops;
pub mod realtime;
pub mod scim;
mod security_headers;
pub mod service;
mod state;
pub mod ui;

pub use config::Config;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// Largest request body accepted anywhere (CSV imports are the biggest legitimate uploads).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

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

/// The whole application as one router.
pub fn app(state: AppState) -> Router {
    let (api_router, _) = api::router().split_for_parts();
    let router = Router::new()
        .merge(ui::router())
        .merge(api_router)
        .merge(ops::router())
        .merge(assets::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::middleware::authenticate,
        ))
        // SCIM authenticates with its own bearer tokens, outside the session/CSRF layer.
        .merge(scim::router())
        .merge(ops::metrics_on_main())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track_metrics,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // Every body is capped at MAX_BODY except file box uploads, which stream under their own limit.
        .layer(axum::middleware::from_fn(service::files::limit_body))
        .layer(TraceLayer::new_for_http());
    let https = state.config.base_url.starts_with("https://");
    let peertube = state.config.files.peertube_hosts.clone();
    security_headers::apply(router.with_state(state), &peertube, https)
}

/// Serves until `shutdown` resolves, then drains open requests (graceful shutdown).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    state.start_background_tasks().await?;
    let app = app(state.clone());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    state.shutdown();
    Ok(())
}
