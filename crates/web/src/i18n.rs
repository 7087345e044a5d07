//! French and English through Fluent. The language comes from the `lang` cookie (the
//! switcher), then the account's preference, then the browser's Accept-Language.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use embarq_domain::validate::FieldError;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks would end up inside HTML attributes and e-mails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

static FR: LanguageIdentifier = langid!("fr");
static EN: LanguageIdentifier = langid!("en");

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("fr") {
            Some(Lang::Fr)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
    /// First supported language of an Accept-Language header, by quality order.
    pub fn from_accept_language(h: &str) -> Option<Lang> {
        let mut langs: Vec<(f32, &str)> = h
            .split(',')
            .map(|part| {
                let mut it = part.split(';');
                let tag = it.next().unwrap_or("").trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                (q, tag)
            })
            .collect();
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs.into_iter().find_map(|(_, t)| Lang::parse(t))
    }
}

/// Translates `key`; a missing key shows itself so it is noticed, never a blank.
pub fn tr(lang: Lang, key: &str) -> String {
    LOCALES
        .try_lookup(lang.id(), key)
        .unwrap_or_else(|| key.to_string())
}

/// Translates `key` with named arguments.
pub fn tr_args(lang: Lang, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
        .collect();
    LOCALES
        .try_lookup_with_args(lang.id(), key, &map)
        .unwrap_or_else(|| key.to_string())
}

/// A sentence for a field error: "E-mail: this address is not valid."
pub fn field_error(lang: Lang, e: &FieldError) -> String {
    let field = tr(lang, &format!("field-{}", e.field.replace('_', "-")));
    let msg = tr_args(
        lang,
        &format!("err-{}", e.code.replace('_', "-")),
        &[("limit", FluentValue::from(e.limit.unwrap_or(0)))],
    );
    format!("{field}: {msg}")
}

/// The message for an error code (`not_found`, `csrf`...).
pub fn error_message(lang: Lang, code: &str) -> String {
    tr(lang, &format!("error-{}", code.replace('_', "-")))
}

/// The request's language, for handlers.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
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

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.8,fr;q=0.9"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("de"), None);
    }
    fn keys(lang: &str) -> std::collections::BTreeSet<String> {
        let text = std::fs::read_to_string(format!(
            "{}/locales/{lang}/main.ftl",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        text.lines()
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.to_string()))
            .filter(|k| !k.starts_with(' ') && !k.is_empty())
            .collect()
    }

    #[test]
    fn french_and_english_have_the_same_keys() {
        assert_eq!(keys("fr"), keys("en"));
    }

    #[test]
    fn both_languages_translate() {
        assert_eq!(tr(Lang::Fr, "nav-home"), "Accueil");
        assert_eq!(tr(Lang::En, "nav-home"), "Home");
    }
}
