//! Static assets compiled into the binary: the product works offline, no CDN.
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

const HTMX: &[u8] = include_bytes!("../assets/htmx.min.js");
const APP_JS: &[u8] = include_bytes!("../assets/app.js");
const APP_CSS: &[u8] = include_bytes!("../assets/app.css");
const VIDEO_JS: &[u8] = include_bytes!("../assets/video.js");
const VIDEO_CSS: &[u8] = include_bytes!("../assets/video.css");
/// The icon browsers ask for at `/favicon.ico` (SVG: modern browsers accept it there).
const FAVICON: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">"##,
    r##"<rect width="32" height="32" rx="7" fill="#2f5fb3"/>"##,
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

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/static/htmx.min.js",
            get(|| async { asset(HTMX, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/video.js",
            get(|| async { asset(VIDEO_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/static/video.css",
            get(|| async { asset(VIDEO_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/favicon.ico",
            get(|| async { asset(FAVICON.as_bytes(), "image/svg+xml") }),
        )
}
