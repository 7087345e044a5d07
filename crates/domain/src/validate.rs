//! Input validation shared by the web UI, the API and imports. Errors carry a field and a
//! stable code that the web layer translates into a sentence for a person.
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    /// Stable code, e.g. `required`, `too_long`, `invalid_email`.
    pub code: &'static str,
    /// The limit for `too_long` / `out_of_range`, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str) -> Self {
        Self {
            field,
            code,
            limit: None,
        }
    }
    pub fn with_limit(field: &'static str, code: &'static str, limit: i64) -> Self {
        Self {
            field,
            code,
            limit: Some(limit),
        }
    }
}

pub const NAME_MAX: usize = 120;
pub const SHORT_TEXT_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const POST_MAX: usize = 20_000;
pub const COMMENT_MAX: usize = 5_000;
pub const MESSAGE_MAX: usize = 5_000;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;
pub const GROUP_MAX: usize = 20;

/// Trims and checks a required text field; returns the trimmed text.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    optional(field, v, max).map(|o| o.unwrap_or_default())
}

/// Trims an optional text field: empty becomes `None`.
pub fn optional(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::with_limit(field, "too_long", max as i64));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(field, "invalid_characters"));
    }
    Ok((!v.is_empty()).then(|| v.to_string()))
}

/// Normalizes an e-mail address (trimmed, lower-case) after a structural check.
pub fn email(field: &'static str, value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if v.len() > EMAIL_MAX {
        return Err(FieldError::with_limit(field, "too_long", EMAIL_MAX as i64));
    }
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| {
                    c.is_whitespace()
                        || c.is_control()
                        || c == '<'
                        || c == '>'
                        || c == ','
                        || c == ';'
                })
                && !domain.contains('@')
        }
        None => false,
    };
    if ok {
        Ok(v)
    } else {
        Err(FieldError::new(field, "invalid_email"))
    }
}

/// A new password: long enough, not absurdly long.
pub fn password(field: &'static str, value: &str) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n < PASSWORD_MIN {
        Err(FieldError::with_limit(
            field,
            "too_short",
            PASSWORD_MIN as i64,
        ))
    } else if n > PASSWORD_MAX {
        Err(FieldError::with_limit(
            field,
            "too_long",
            PASSWORD_MAX as i64,
        ))
    } else {
        Ok(())
    }
}

/// A plausible birth year.
pub fn birth_year(
    field: &'static str,
    value: &str,
    current_year: i64,
) -> Result<Option<i64>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let y: i64 = v
        .parse()
        .map_err(|_| FieldError::new(field, "not_a_number"))?;
    if !(1900..=current_year - 14).contains(&y) {
        return Err(FieldError::new(field, "out_of_range"));
    }
    Ok(Some(y))
}

/// Collects the errors of several checks, keeping every one (a form shows them all).
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn emails() {
        assert_eq!(email("e", " Alice@ACME.fr ").unwrap(), "alice@acme.fr");
        for bad in [
            "", "a", "a@b", "@b.fr", "a b@c.fr", "a@.fr", "a@b.fr.", "a@b@c.fr",
        ] {
            assert!(email("e", bad).is_err(), "{bad}");
        }
    }
    #[test]
    fn texts() {
        assert_eq!(required("n", "  x ", 3).unwrap(), "x");
        assert_eq!(required("n", "   ", 3).unwrap_err().code, "required");
        assert_eq!(required("n", "abcd", 3).unwrap_err().code, "too_long");
        assert_eq!(optional("n", "", 3).unwrap(), None);
        assert_eq!(
            optional("n", "a\u{0}b", 9).unwrap_err().code,
            "invalid_characters"
        );
    }
    #[test]
    fn years() {
        assert_eq!(birth_year("y", "1980", 2026).unwrap(), Some(1980));
        assert!(birth_year("y", "19x0", 2026).is_err());
        assert!(birth_year("y", "2020", 2026).is_err());
        assert_eq!(birth_year("y", "", 2026).unwrap(), None);
    }
}
