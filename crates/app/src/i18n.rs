//! French and English through Fluent, for pages and e-mails alike. A request's language
//! is read by the HTTP layer (`embarq_web::lang`).
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
    /// A person's language: the one they chose (`users.locale`), else the default.
    pub fn of(locale: Option<&str>) -> Lang {
        locale.and_then(Lang::parse).unwrap_or_default()
    }
    /// The instant `ms` as a full local date and time in `tz`, written this language's way.
    pub fn date_time(self, tz: chrono_tz::Tz, ms: i64) -> String {
        let t = embarq_domain::recency::local(tz, ms);
        match self {
            Lang::Fr => t.format("%d/%m/%Y %H:%M").to_string(),
            Lang::En => t.format("%Y-%m-%d %H:%M").to_string(),
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

/// A sentence for a field error: "E-mail: this address is not valid." A field without a
/// label reads as its name in words ("erase_mode": "Erase mode"), never as a message key.
pub fn field_error(lang: Lang, e: &FieldError) -> String {
    let msg = tr_args(
        lang,
        &format!("err-{}", e.code.replace('_', "-")),
        &[("limit", FluentValue::from(e.limit.unwrap_or(0)))],
    );
    if e.field == "body" && matches!(e.code, "invalid_json" | "not_json" | "unreadable") {
        // The request body as a whole, not a "body" text field: the message says so.
        return capitalized(&msg);
    }
    let field = LOCALES
        .try_lookup(lang.id(), &format!("field-{}", e.field.replace('_', "-")))
        .unwrap_or_else(|| capitalized(&e.field.replace('_', " ")));
    format!("{field}: {msg}")
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The message for an error code (`not_found`, `csrf`...).
pub fn error_message(lang: Lang, code: &str) -> String {
    tr(lang, &format!("error-{}", code.replace('_', "-")))
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
    fn field_errors_are_sentences() {
        for lang in [Lang::En, Lang::Fr] {
            for field in [
                "erase_mode",
                "message_days",
                "url",
                "events",
                "no_such_field",
            ] {
                let m = field_error(lang, &FieldError::new(field, "invalid_choice"));
                assert!(!m.contains("field-") && !m.contains("err-"), "{m}");
            }
        }
        let unlabelled = "no_such_field";
        assert_eq!(
            field_error(Lang::En, &FieldError::new(unlabelled, "required")),
            "No such field: this field is required."
        );
        assert_eq!(
            field_error(Lang::En, &FieldError::new("body", "invalid_json")),
            "The request body is not valid JSON of the expected shape."
        );
    }

    /// The string literals that start the calls naming a field of a field error.
    fn literal_fields(text: &str) -> Vec<String> {
        const CALLS: [&str; 8] = [
            "FieldError::new(",
            "FieldError::with_limit(",
            "validate::required(",
            "validate::optional(",
            "validate::email(",
            "validate::password(",
            "validate::birth_year(",
            " days(",
        ];
        let mut out = Vec::new();
        for call in CALLS {
            for (i, _) in text.match_indices(call) {
                let rest = text[i + call.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if rest[name.len()..].starts_with('"') && name.len() > 1 {
                    out.push(name);
                }
            }
        }
        out
    }

    /// Every field named as a string literal in a field error of the app, HTTP, UI and domain crates
    /// has a label in both languages.
    #[test]
    fn named_fields_have_labels() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![
            root.join("src"),
            root.join("../domain/src"),
            root.join("../http/src"),
            root.join("../ui/src"),
        ];
        let mut missing = std::collections::BTreeSet::new();
        let (en, fr) = (keys("en"), keys("fr"));
        while let Some(p) = files.pop() {
            if p.is_dir() {
                files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for field in literal_fields(&text) {
                let key = format!("field-{}", field.replace('_', "-"));
                if !en.contains(&key) || !fr.contains(&key) {
                    missing.insert(key);
                }
            }
        }
        assert!(missing.is_empty(), "labels missing: {missing:?}");
    }

    #[test]
    fn both_languages_translate() {
        assert_eq!(tr(Lang::Fr, "nav-home"), "Accueil");
        assert_eq!(tr(Lang::En, "nav-home"), "Home");
    }
}
