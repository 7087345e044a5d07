//! The installable web app: the manifest (in the reader's language), the service worker
//! and the page it shows when the network is gone. The worker keeps only the static shell;
//! pages always come from the network, so a signed-in page is never shown stale.
use crate::i18n::{self, Lang};
use crate::render;
use crate::state::WebState;
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const SERVICE_WORKER: &[u8] = include_bytes!("../assets/sw.js");

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/manifest.webmanifest", get(manifest))
        .route("/sw.js", get(service_worker))
        .route("/offline", get(offline))
}

async fn manifest(lang: Lang) -> Response {
    let t = |k| i18n::tr(lang, k);
    let body = serde_json::json!({
        "id": "/",
        "name": t("app-name"),
        "short_name": "embarq",
        "description": t("app-description"),
        "lang": lang.code(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f6f8",
        "theme_color": "#1a56b8",
        "icons": [
            { "src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any" },
            { "src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable" },
            { "src": "/favicon.ico", "sizes": "any", "type": "image/svg+xml", "purpose": "any" }
        ],
        "shortcuts": [
            { "name": t("nav-messages"), "url": "/messages" },
            { "name": t("nav-notifications"), "url": "/notifications" }
        ]
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::VARY, "Cookie, Accept-Language"),
        ],
        body.to_string(),
    )
        .into_response()
}

async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Browsers check for a new worker on each navigation anyway; never keep an old one.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SERVICE_WORKER,
    )
        .into_response()
}

/// What the worker shows for a page it could not fetch: the same text in both languages,
/// since it is cached once and shown to whoever is offline.
#[derive(Template)]
#[template(path = "offline.html")]
struct OfflinePage {
    fr: [String; 3],
    en: [String; 3],
}

async fn offline() -> Response {
    let text = |lang| ["offline-title", "offline-body", "offline-retry"].map(|k| i18n::tr(lang, k));
    render(&OfflinePage {
        fr: text(Lang::Fr),
        en: text(Lang::En),
    })
}
