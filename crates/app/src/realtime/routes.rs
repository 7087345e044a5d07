//! Which open connection receives which live event: an index from sphere to connections and
//! from person to connections, kept in memory by each server process. Connections are
//! indexed under the spheres their person belongs to, never broadcast to, so a secret
//! sphere's events reach its members only.
use embarq_domain::{SphereId, UserId};
use embarq_store::LiveEvent;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;

/// Events a connection may have waiting before it counts as behind (it then catches up from
/// the events table instead of holding more in memory).
pub const BUFFER: usize = 256;

pub type ConnId = u64;

struct Conn {
    user: UserId,
    spheres: Vec<SphereId>,
    tx: mpsc::Sender<Arc<LiveEvent>>,
    behind: Arc<AtomicBool>,
}

#[derive(Default)]
pub struct Routes {
    next: ConnId,
    conns: HashMap<ConnId, Conn>,
    by_sphere: HashMap<SphereId, HashSet<ConnId>>,
    by_user: HashMap<UserId, HashSet<ConnId>>,
}

/// What the routing of one event needs from the database first.
pub enum Needs {
    Nothing,
    /// The spheres of this person (their memberships changed).
    SpheresOf(UserId),
    /// The members of this sphere (many memberships changed at once).
    MembersOf(SphereId),
}

impl Routes {
    pub fn add(
        &mut self,
        user: UserId,
        spheres: Vec<SphereId>,
        tx: mpsc::Sender<Arc<LiveEvent>>,
        behind: Arc<AtomicBool>,
    ) -> ConnId {
        self.next += 1;
        let id = self.next;
        for s in &spheres {
            self.by_sphere.entry(*s).or_default().insert(id);
        }
        self.by_user.entry(user).or_default().insert(id);
        self.conns.insert(
            id,
            Conn {
                user,
                spheres,
                tx,
                behind,
            },
        );
        id
    }

    pub fn remove(&mut self, id: ConnId) {
        let Some(c) = self.conns.remove(&id) else {
            return;
        };
        for s in &c.spheres {
            unindex(&mut self.by_sphere, *s, id);
        }
        unindex(&mut self.by_user, c.user, id);
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// Whether someone has a connection open here.
    pub fn has_user(&self, user: UserId) -> bool {
        self.by_user.contains_key(&user)
    }

    /// The connections `user` has open here.
    fn conns_of(&self, user: UserId) -> Vec<ConnId> {
        self.by_user
            .get(&user)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    /// What must be read before `e` can be applied (membership changes), if anyone here cares.
    pub fn needs(&self, e: &LiveEvent) -> Needs {
        match (e.kind.as_str(), e.user_id, e.sphere_id) {
            ("membership", Some(u), _) if self.has_user(u) => Needs::SpheresOf(u),
            ("members", _, Some(s)) if !self.is_empty() => Needs::MembersOf(s),
            _ => Needs::Nothing,
        }
    }

    /// Ends every connection of `user` here (their credentials were revoked): dropping the
    /// sender ends the stream, and the page's reconnection is refused.
    pub fn close_user(&mut self, user: UserId) {
        let ids = self.conns_of(user);
        for id in ids {
            self.remove(id);
        }
    }

    /// `user`'s connections now follow exactly `spheres`.
    pub fn set_spheres(&mut self, user: UserId, spheres: &[SphereId]) {
        let ids = self.conns_of(user);
        for id in ids {
            let old = match self.conns.get_mut(&id) {
                Some(c) => std::mem::replace(&mut c.spheres, spheres.to_vec()),
                None => continue,
            };
            for s in old {
                unindex(&mut self.by_sphere, s, id);
            }
            for s in spheres {
                self.by_sphere.entry(*s).or_default().insert(id);
            }
        }
    }

    /// The members of `sphere` are now exactly `members` (for the connections open here).
    pub fn set_members(&mut self, sphere: SphereId, members: &HashSet<UserId>) {
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            let Some(c) = self.conns.get_mut(&id) else {
                continue;
            };
            let has = c.spheres.contains(&sphere);
            let should = members.contains(&c.user);
            if has && !should {
                c.spheres.retain(|s| *s != sphere);
                unindex(&mut self.by_sphere, sphere, id);
            } else if should && !has {
                c.spheres.push(sphere);
                self.by_sphere.entry(sphere).or_default().insert(id);
            }
        }
    }

    /// Hands `e` to the connections allowed to see it. A connection whose buffer is full is
    /// marked behind (it re-reads from the table); a closed one is dropped.
    pub fn deliver(&mut self, e: &Arc<LiveEvent>) -> usize {
        let targets = match (e.user_id, e.sphere_id) {
            (Some(u), _) => self.by_user.get(&u),
            (None, Some(s)) => self.by_sphere.get(&s),
            (None, None) => None,
        };
        let Some(targets) = targets else { return 0 };
        let mut gone = Vec::new();
        let mut sent = 0;
        for id in targets {
            let Some(c) = self.conns.get(id) else {
                continue;
            };
            match c.tx.try_send(e.clone()) {
                Ok(()) => sent += 1,
                Err(mpsc::error::TrySendError::Full(_)) => c.behind.store(true, Ordering::Release),
                Err(mpsc::error::TrySendError::Closed(_)) => gone.push(*id),
            }
        }
        for id in gone {
            self.remove(id);
        }
        sent
    }
}

fn unindex<K: std::hash::Hash + Eq>(index: &mut HashMap<K, HashSet<ConnId>>, key: K, id: ConnId) {
    if let Some(set) = index.get_mut(&key) {
        set.remove(&id);
        if set.is_empty() {
            index.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(user: Option<UserId>, sphere: Option<SphereId>, kind: &str) -> Arc<LiveEvent> {
        Arc::new(LiveEvent {
            seq: 1,
            user_id: user,
            sphere_id: sphere,
            kind: kind.into(),
            ref_id: None,
            created_at: 0,
        })
    }

    #[test]
    fn events_reach_members_only_and_follow_membership() {
        let mut r = Routes::default();
        let (alice, bob) = (UserId::generate(), UserId::generate());
        let (open, secret) = (SphereId::generate(), SphereId::generate());
        let (ta, mut ra) = mpsc::channel(BUFFER);
        let (tb, mut rb) = mpsc::channel(BUFFER);
        r.add(alice, vec![open, secret], ta, Default::default());
        let b = r.add(bob, vec![open], tb, Default::default());
        assert_eq!(r.deliver(&event(None, Some(secret), "post")), 1);
        assert!(ra.try_recv().is_ok());
        assert!(
            rb.try_recv().is_err(),
            "a non-member never receives a secret sphere's event"
        );
        assert_eq!(r.deliver(&event(Some(bob), None, "notification")), 1);
        assert!(rb.try_recv().is_ok() && ra.try_recv().is_err());
        r.set_spheres(alice, &[open]);
        assert_eq!(
            r.deliver(&event(None, Some(secret), "post")),
            0,
            "a member who left stops receiving"
        );
        r.set_members(secret, &[bob].into_iter().collect());
        assert_eq!(r.deliver(&event(None, Some(secret), "post")), 1);
        assert!(rb.try_recv().is_ok());
        r.remove(b);
        assert_eq!(r.deliver(&event(None, Some(secret), "post")), 0);
        assert!(
            !r.by_sphere.contains_key(&secret),
            "no empty entries are kept"
        );
    }

    #[test]
    fn a_full_buffer_marks_the_connection_behind() {
        let mut r = Routes::default();
        let (u, s) = (UserId::generate(), SphereId::generate());
        let (tx, _rx) = mpsc::channel(1);
        let behind = Arc::new(AtomicBool::new(false));
        r.add(u, vec![s], tx, behind.clone());
        r.deliver(&event(None, Some(s), "post"));
        assert!(!behind.load(Ordering::Acquire));
        r.deliver(&event(None, Some(s), "post"));
        assert!(behind.load(Ordering::Acquire));
    }
}
