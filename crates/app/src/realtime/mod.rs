//! Live updates for open pages over Server-Sent Events. Each event is one row of
//! `live_events` (a post in a sphere is one row whatever the sphere's size); each server
//! process reads new rows once and routes them in memory to the connections allowed to see
//! them (see `routes`). On PostgreSQL the rows reach every process through LISTEN/NOTIFY with
//! the event as payload; on SQLite (one process) the router reads the table after each
//! write (`Db::writes`). A connection that reconnects or falls behind catches up from the table by
//! cursor. Idle connections cost nothing: no timer, no query.
use embarq_domain::{SphereId, UserId};
mod routes;
mod stream;

pub use stream::{LiveMessage, subscribe};

use embarq_store::{Db, LiveEvent};
use futures::StreamExt;
use routes::{ConnId, Needs, Routes};
use std::collections::HashSet;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    routes: Mutex<Routes>,
    closed: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (closed, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                routes: Mutex::new(Routes::default()),
                closed,
            }),
        }
    }

    fn routes(&self) -> MutexGuard<'_, Routes> {
        // A panic while holding the lock leaves the index usable: it holds no invariant
        // that a half-done update could break beyond a missed or extra wake-up.
        self.inner.routes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the router: PostgreSQL notifications from every process, or the table after
    /// each write on SQLite.
    pub async fn start(&self, db: &Db) -> anyhow::Result<()> {
        let head = db.live_head().await?;
        let notifications = embarq_store::dialect::listen_live(db).await?;
        let writes = db.writes().unwrap_or_default();
        let hub = self.clone();
        let db = db.clone();
        tokio::spawn(async move {
            let mut closed = hub.inner.closed.subscribe();
            let mut cursor = head;
            match notifications {
                Some(stream) => {
                    let mut stream = Box::pin(stream);
                    loop {
                        tokio::select! {
                            n = stream.next() => match n {
                                Some(Ok(e)) => {
                                    cursor = cursor.max(e.seq);
                                    hub.route(&db, e).await;
                                }
                                // The listener lost its connection (it reconnects by itself):
                                // whatever was announced meanwhile is read from the table.
                                Some(Err(())) => cursor = hub.read_table(&db, cursor).await,
                                None => break,
                            },
                            _ = closed.changed() => break,
                        }
                    }
                }
                None => loop {
                    tokio::select! {
                        _ = writes.notified() => {}
                        // A write that returned early without waking is late, not lost.
                        _ = tokio::time::sleep(Duration::from_secs(5)), if !hub.routes().is_empty() => {}
                        _ = closed.changed() => break,
                    }
                    cursor = hub.read_table(&db, cursor).await;
                },
            }
        });
        Ok(())
    }

    /// Routes every row after `cursor`; answers the new cursor.
    async fn read_table(&self, db: &Db, mut cursor: i64) -> i64 {
        loop {
            let page = match db.live_events_since(cursor).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read live events");
                    return cursor;
                }
            };
            let full = page.len() as i64 >= embarq_store::LIVE_PAGE;
            for e in page {
                cursor = cursor.max(e.seq);
                self.route(db, e).await;
            }
            if !full {
                return cursor;
            }
        }
    }

    /// Applies a membership change or hands an event to its connections.
    async fn route(&self, db: &Db, e: LiveEvent) {
        if let ("revoked", Some(user)) = (e.kind.as_str(), e.user_id) {
            self.routes().close_user(user);
            return;
        }
        let needs = self.routes().needs(&e);
        match needs {
            Needs::Nothing => {}
            Needs::SpheresOf(user) => match db.live_spheres(user).await {
                Ok(spheres) => self.routes().set_spheres(user, &spheres),
                Err(err) => tracing::warn!(error = %err, "could not reload live routes"),
            },
            Needs::MembersOf(sphere) => match db
                .sphere_member_ids(sphere, embarq_domain::SphereRole::ALL)
                .await
            {
                Ok(members) => self
                    .routes()
                    .set_members(sphere, &members.into_iter().collect::<HashSet<_>>()),
                Err(err) => tracing::warn!(error = %err, "could not reload live routes"),
            },
        }
        if stream::forwarded(&e.kind) {
            self.routes().deliver(&Arc::new(e));
        }
    }

    fn register(
        &self,
        user: UserId,
        spheres: Vec<SphereId>,
    ) -> (
        Registration,
        mpsc::Receiver<Arc<LiveEvent>>,
        Arc<AtomicBool>,
    ) {
        let (tx, rx) = mpsc::channel(routes::BUFFER);
        let behind = Arc::new(AtomicBool::new(false));
        let id = self.routes().add(user, spheres, tx, behind.clone());
        (
            Registration {
                hub: self.clone(),
                id,
            },
            rx,
            behind,
        )
    }

    pub fn close(&self) {
        let _ = self.inner.closed.send(true);
    }

    pub async fn closed(&self) {
        let mut rx = self.inner.closed.subscribe();
        while !*rx.borrow() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

/// An open connection's place in the index, removed when the connection ends.
struct Registration {
    hub: Hub,
    id: ConnId,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.routes().remove(self.id);
    }
}
