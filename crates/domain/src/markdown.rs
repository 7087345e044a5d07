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

/// E-mail addresses mentioned as `@name@company.fr`, lower-cased and deduplicated (the
/// first [`MENTIONS_MAX`]).
pub fn mentions(md: &str) -> Vec<String> {
    first_distinct(
        MENTION
            .captures_iter(md)
            .map(|c| c[1].trim_end_matches('.').to_lowercase()),
    )
}

/// Most people one text notifies by mentioning them: a text of thousands of mentions costs
/// one bounded lookup, and the rest stay text.
pub const MENTIONS_MAX: usize = 50;

fn first_distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if out.len() == MENTIONS_MAX {
            break;
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

static PERSON_MENTION: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // constant pattern
    Regex::new(
        r"\[@((?:\\.|[^\]\\\n]){1,120})\]\(/people/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)",
    )
    .unwrap()
});

/// A person mentioned by name, as the composer writes it: a Markdown link to their profile,
/// `[@Claire Martin](/people/<id>)`, which reads as the name wherever Markdown is shown.
pub fn person_mention(id: uuid::Uuid, name: &str) -> String {
    let mut text = String::with_capacity(name.len());
    for c in name.chars().filter(|c| *c != '\n' && *c != '\r') {
        if "\\[]*_`<>~|#!".contains(c) {
            text.push('\\');
        }
        text.push(c);
    }
    format!("[@{text}](/people/{id})")
}

/// The people a text mentions by name (the first [`MENTIONS_MAX`]), in order.
pub fn mentioned_people(md: &str) -> Vec<uuid::Uuid> {
    first_distinct(
        PERSON_MENTION
            .captures_iter(md)
            .filter_map(|c| uuid::Uuid::parse_str(&c[2]).ok()),
    )
}

/// Writes each person mention again with the name `name_of` gives, so the text shown is
/// the person's real name whatever the author typed; a mention of nobody `name_of` knows
/// becomes plain text (`@` and what was typed), linking nowhere.
pub fn name_mentions(md: &str, name_of: impl Fn(uuid::Uuid) -> Option<String>) -> String {
    PERSON_MENTION
        .replace_all(md, |c: &regex::Captures| {
            let known = uuid::Uuid::parse_str(&c[2])
                .ok()
                .and_then(|id| name_of(id).map(|n| (id, n)));
            match known {
                Some((id, name)) => person_mention(id, &name),
                None => format!("@{}", &c[1]),
            }
        })
        .into_owned()
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
    #[test]
    fn mentions_people_by_name() {
        let claire = uuid::Uuid::now_v7();
        let ghost = uuid::Uuid::now_v7();
        let typed = format!(
            "Merci {} et [@Bob](/people/{ghost}) !",
            person_mention(claire, "Claire [RH] Martin")
        );
        assert_eq!(mentioned_people(&typed), vec![claire, ghost]);
        let named = name_mentions(&typed, |id| {
            (id == claire).then(|| "Claire *Martin*".into())
        });
        assert_eq!(
            named,
            format!("Merci [@Claire \\*Martin\\*](/people/{claire}) et @Bob !")
        );
        let html = render(&named).unwrap();
        assert!(html.contains(&format!("<a href=\"/people/{claire}\" rel=\"noopener noreferrer nofollow\">@Claire *Martin*</a>")), "{html}");
        assert_eq!(mentioned_people(&named), vec![claire]);
        let many: String = (0..200)
            .map(|_| person_mention(uuid::Uuid::now_v7(), "x"))
            .collect();
        assert_eq!(mentioned_people(&many).len(), MENTIONS_MAX);
    }
}
