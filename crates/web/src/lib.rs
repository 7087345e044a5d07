//! HTTP layer: the web UI (askama + htmx), the JSON API under /api/v1 with its OpenAPI
//! document, SCIM, authentication, live updates and operations endpoints, over the
//! application (`embarq_app`), which holds every use case.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod api;
mod assets;
pub mod auth;
pub mod error;
pub mod lang;
pub mod ops;
pub mod realtime;
pub mod scim;
mod security_headers;
mod state;
pub mod transfer;
pub mod ui;

// The application, under the paths the handlers (and the binary, the tests) use.
pub use embarq_app::{Config, config, i18n, install_tls_provider, jobs, mail, service};
pub use state::{AppState, WebState};
pub use transfer::MAX_BODY;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// The whole application as one router.
pub fn app(state: impl Into<WebState>) -> Router {
    let state: WebState = state.into();
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
        .layer(axum::middleware::from_fn(transfer::limit_body))
        .layer(TraceLayer::new_for_http());
    let https = state.config.base_url.starts_with("https://");
    let peertube = state.config.files.peertube_hosts.clone();
    security_headers::apply(router.with_state(state), &peertube, https)
}

/// Serves until `shutdown` resolves, then drains open requests (graceful shutdown).
pub async fn serve(
    listener: TcpListener,
    state: impl Into<WebState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state: WebState = state.into();
    embarq_app::jobs::start(&state).await?;
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
