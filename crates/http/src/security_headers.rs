//! Security headers on every response: a Content-Security-Policy that runs only the
//! vendored scripts (no inline script, no eval) and lets no site frame embarq, `nosniff`,
//! a same-origin referrer, and HSTS when the public URL is https. A response that sets
//! its own (file downloads are sandboxed) keeps it.
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// Players that sphere video widgets may frame (see `embarq_domain::files::video_embed`).
const VIDEO_FRAMES: &str =
    "https://www.youtube-nocookie.com https://player.vimeo.com https://www.dailymotion.com";

/// The policy, with the configured PeerTube hosts among the frames.
pub fn content_security_policy(peertube_hosts: &[String]) -> String {
    let mut frames = String::from(VIDEO_FRAMES);
    for h in peertube_hosts {
        // Host names only: anything else would let configuration inject directives.
        if !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        {
            frames.push_str(" https://");
            frames.push_str(h);
        }
    }
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
         font-src 'self'; frame-src {frames}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

/// Adds the headers to every response of `router` that lacks them.
pub fn apply(router: Router, peertube_hosts: &[String], https: bool) -> Router {
    let mut headers: Vec<(HeaderName, String)> = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(peertube_hosts),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::REFERRER_POLICY, "same-origin".into()),
        (header::X_FRAME_OPTIONS, "DENY".into()),
    ];
    if https {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains".into(),
        ));
    }
    headers
        .into_iter()
        .filter_map(|(name, value)| Some((name, HeaderValue::from_str(&value).ok()?)))
        .fold(router, |r, (name, value)| {
            r.layer(SetResponseHeaderLayer::if_not_present(name, value))
        })
}
