//! Markdown to safe HTML, and @mention extraction.
use pulldown_cmark::{Options, Parser, html};
use regex::Regex;
use std::sync::LazyLock;

/// Renders user Markdown to HTML that is safe to embed: ammonia strips scripts, event
/// handlers and dangerous URLs, and links get `rel="noopener noreferrer nofollow"`.
pub fn render(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    let mut out = String::with_capacity(md.len() * 2);
    html::push_html(&mut out, Parser::new_ext(md, opts));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
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

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn strips_scripts() {
        let h = render(
            "hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(!h.contains("<script"));
        assert!(!h.contains("javascript:"));
        assert!(!h.contains("onerror"));
    }
    #[test]
    fn renders_markdown() {
        assert!(render("**bold**").contains("<strong>bold</strong>"));
    }
    #[test]
    fn finds_mentions() {
        assert_eq!(
            mentions("Hi @Alice@Acme.fr and @bob@acme.fr. mail me at x@y.fr"),
            vec!["alice@acme.fr", "bob@acme.fr"]
        );
    }
}
