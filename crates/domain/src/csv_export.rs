//! CSV files people download and open in a spreadsheet. Every cell goes through [`cell`]:
//! text a member typed (a department, a site) must never run as a formula (OWASP "CSV
//! injection"), so every export writes through [`CsvOut`].
use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula or a command.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as written: text starting with a formula trigger gets a leading `'`, which
/// spreadsheets show as text; numbers (`-3`, `12.5`) stay numbers.
pub fn cell(value: &str) -> Cow<'_, str> {
    let starts_formula = value.starts_with(TRIGGERS);
    if starts_formula && value.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A CSV document written row by row, every cell escaped by [`cell`].
pub struct CsvOut(csv::Writer<Vec<u8>>);

impl Default for CsvOut {
    fn default() -> Self {
        CsvOut(csv::Writer::from_writer(Vec::new()))
    }
}

impl CsvOut {
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let escaped: Vec<String> = cells
            .into_iter()
            .map(|c| cell(c.as_ref()).into_owned())
            .collect();
        self.0.write_record(&escaped)
    }

    pub fn finish(self) -> Result<String, csv::Error> {
        let bytes = self.0.into_inner().map_err(|e| e.into_error())?;
        String::from_utf8(bytes)
            .map_err(|e| csv::Error::from(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_are_neutralized_numbers_kept() {
        for bad in [
            "=1+1",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(cell(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in ["Logistique", "-3", "12.5", "+4", "a=b", ""] {
            assert_eq!(cell(ok), ok);
        }
    }

    #[test]
    fn rows_are_escaped_and_quoted() {
        let mut out = CsvOut::default();
        out.row(["department", "n"]).unwrap();
        out.row(["=cmd|' /C calc'!A0", "4"]).unwrap();
        let text = out.finish().unwrap();
        assert_eq!(text, "department,n\n'=cmd|' /C calc'!A0,4\n");
    }
}
