//! What the HTTP layer shares between requests: the application and the request metrics.
use crate::ops::Metrics;
use axum::extract::FromRef;
use std::sync::Arc;

pub use embarq_app::AppState;

#[derive(Clone)]
pub struct WebState {
    pub app: AppState,
    pub metrics: Arc<Metrics>,
}

impl WebState {
    pub fn new(app: AppState) -> Self {
        Self {
            app,
            metrics: Arc::new(Metrics::new()),
        }
    }
}

impl From<AppState> for WebState {
    fn from(app: AppState) -> Self {
        Self::new(app)
    }
}

/// Handlers and services take the application as `&AppState`.
impl std::ops::Deref for WebState {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

/// `State<AppState>` in a handler: the application alone.
impl FromRef<WebState> for AppState {
    fn from_ref(s: &WebState) -> AppState {
        s.app.clone()
    }
}
