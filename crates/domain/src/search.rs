//! Full-text search rules shared by both databases: how text is cut into words, folded
//! (lower case, no accents) and stemmed in French and English; how a user's query becomes
//! plain search terms (never FTS syntax); how results are ranked and how snippets are
//! highlighted.
//!
//! SQLite indexes through an FTS5 tokenizer that calls [`index_terms`]; PostgreSQL uses its
//! own `french` and `english` Snowball stemmers behind `unaccent`, which follow the same
//! algorithms.
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest query accepted, in characters.
pub const QUERY_MAX_CHARS: usize = 200;
/// Words of a query beyond this number are ignored.
pub const QUERY_MAX_TERMS: usize = 12;
/// Words longer than this (in bytes) are not indexed: no one searches for them.
const WORD_MAX_BYTES: usize = 100;

static FRENCH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));
static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Why a query cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryProblem {
    /// Nothing to look for (blank, or only punctuation and operators).
    Empty,
    /// More than [`QUERY_MAX_CHARS`] characters.
    TooLong,
}

/// The words of `text` with their byte range, as typed (not yet folded). A word is a run
/// of letters and digits; everything else (spaces, punctuation, apostrophes, FTS operators
/// such as `"`, `*`, `-`, `:`, parentheses) separates words.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut iter = text.char_indices().peekable();
    std::iter::from_fn(move || {
        loop {
            let (start, c) = iter.next()?;
            if !c.is_alphanumeric() {
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, c)) = iter.peek() {
                if c.is_alphanumeric() || is_combining_mark(c) {
                    end = i + c.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            return Some((start, end, &text[start..end]));
        }
    })
}

/// Lower case without diacritics: "Réunion" → "reunion", "Œuvre" → "oeuvre".
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The terms one word is indexed (and searched) under: its French and English stems,
/// without accents, deduplicated. "réunions" → ["reunion"]; "meetings" → ["meet", "meeting"].
pub fn term_variants(word: &str) -> Vec<String> {
    let lower = word.to_lowercase();
    let folded = fold(&lower);
    let mut out: Vec<String> = Vec::with_capacity(3);
    let candidates = [
        fold(&FRENCH.stem(&lower)),
        FRENCH.stem(&folded).into_owned(),
        ENGLISH.stem(&folded).into_owned(),
    ];
    for c in candidates {
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push(folded);
    }
    out
}

/// What the FTS5 tokenizer emits for `text`: each word's byte range and its terms (the
/// first is the token, the others are colocated synonyms).
pub fn index_terms(text: &str) -> impl Iterator<Item = (usize, usize, Vec<String>)> {
    words(text)
        .filter(|(s, e, _)| e - s <= WORD_MAX_BYTES)
        .map(|(s, e, w)| (s, e, term_variants(w)))
}

/// A validated query: its words, folded, in order, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub words: Vec<String>,
}

impl Query {
    /// Parses what the user typed. Every character that is not a letter or digit separates
    /// words, so quotes, `AND`/`OR`/`NOT`/`NEAR` (which become plain words), `*`, `-`, `:`,
    /// parentheses and column filters never reach the search engine as syntax.
    pub fn parse(raw: &str) -> Result<Query, QueryProblem> {
        let raw = raw.trim();
        if raw.chars().count() > QUERY_MAX_CHARS {
            return Err(QueryProblem::TooLong);
        }
        let mut seen = HashSet::new();
        let words: Vec<String> = words(raw)
            .filter(|(s, e, _)| e - s <= WORD_MAX_BYTES)
            .map(|(_, _, w)| fold(w))
            .filter(|w| seen.insert(w.clone()))
            .take(QUERY_MAX_TERMS)
            .collect();
        if words.is_empty() {
            return Err(QueryProblem::Empty);
        }
        Ok(Query { words })
    }

    /// Whether the last word is matched as a prefix: it may still be being typed ("covoitur"
    /// finds "covoiturage"). One letter would match too much to be useful.
    pub fn prefix_last(&self) -> bool {
        self.words.last().is_some_and(|w| w.chars().count() >= 2)
    }

    /// The FTS5 MATCH expression: every word as a quoted string (FTS5 strings cannot hold
    /// syntax), all required. The tokenizer stems each one on the way in.
    pub fn fts5_match(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Every term the query's words are searched under, for highlighting.
    pub fn terms(&self) -> HashSet<String> {
        self.words.iter().flat_map(|w| term_variants(w)).collect()
    }
}

/// Combines a relevance (larger is better: -bm25 on SQLite, ts_rank on PostgreSQL,
/// normalized by the best of the candidates) with recency: a match loses half of its
/// recency bonus every 90 days, so fresh and relevant comes first and relevance still wins
/// over age.
pub fn combined_score(relevance: f64, best: f64, age_ms: i64) -> f64 {
    let rel = if best > 0.0 {
        (relevance / best).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let age_days = (age_ms.max(0) as f64) / 86_400_000.0;
    let recency = 0.5f64.powf(age_days / 90.0);
    rel * (0.6 + 0.4 * recency)
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// HTML of an extract of `text` (about `max_words` words around the densest matches),
/// escaped, with words matching `terms` in `<mark>`; `…` marks cut ends. Whitespace runs
/// become single spaces.
pub fn snippet(text: &str, terms: &HashSet<String>, max_words: usize) -> String {
    let ws: Vec<(usize, usize, bool)> = words(text)
        .map(|(s, e, w)| {
            let hit = e - s <= WORD_MAX_BYTES && term_variants(w).iter().any(|t| terms.contains(t));
            (s, e, hit)
        })
        .collect();
    let max_words = max_words.max(1);
    let (from, to) = if ws.len() <= max_words {
        (0, ws.len())
    } else {
        // The window of `max_words` words with the most hits.
        let mut best = (0usize, 0usize);
        let mut count = ws.iter().take(max_words).filter(|w| w.2).count();
        best.1 = count;
        for start in 1..=(ws.len() - max_words) {
            count = count + usize::from(ws[start + max_words - 1].2) - usize::from(ws[start - 1].2);
            if count > best.1 {
                best = (start, count);
            }
        }
        // Start two words before the window's first hit, when there is room.
        let first_hit = (best.0..best.0 + max_words)
            .find(|&i| ws[i].2)
            .unwrap_or(best.0);
        let from = first_hit.saturating_sub(2).min(ws.len() - max_words);
        (from, from + max_words)
    };
    let start_byte = if from == 0 { 0 } else { ws[from].0 };
    let end_byte = if to == ws.len() {
        text.len()
    } else {
        ws[to - 1].1
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut pos = start_byte;
    for &(s, e, hit) in &ws[from..to] {
        if !hit {
            continue;
        }
        escape_into(&mut out, &text[pos..s]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[s..e]);
        out.push_str("</mark>");
        pos = e;
    }
    escape_into(&mut out, &text[pos..end_byte]);
    if to < ws.len() {
        out.push('…');
    }
    collapse_spaces(out.trim())
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(s).unwrap()
    }

    #[test]
    fn folds_accents_and_ligatures() {
        assert_eq!(fold("Réunion"), "reunion");
        assert_eq!(fold("ŒUVRE"), "oeuvre");
        assert_eq!(fold("Ça"), "ca");
    }

    #[test]
    fn stems_french_and_english_alike_with_or_without_accents() {
        let a = term_variants("réunions");
        assert!(term_variants("réunion").iter().any(|t| a.contains(t)));
        assert!(term_variants("reunion").iter().any(|t| a.contains(t)));
        assert!(term_variants("Réunions").iter().any(|t| a.contains(t)));
        let m = term_variants("meetings");
        assert!(term_variants("meeting").iter().any(|t| m.contains(t)));
        let e = term_variants("équipes");
        assert!(term_variants("equipe").iter().any(|t| e.contains(t)));
    }

    #[test]
    fn operators_and_quotes_are_plain_words() {
        let query = q(r#""réunion" AND (budget OR -x*) NEAR/3 title:foo"#);
        assert_eq!(
            query.words,
            vec![
                "reunion", "and", "budget", "or", "x", "near", "3", "title", "foo"
            ]
        );
        let m = query.fts5_match();
        assert!(m.starts_with("\"reunion\" AND \"and\""));
        assert!(!m.contains('*') && !m.contains('(') && !m.contains(':'));
    }

    #[test]
    fn empty_and_too_long_queries_are_refused() {
        assert_eq!(Query::parse("   "), Err(QueryProblem::Empty));
        assert_eq!(Query::parse("\"*()-: ''"), Err(QueryProblem::Empty));
        assert_eq!(
            Query::parse(&"a".repeat(QUERY_MAX_CHARS + 1)),
            Err(QueryProblem::TooLong)
        );
        assert!(Query::parse(&"a ".repeat(QUERY_MAX_CHARS / 2)).is_ok());
        assert_eq!(q(&"mot ".repeat(40)).words.len(), 1);
    }

    #[test]
    fn snippets_escape_html_and_mark_matches() {
        let terms = q("réunions").terms();
        let s = snippet("<b>La</b> réunion & le Reunions", &terms, 30);
        assert_eq!(
            s,
            "&lt;b&gt;La&lt;/b&gt; <mark>réunion</mark> &amp; le <mark>Reunions</mark>"
        );
        let long = format!("{} budget final {}", "mot ".repeat(50), "fin ".repeat(50));
        let s = snippet(&long, &q("budget").terms(), 10);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>budget</mark>"));
    }

    #[test]
    fn recency_breaks_ties_relevance_dominates() {
        let fresh = combined_score(1.0, 1.0, 0);
        let old = combined_score(1.0, 1.0, 365 * 86_400_000);
        assert!(fresh > old);
        assert!(combined_score(1.0, 1.0, 365 * 86_400_000) > combined_score(0.4, 1.0, 0));
    }
}
