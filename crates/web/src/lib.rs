//! The server: the UI's pages (`embarq-ui`) and the HTTP layer's API, SCIM and operations
//! endpoints (`embarq-http`) assembled into one router, over the application
//! (`embarq-app`), which holds every use case.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

// Everything the binary and the tests reach through `embarq_web`.
pub use embarq_http::{
    AppState, Config, MAX_BODY, WebState, api, auth, config, error, i18n, install_tls_provider,
    jobs, lang, mail, ops, outbox, realtime, scim, service, transfer,
};
pub use embarq_ui as ui;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use embarq_http::security_headers;
use embarq_ui::assets;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
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
        // Page errors, including those raised before a handler (CSRF), become localized pages.
        .layer(axum::middleware::from_fn(ui::render_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track_metrics,
        ))
        // Bodies read whole are capped at MAX_BODY; the file box's upload routes lift that
        // cap (they stream under their own limit), and nothing larger than an upload at
        // that limit is read at all.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(RequestBodyLimitLayer::new(transfer::largest_request(
            state.config.files.max_file_bytes,
        )))
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
