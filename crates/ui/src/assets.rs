//! Static assets compiled into the binary: the product works offline, no CDN.
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::compression::CompressionLayer;

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";
const PNG: &str = "image/png";
/// Each file the binary serves: its path, its bytes and its type.
const FILES: &[(&str, &[u8], &str)] = &[
    (
        "/static/htmx.min.js",
        include_bytes!("../assets/htmx.min.js"),
        JS,
    ),
    ("/static/app.js", include_bytes!("../assets/app.js"), JS),
    ("/static/app.css", include_bytes!("../assets/app.css"), CSS),
    ("/static/video.js", include_bytes!("../assets/video.js"), JS),
    (
        "/static/video.css",
        include_bytes!("../assets/video.css"),
        CSS,
    ),
    (
        "/static/icons.svg",
        include_bytes!("../assets/icons.svg"),
        SVG,
    ),
    (
        "/static/icon-192.png",
        include_bytes!("../assets/icon-192.png"),
        PNG,
    ),
    (
        "/static/icon-512.png",
        include_bytes!("../assets/icon-512.png"),
        PNG,
    ),
    ("/favicon.ico", FAVICON.as_bytes(), SVG),
];
/// The icon browsers ask for at `/favicon.ico` (SVG: modern browsers accept it there).
const FAVICON: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">"##,
    r##"<rect width="32" height="32" rx="7" fill="#1a56b8"/>"##,
    r##"<path d="M8 21c3 3 13 3 16 0l-2-8-4 4-2-7-2 7-4-4z" fill="#fff"/></svg>"##
);

fn asset(bytes: &'static [u8], content_type: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
}

/// The files, gzipped for browsers that accept it (htmx.min.js goes from 51 KB to 17 KB).
/// Only these: pages and API answers carry CSRF tokens and echo what was typed, which a
/// compressed response would leak to an observer of its size (BREACH).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    FILES
        .iter()
        .fold(Router::new(), |router, &(path, bytes, content_type)| {
            router.route(path, get(move || async move { asset(bytes, content_type) }))
        })
        .layer(CompressionLayer::new())
}
