//! Full-text search fragments of each dialect: SQLite FTS5 (external-content tables kept
//! by triggers, `embarq` tokenizer, bm25) and PostgreSQL (generated tsvector columns, GIN,
//! `embarq_fr` + `embarq_en` configurations, ts_rank). The query's words are bound one per
//! placeholder from `first` on; they are letters and digits only (see
//! `embarq_domain::search::Query`), and on SQLite each becomes a quoted FTS5 string, so
//! nothing a user types is read as FTS syntax.
use crate::Backend;
use embarq_domain::search::Query;

/// How one searched table is matched, ranked and walked from the newest match.
pub(crate) struct Fts {
    /// FROM clause giving the base table under `alias`.
    pub from: String,
    /// WHERE condition: the row matches every word.
    pub matches: String,
    /// Relevance as a float, larger is better.
    pub relevance: String,
    /// ORDER BY walking matches from the most recently inserted.
    pub newest: String,
    /// PostgreSQL, publications: the newest rows of the organization only, as a FROM
    /// clause; tried first (see `search_posts`).
    pub recent_from: Option<String>,
}

/// PostgreSQL: how many of the organization's newest publications the first, bounded walk
/// examines.
pub(crate) const RECENT_POSTS: i64 = 5_000;

/// `table` is the base table ("posts"), `alias` its alias in the query, `bm25_weights`
/// the per-column weights of SQLite's bm25 ("" to rank with `embarq_rank` instead), `first` the placeholder of the
/// first word; `query` gives the number of words and whether the last is a prefix.
pub(crate) fn fts(
    backend: Backend,
    table: &str,
    alias: &str,
    bm25_weights: &str,
    first: usize,
    query: &Query,
) -> Fts {
    let n = query.words.len().max(1);
    let params: Vec<usize> = (first..first + n).collect();
    // The last word's placeholder, when it is matched as a prefix of the indexed stems.
    let prefix = query.prefix_last().then_some(first + n - 1);
    match backend {
        Backend::Sqlite => {
            let quoted: Vec<String> = params
                .iter()
                .map(|i| {
                    let star = if prefix == Some(*i) { "*" } else { "" };
                    format!("'\"' || ${i} || '\"{star}'")
                })
                .collect();
            let expr = quoted.join(" || ' AND ' || ");
            // Publications and comments are ranked among recent candidates: the cheap
            // `embarq_rank` (no document-frequency scan); the small tables use bm25.
            let rank = if bm25_weights.is_empty() {
                format!("embarq_rank({table}_fts)")
            } else {
                format!("(-bm25({table}_fts, {bm25_weights}))")
            };
            Fts {
                from: format!(
                    "{table}_fts JOIN {table} {alias} ON {alias}.rowid = {table}_fts.rowid"
                ),
                matches: format!("{table}_fts MATCH ({expr})"),
                relevance: rank,
                newest: format!("{table}_fts.rowid DESC"),
                recent_from: None,
            }
        }
        Backend::Postgres => {
            let parts: Vec<String> = params
                .iter()
                .map(|i| {
                    if prefix == Some(*i) {
                        // Letters and digits only (see `Query`): nothing here is tsquery syntax.
                        format!(
                            "(to_tsquery('embarq_fr', ${i}::text || ':*') || to_tsquery('embarq_en', ${i}::text || ':*'))"
                        )
                    } else {
                        format!(
                            "(plainto_tsquery('embarq_fr', ${i}::text) || plainto_tsquery('embarq_en', ${i}::text))"
                        )
                    }
                })
                .collect();
            let q = format!("({})", parts.join(" && "));
            // The planner cannot tell a rare word from a common one (a lexeme outside its
            // statistics is assumed in 1 % of rows), so it would walk the time index for
            // every query — half a second for a word in one post of a million. The time
            // walk is therefore bounded to the newest rows (`recent_from`), and when that
            // does not yield enough matches the GIN index answers, the `+ 0` keeping the
            // planner off the time index.
            Fts {
                from: format!("{table} {alias}"),
                matches: format!("{alias}.search_tsv @@ {q}"),
                relevance: format!("ts_rank({alias}.search_tsv, {q})::float8"),
                newest: format!("({alias}.created_at + 0) DESC"),
                recent_from: (table == "posts").then(|| {
                    format!(
                        "(SELECT * FROM posts WHERE org_id = $1 ORDER BY created_at DESC LIMIT {RECENT_POSTS}) {alias}"
                    )
                }),
            }
        }
    }
}
