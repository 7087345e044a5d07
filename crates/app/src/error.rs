//! The application's one error type. The HTTP layer turns it into a status and a page or
//! an RFC 9457 problem (`embarq_web::error`); nothing here knows HTTP.
use embarq_domain::validate::FieldError;
use embarq_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign in required")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// A rule of the product refused the action; the code names which (e.g. `last_admin`).
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("already exists: {0}")]
    Conflict(&'static str),
    #[error("too many attempts")]
    TooManyRequests,
    /// A rate limit of the product refused the action (429); the code names which.
    #[error("limited: {0}")]
    Limited(&'static str),
    #[error("the form expired")]
    Csrf,
    /// The server is saturated for this kind of work (503, retry shortly).
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => AppError::Conflict(what),
            StoreError::Refused(code) => AppError::Refused(code),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(vec![e])
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(e: Vec<FieldError>) -> Self {
        AppError::Validation(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// Stable machine-readable code, also the key of the localized message.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Validation(_) => "validation",
            AppError::Refused(c) | AppError::Conflict(c) | AppError::Limited(c) => c,
            AppError::TooManyRequests => "too_many_requests",
            AppError::Csrf => "csrf",
            AppError::Busy => "busy",
            AppError::Internal(_) => "internal",
        }
    }
}
