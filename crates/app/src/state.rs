use crate::config::Config;
use crate::mail::Mailer;
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
    /// Video signalling wake-ups (see service::video).
    pub video: crate::service::video::Signals,
    /// Where file box bytes live (local directory or S3-compatible bucket).
    pub objects: Arc<dyn object_store::ObjectStore>,
    /// The Web Push (VAPID) key pair, read from the database once (see service::push).
    pub push_key: crate::service::push::KeyCell,
    /// What this process already recorded of today's activity (see service::activity).
    pub activity: crate::service::activity::Recorded,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<Self> {
        crate::install_tls_provider();
        let mailer = Mailer::new(&config)?;
        let objects = crate::service::files::open_store(&config)?;
        Ok(Self {
            db,
            config: Arc::new(config),
            mailer: Arc::new(mailer),
            hub: Hub::new(),
            video: Default::default(),
            objects,
            push_key: Default::default(),
            activity: Default::default(),
        })
    }

    pub fn shutdown(&self) {
        self.hub.close();
    }
}
