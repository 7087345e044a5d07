//! Time-ordered UUIDv7 identifiers, 16 bytes on both backends. Entities whose ids are
//! passed next to other ids get their own type (a newtype transparent to sqlx and serde), so
//! the compiler refuses an organization's id where a person's is expected; the others still
//! share the `Id` alias, to be given theirs in turn.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub type Id = Uuid;

/// A new time-ordered id.
pub fn new_id() -> Id {
    Uuid::now_v7()
}

/// Parses an id from a path segment; `None` for anything malformed (callers answer 404).
pub fn parse_id(s: &str) -> Option<Id> {
    Uuid::parse_str(s).ok()
}

macro_rules! typed_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

typed_id!(
    /// An organization (a tenant): every query of the store is scoped by one.
    OrgId
);
