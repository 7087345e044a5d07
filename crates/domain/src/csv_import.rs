//! Parsing of the HR directory CSV: header names in any order, `,` or `;`, UTF-8 with or
//! without BOM. Every bad row is reported with its line number and reason; nothing here
//! touches the database, so a dry run and a real run see exactly the same rows.
use crate::validate::{self, FieldError, NAME_MAX, SHORT_TEXT_MAX};
use serde::Serialize;
use std::collections::HashMap;

/// One valid directory row, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRow {
    pub line: u64,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub manager_email: Option<String>,
    pub title: Option<String>,
    pub employee_id: Option<String>,
}

impl MemberRow {
    /// "First Last", or the local part of the e-mail when no name is given.
    pub fn display_name(&self) -> String {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            self.email.split('@').next().unwrap_or_default().to_string()
        } else {
            name
        }
    }
}

/// A rejected row: its line in the file and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: Option<&'static str>,
    pub code: &'static str,
    /// The offending value, shortened, to help the person find it.
    pub value: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Parsed {
    pub rows: Vec<MemberRow>,
    pub errors: Vec<RowError>,
}

/// Problems that make the whole file unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("the header has no email column")]
    NoEmailColumn,
    #[error("the file could not be read as CSV: {0}")]
    Malformed(String),
}

pub const COLUMNS: [&str; 10] = [
    "email",
    "first_name",
    "last_name",
    "department",
    "site",
    "birth_year",
    "level",
    "manager_email",
    "title",
    "employee_id",
];

fn short(v: &str) -> String {
    v.chars().take(60).collect()
}

/// Line numbers from byte offsets, counted once front to back: the csv crate's own line
/// count is one short per CRLF-terminated record (Excel and Python write CRLF).
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line holding byte `at` (offsets only grow as records are read).
    fn at(&mut self, at: u64) -> u64 {
        let mut at = (at as usize).min(self.text.len());
        // After a CRLF the csv crate starts the next record at the LF: it belongs to the
        // line before.
        if self.text.get(at) == Some(&b'\n') {
            at += 1;
        }
        if at > self.offset {
            self.line += self.text[self.offset..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.offset = at;
        }
        self.line
    }
}

/// Parses a directory file. `current_year` bounds birth years.
pub fn parse(bytes: &[u8], current_year: i64) -> Result<Parsed, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    let first_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(FileError::Empty)?;
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError::Malformed(e.to_string()))?
        .clone();
    let index: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = h.trim().to_lowercase().replace([' ', '-'], "_");
            COLUMNS.iter().find(|c| **c == h).map(|c| (*c, i))
        })
        .collect();
    if !index.contains_key("email") {
        return Err(FileError::NoEmailColumn);
    }
    let mut out = Parsed::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| lines.at(p.byte())).unwrap_or(0);
                out.errors.push(RowError {
                    line,
                    field: None,
                    code: "malformed_row",
                    value: None,
                });
                continue;
            }
        };
        let line = record.position().map(|p| lines.at(p.byte())).unwrap_or(0);
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let get = |c: &str| index.get(c).and_then(|i| record.get(*i)).unwrap_or("");
        let row_error = |e: FieldError, value: &str| RowError {
            line,
            field: Some(e.field),
            code: e.code,
            value: (!value.is_empty()).then(|| short(value)),
        };
        let mut errors = Vec::new();
        let mut text =
            |field: &'static str, max: usize| match validate::optional(field, get(field), max) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(row_error(e, get(field)));
                    None
                }
            };
        let first_name = text("first_name", NAME_MAX);
        let last_name = text("last_name", NAME_MAX);
        let department = text("department", SHORT_TEXT_MAX);
        let site = text("site", SHORT_TEXT_MAX);
        let level = text("level", SHORT_TEXT_MAX);
        let title = text("title", SHORT_TEXT_MAX);
        let employee_id = text("employee_id", SHORT_TEXT_MAX);
        let email = validate::email("email", get("email"))
            .map_err(|e| errors.push(row_error(e, get("email"))))
            .ok();
        let birth_year = validate::birth_year("birth_year", get("birth_year"), current_year)
            .map_err(|e| errors.push(row_error(e, get("birth_year"))))
            .ok()
            .flatten();
        let manager_email = match get("manager_email") {
            "" => None,
            m => validate::email("manager_email", m)
                .map_err(|e| errors.push(row_error(e, m)))
                .ok(),
        };
        if let (Some(e), Some(m)) = (&email, &manager_email)
            && e == m
        {
            errors.push(RowError {
                line,
                field: Some("manager_email"),
                code: "own_manager",
                value: Some(short(m)),
            });
        }
        if let Some(e) = &email
            && let Some(first) = seen.get(e)
        {
            errors.push(RowError {
                line,
                field: Some("email"),
                code: "duplicate_email",
                value: Some(format!("{} (line {first})", short(e))),
            });
        }
        match (email, errors.is_empty()) {
            (Some(email), true) => {
                seen.insert(email.clone(), line);
                out.rows.push(MemberRow {
                    line,
                    email,
                    first_name,
                    last_name,
                    department,
                    site,
                    birth_year,
                    level,
                    manager_email,
                    title,
                    employee_id,
                });
            }
            _ => out.errors.extend(errors),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_bom_any_order() {
        let f = "\u{FEFF}Last_Name;EMAIL;first_name;extra\nDurand;Marie@Acme.fr;Marie;x\n";
        let p = parse(f.as_bytes(), 2026).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows[0].email, "marie@acme.fr");
        assert_eq!(p.rows[0].display_name(), "Marie Durand");
        assert_eq!(p.rows[0].line, 2);
    }

    #[test]
    fn reports_lines_and_reasons() {
        let f = "email,birth_year,manager_email\n\
                 ok@acme.fr,1980,\n\
                 not-an-email,1980,\n\
                 y@acme.fr,19x0,\n\
                 ok@acme.fr,,\n\
                 z@acme.fr,,z@acme.fr\n";
        let p = parse(f.as_bytes(), 2026).unwrap();
        assert_eq!(p.rows.len(), 1);
        let got: Vec<(u64, &str)> = p.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(
            got,
            vec![
                (3, "invalid_email"),
                (4, "not_a_number"),
                (5, "duplicate_email"),
                (6, "own_manager")
            ]
        );
    }

    #[test]
    fn crlf_files_report_the_lines_a_spreadsheet_shows() {
        let mut f = String::from("email,birth_year\r\n");
        for i in 0..1000 {
            f.push_str(&format!("p{i}@acme.fr,1980\r\n"));
        }
        f.push_str("bad,1980\r\n\"quoted\r\nacross lines\",1980\r\nlast@acme.fr,19x0\r\n");
        let p = parse(f.as_bytes(), 2026).unwrap();
        let got: Vec<(u64, &str)> = p.errors.iter().map(|e| (e.line, e.code)).collect();
        assert_eq!(
            got,
            vec![
                (1002, "invalid_email"),
                (1003, "invalid_email"),
                (1005, "not_a_number")
            ]
        );
        assert_eq!(p.rows[999].line, 1001);
    }

    #[test]
    fn fatal_problems() {
        assert_eq!(parse(b"", 2026).unwrap_err(), FileError::Empty);
        assert_eq!(
            parse(b"name,site\nx,y\n", 2026).unwrap_err(),
            FileError::NoEmailColumn
        );
        assert_eq!(
            parse(b"email\n\xff\xfe\n", 2026).unwrap_err(),
            FileError::NotUtf8
        );
    }
}
