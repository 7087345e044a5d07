//! Starter kit, help centre, use cases and suggestions: kinds, target roles, statuses and the
//! validation of their fields (shared by the web UI and the API).
use crate::validate::{self, Errors, FieldError};
use serde::{Deserialize, Serialize};

crate::roles::string_enum!(
    /// What a starter-kit resource is.
    KitKind { Guide = "guide", Tutorial = "tutorial", Video = "video", BestPractice = "best_practice" }
);
crate::roles::string_enum!(
    /// Who a starter-kit resource is for.
    KitRole {
        Everyone = "everyone",
        OrganizationManager = "organization_manager",
        SphereAdmin = "sphere_admin",
        Member = "member",
        Champion = "champion",
    }
);
crate::roles::string_enum!(
    /// Where a suggestion stands.
    SuggestionStatus {
        New = "new",
        UnderReview = "under_review",
        Planned = "planned",
        Done = "done",
        Declined = "declined",
    }
);

pub const KIT_TITLE_MAX: usize = 200;
pub const KIT_BODY_MAX: usize = 20_000;
pub const URL_MAX: usize = 2_000;
pub const ARTICLE_BODY_MAX: usize = 50_000;
pub const SUGGESTION_BODY_MAX: usize = 5_000;
pub const TAG_MAX: usize = 80;

/// An optional link: only absolute http(s) URLs without spaces or control characters.
pub fn url(field: &'static str, value: &str) -> Result<Option<String>, FieldError> {
    let Some(v) = validate::optional(field, value, URL_MAX)? else {
        return Ok(None);
    };
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(h) if !h.is_empty() && !v.chars().any(char::is_whitespace) => Ok(Some(v)),
        _ => Err(FieldError::new(field, "invalid_url")),
    }
}

/// A validated starter-kit resource: a title, a kind, a role and a URL or a Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitItem {
    pub title: String,
    pub kind: KitKind,
    pub url: Option<String>,
    pub body_md: String,
    pub role: KitRole,
}

pub fn kit_item(
    title: &str,
    kind: &str,
    url_text: &str,
    body: &str,
    role: &str,
) -> Result<KitItem, Vec<FieldError>> {
    let mut e = Errors::default();
    let title = e.check(validate::required("kit_title", title, KIT_TITLE_MAX));
    let kind =
        e.check(KitKind::parse(kind.trim()).ok_or(FieldError::new("kit_kind", "invalid_choice")));
    let url = e.check(url("kit_url", url_text));
    let body = e.check(validate::optional("kit_body", body, KIT_BODY_MAX));
    let role =
        e.check(KitRole::parse(role.trim()).ok_or(FieldError::new("kit_role", "invalid_choice")));
    if let (Some(None), Some(None)) = (&url, &body) {
        e.0.push(FieldError::new("kit_url", "url_or_body"));
    }
    e.into_result()?;
    match (title, kind, url, body, role) {
        (Some(title), Some(kind), Some(url), Some(body), Some(role)) => Ok(KitItem {
            title,
            kind,
            url,
            body_md: body.unwrap_or_default(),
            role,
        }),
        _ => Err(vec![FieldError::new("kit_title", "required")]),
    }
}

/// A help-centre article: title and Markdown body, both required.
pub fn article(title: &str, body: &str) -> Result<(String, String), Vec<FieldError>> {
    let mut e = Errors::default();
    let t = e.check(validate::required("article_title", title, KIT_TITLE_MAX));
    let b = e.check(validate::required("article_body", body, ARTICLE_BODY_MAX));
    e.into_result()?;
    Ok((t.unwrap_or_default(), b.unwrap_or_default()))
}

/// A suggestion: title required, body optional.
pub fn suggestion(title: &str, body: &str) -> Result<(String, String), Vec<FieldError>> {
    let mut e = Errors::default();
    let t = e.check(validate::required("suggestion_title", title, KIT_TITLE_MAX));
    let b = e.check(validate::optional(
        "suggestion_body",
        body,
        SUGGESTION_BODY_MAX,
    ));
    e.into_result()?;
    Ok((t.unwrap_or_default(), b.flatten().unwrap_or_default()))
}

/// Use-case tags: a theme is required, the department is optional.
pub fn use_case_tags(
    department: &str,
    theme: &str,
) -> Result<(Option<String>, String), Vec<FieldError>> {
    let mut e = Errors::default();
    let d = e.check(validate::optional(
        "usecase_department",
        department,
        TAG_MAX,
    ));
    let t = e.check(validate::required("usecase_theme", theme, TAG_MAX));
    e.into_result()?;
    Ok((d.flatten(), t.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url("u", "").unwrap(), None);
        assert_eq!(
            url("u", " https://example.com/a?b ").unwrap().as_deref(),
            Some("https://example.com/a?b")
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://x.fr",
            "https://",
            "http:// x",
            "example.com",
        ] {
            assert_eq!(url("u", bad).unwrap_err().code, "invalid_url", "{bad}");
        }
    }

    #[test]
    fn kit_items() {
        let ok = kit_item("Guide", "guide", "https://x.fr", "", "everyone").unwrap();
        assert_eq!(ok.kind, KitKind::Guide);
        let errs = kit_item(" ", "podcast", "", "", "boss").unwrap_err();
        let codes: Vec<_> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert!(codes.contains(&("kit_title", "required")));
        assert!(codes.contains(&("kit_kind", "invalid_choice")));
        assert!(codes.contains(&("kit_role", "invalid_choice")));
        assert!(codes.contains(&("kit_url", "url_or_body")));
        assert!(kit_item("T", "video", "", "Some **text**", "champion").is_ok());
    }

    #[test]
    fn statuses_and_texts() {
        assert_eq!(
            SuggestionStatus::parse("under_review"),
            Some(SuggestionStatus::UnderReview)
        );
        assert!(SuggestionStatus::parse("closed").is_none());
        assert!(suggestion("", "x").is_err());
        assert!(suggestion("Idea", &"x".repeat(SUGGESTION_BODY_MAX + 1)).is_err());
        assert_eq!(
            use_case_tags(" ", "Sales").unwrap(),
            (None, "Sales".to_string())
        );
        assert!(use_case_tags("RH", "").is_err());
        assert!(article("T", "").is_err());
    }
}
