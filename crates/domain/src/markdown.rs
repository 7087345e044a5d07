//! Markdown to safe HTML, and @mention extraction.
use crate::validate::FieldError;
use pulldown_cmark::{Event, Options, Parser, html};
use regex::Regex;
use std::sync::LazyLock;

/// Deepest nesting of Markdown elements (quotes in lists in quotes...). People write a
/// handful; thousands (`>>>>…`, `- - - …`) made the HTML sanitizer quadratic.
pub const MAX_NESTING: usize = 24;
/// Most Markdown elements (paragraphs, list items, emphasis, links…) in one text.
pub const MAX_ELEMENTS: usize = 8_000;

/// Why a text is refused: it is valid Markdown, but too costly to render safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooComplex {
    Nesting,
    Elements,
}

impl TooComplex {
    /// The field error a form or the API shows (`too_deep` / `too_many_elements`).
    pub fn field_error(self, field: &'static str) -> FieldError {
        match self {
            TooComplex::Nesting => FieldError::with_limit(field, "too_deep", MAX_NESTING as i64),
            TooComplex::Elements => {
                FieldError::with_limit(field, "too_many_elements", MAX_ELEMENTS as i64)
            }
        }
    }
}

fn options() -> Options {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts
}

/// Parses `md` into events, refusing past [`MAX_NESTING`] or [`MAX_ELEMENTS`] before any
/// HTML is produced, so the cost is bounded by the input's length.
fn events(md: &str) -> Result<Vec<Event<'_>>, TooComplex> {
    let mut out = Vec::new();
    let (mut depth, mut elements) = (0usize, 0usize);
    for event in Parser::new_ext(md, options()) {
        match &event {
            Event::Start(_) => {
                depth += 1;
                elements += 1;
                if depth > MAX_NESTING {
                    return Err(TooComplex::Nesting);
                }
                if elements > MAX_ELEMENTS {
                    return Err(TooComplex::Elements);
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(event);
    }
    Ok(out)
}

/// Renders user Markdown to HTML that is safe to embed: ammonia strips scripts, event
/// handlers and dangerous URLs, and links get `rel="noopener noreferrer nofollow"`.
/// Texts nested or crowded beyond the limits are refused rather than rendered.
pub fn render(md: &str) -> Result<String, TooComplex> {
    let events = events(md)?;
    let mut out = String::with_capacity(md.len() * 2);
    html::push_html(&mut out, events.into_iter());
    Ok(ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string())
}

/// Renders text stored before the limits existed (or by a trusted path): what exceeds
/// them is shown as escaped plain text instead of failing the page.
pub fn render_stored(md: &str) -> String {
    render(md).unwrap_or_else(|_| {
        format!(
            "<p>{}</p>",
            ammonia::clean_text(md).replace("&#10;", "<br>")
        )
    })
}

static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // constant pattern
    Regex::new(r"(?:^|[^\w.@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})").unwrap()
});

/// E-mail addresses mentioned as `@name@company.fr`, lower-cased and deduplicated.
pub fn mentions(md: &str) -> Vec<String> {
    let mut out: Vec<String> = MENTION
        .captures_iter(md)
        .map(|c| c[1].trim_end_matches('.').to_lowercase())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Worst-case inputs of `len` characters, for the benchmark and the tests: each once
/// cost seconds or stresses a different part of the parser and the sanitizer.
pub fn adversarial_inputs(len: usize) -> Vec<(&'static str, String)> {
    let fill = |unit: &str| unit.repeat(len / unit.len().max(1));
    vec![
        ("quotes >>>", fill(">")),
        ("nested lists - - -", format!("{}a", fill("- "))),
        ("dashes - - - (a rule)", fill("- ")),
        ("nested ordered lists", format!("{}a", fill("1. "))),
        ("quote and list", format!("{}a", fill("> - "))),
        ("brackets [[[", fill("[")),
        ("emphasis ***", fill("*")),
        ("emphasis pairs", fill("*a ")),
        ("links [a](b)", fill("[a](b) ")),
        ("table columns", {
            let half = "|a".repeat(len / 4);
            format!("{half}\n{}", "|-".repeat(len / 4))
        }),
        ("html tags <div>", fill("<div>")),
        ("backticks", fill("`")),
        ("list items", fill("- a\n")),
        ("paragraphs", fill("a\n\n")),
        ("plain text", fill("word ")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn strips_scripts() {
        let h = render(
            "hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        )
        .unwrap();
        assert!(!h.contains("<script"));
        assert!(!h.contains("javascript:"));
        assert!(!h.contains("onerror"));
    }
    #[test]
    fn renders_markdown() {
        assert!(
            render("**bold**")
                .unwrap()
                .contains("<strong>bold</strong>")
        );
        let nested = "> - a\n>   - b\n>     > c";
        assert!(render(nested).unwrap().contains("<blockquote>"));
    }
    #[test]
    fn refuses_deep_or_crowded_texts() {
        assert_eq!(render(&">".repeat(19_999)), Err(TooComplex::Nesting));
        assert_eq!(
            render(&format!("{}a", "- ".repeat(9_999))),
            Err(TooComplex::Nesting)
        );
        assert_eq!(render(&">".repeat(MAX_NESTING - 1)).map(|_| ()), Ok(()));
        assert!(render(&"*a* ".repeat(MAX_ELEMENTS)) == Err(TooComplex::Elements));
    }
    #[test]
    fn stored_texts_beyond_the_limits_show_as_text() {
        let h = render_stored(&format!("{}<script>", ">".repeat(100)));
        assert!(h.starts_with("<p>&gt;&gt;"));
        assert!(!h.contains("<script"));
    }
    #[test]
    fn finds_mentions() {
        assert_eq!(
            mentions("Hi @Alice@Acme.fr and @bob@acme.fr. mail me at x@y.fr"),
            vec!["alice@acme.fr", "bob@acme.fr"]
        );
    }
}
