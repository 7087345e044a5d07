//! The request's language: the `lang` cookie (the switcher), then the account's
//! preference, then the browser's Accept-Language.
use crate::state::WebState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use embarq_app::i18n::Lang;

/// The request's language, for handlers.
impl FromRequestParts<WebState> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &WebState) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Lang>()
            .copied()
            .unwrap_or_else(|| detect(parts, None)))
    }
}

/// Cookie, then account preference, then browser.
pub fn detect(parts: &Parts, account: Option<&str>) -> Lang {
    let cookie = axum_extra::extract::CookieJar::from_headers(&parts.headers)
        .get("lang")
        .and_then(|c| Lang::parse(c.value()));
    cookie
        .or_else(|| account.and_then(Lang::parse))
        .or_else(|| {
            parts
                .headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}
