//! Long lists on pages: a search that ignores case and accents, and one page of the result.

/// Rows shown per page of a long administration list.
pub const PAGE_SIZE: usize = 50;

/// One page of a list, with what the pager needs.
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Rows matching, on every page.
    pub total: usize,
    /// From 1.
    pub page: usize,
    pub pages: usize,
}

/// Keeps the rows whose `text` contains every word of `q` (case and accents ignored), then
/// page `page` (from 1; out of range reads as the nearest page) of `size` rows.
pub fn search_page<T>(
    rows: Vec<T>,
    q: &str,
    text: impl Fn(&T) -> String,
    page: usize,
    size: usize,
) -> Paged<T> {
    let words: Vec<String> = crate::search::fold(q)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let kept: Vec<T> = rows
        .into_iter()
        .filter(|r| {
            let hay = crate::search::fold(&text(r));
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect();
    let total = kept.len();
    let pages = total.div_ceil(size).max(1);
    let page = page.clamp(1, pages);
    let items = kept
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    Paged {
        items,
        total,
        page,
        pages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_without_accents_and_pages() {
        let rows: Vec<String> = (0..120).map(|i| format!("Hélène {i}")).collect();
        let p = search_page(rows.clone(), "", String::clone, 3, 50);
        assert_eq!((p.total, p.pages, p.page, p.items.len()), (120, 3, 3, 20));
        assert_eq!(p.items[0], "Hélène 100");
        let p = search_page(rows.clone(), "HELENE 11", String::clone, 9, 50);
        assert_eq!(p.total, 11, "11 and 110-119");
        assert_eq!(p.page, 1, "beyond the last page reads as the last");
        let p = search_page(rows, "zoé", String::clone, 1, 50);
        assert_eq!((p.total, p.pages, p.items.len()), (0, 1, 0));
    }
}
