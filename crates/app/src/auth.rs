//! Who is acting: password hashing (bounded by the machine's cores), secret tokens and
//! the signed-in person as services receive them.
use crate::error::{AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use embarq_domain::policy::Viewer;
use embarq_store::User;
use rand::Rng;
use sha2::{Digest, Sha256};

/// A random URL-safe secret of 32 bytes.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// What the database stores for a secret: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares a presented secret with the expected one in constant time (over their
/// SHA-256, so neither the content nor the length leaks through timing).
pub fn same_secret(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.as_slice().ct_eq(b.as_slice()).into()
}

/// Argon2 is meant to be slow: each check takes a core and about 19 MiB. Running more
/// at once than there are cores only multiplies memory, so checks wait for a slot.
static PASSWORD_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    });

/// How long a password check may queue before the server says it is busy (503).
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The right to run one argon2 computation now.
pub struct PasswordSlot(#[allow(dead_code)] tokio::sync::SemaphorePermit<'static>);

/// Waits for a free password slot, or answers `Busy` when the queue is too long.
pub async fn password_slot() -> AppResult<PasswordSlot> {
    match tokio::time::timeout(SLOT_WAIT, PASSWORD_SLOTS.acquire()).await {
        Ok(Ok(permit)) => Ok(PasswordSlot(permit)),
        Ok(Err(_)) | Err(_) => Err(AppError::Busy),
    }
}

impl PasswordSlot {
    /// Hashes a password with argon2id on the blocking pool.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        tokio::task::spawn_blocking(move || {
            let mut bytes = [0u8; 16];
            rand::rng().fill_bytes(&mut bytes);
            let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
    }

    /// Checks a password on the blocking pool. Unknown accounts are checked against a
    /// dummy hash so response times do not reveal which e-mails exist.
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0wN3qf8j4vWUyd9Y3xhEzA0mNqv7xg0t3C4mI6ZQ2lI";
        tokio::task::spawn_blocking(move || {
            let h = hash.as_deref().unwrap_or(DUMMY);
            let ok = PasswordHash::new(h)
                .map(|p| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &p)
                        .is_ok()
                })
                .unwrap_or(false);
            ok && hash.is_some()
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))
    }
}

/// Hashes a password with argon2id once a slot is free.
pub async fn hash_password(password: String) -> AppResult<String> {
    password_slot().await?.hash(password).await
}

/// Checks a password once a slot is free (see [`PasswordSlot::verify`]).
pub async fn verify_password(password: String, hash: Option<String>) -> AppResult<bool> {
    password_slot().await?.verify(password, hash).await
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The signed-in person of a request, put in request extensions by the middleware.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub via: Via,
    /// Hash of the session token (to sign out this session).
    pub session_hash: Option<String>,
    /// The zone the browser says it is in (its `embarq_tz` cookie), for people who chose none.
    pub browser_zone: Option<chrono_tz::Tz>,
}

/// Proof that the caller manages their organization. Only [`Manager::of`] makes one, and
/// only from the policy, so a function given a `Manager` needs no check of its own.
#[derive(Debug, Clone, Copy)]
pub struct Manager {
    org_id: embarq_domain::OrgId,
    user_id: embarq_domain::UserId,
}

impl Manager {
    /// The proof for `auth`, or `Forbidden`.
    pub fn of(auth: &Auth) -> AppResult<Self> {
        if embarq_domain::policy::can_manage_org(auth.viewer()) {
            Ok(Self {
                org_id: auth.user.org_id,
                user_id: auth.user.id,
            })
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The organization this manager manages.
    pub fn org_id(&self) -> embarq_domain::OrgId {
        self.org_id
    }

    pub fn user_id(&self) -> embarq_domain::UserId {
        self.user_id
    }
}

impl Auth {
    pub fn viewer(&self) -> Viewer {
        Viewer {
            org_role: self.user.org_role,
        }
    }
}
