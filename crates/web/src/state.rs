use crate::config::Config;
use crate::mail::Mailer;
use crate::ops::Metrics;
use crate::realtime::Hub;
use embarq_store::Db;
use std::sync::Arc;

/// Shared state of one server process. Everything other processes must see lives in the database.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub mailer: Arc<Mailer>,
    pub hub: Hub,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<Self> {
        let mailer = Mailer::new(&config)?;
        Ok(Self {
            db,
            config: Arc::new(config),
            mailer: Arc::new(mailer),
            hub: Hub::new(),
            metrics: Arc::new(Metrics::new()),
        })
    }

    /// Starts the cross-process listener (PostgreSQL) and periodic cleanup.
    pub async fn start_background_tasks(&self) -> anyhow::Result<()> {
        self.hub.start(&self.db).await?;
        let db = self.db.clone();
        let hub = self.hub.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(e) = db.prune_live_events(24 * 3600 * 1000).await {
                            tracing::warn!(error = %e, "pruning live events failed");
                        }
                    }
                    _ = hub.closed() => break,
                }
            }
        });
        Ok(())
    }

    pub fn shutdown(&self) {
        self.hub.close();
    }
}
