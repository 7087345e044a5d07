//! Markdown rendering for what people write: off the async runtime (a long text costs
//! milliseconds of CPU that must not stall other requests), and refused with a field error
//! past the domain's nesting and size bounds.
use crate::error::{AppError, AppResult};
use embarq_domain::markdown;

/// Renders `md` to safe HTML, or answers why `field` is refused (422).
pub async fn render(field: &'static str, md: &str) -> AppResult<String> {
    let md = md.to_owned();
    tokio::task::spawn_blocking(move || markdown::render(&md))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| e.field_error(field).into())
}
