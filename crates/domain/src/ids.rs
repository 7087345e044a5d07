//! Time-ordered UUIDv7 identifiers, 16 bytes on both backends. Organizations, people and
//! spheres, whose ids are passed next to other ids, each get their own type (a newtype
//! transparent to sqlx and serde), so the compiler refuses a sphere's id where a person's is
//! expected. Other entities share the `Id` alias: with those three typed, nearly no function
//! takes two ids of the same untyped kind (docs/decisions/0025).
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

/// Ids made from a parsed UUID (a path segment, a form field).
pub trait FromUuid: Sized {
    fn from_uuid(id: Uuid) -> Self;
}

impl FromUuid for Uuid {
    fn from_uuid(id: Uuid) -> Self {
        id
    }
}

/// Parses an id of any kind (a form field); `None` for anything malformed.
pub fn parse_as<T: FromUuid>(s: &str) -> Option<T> {
    parse_id(s).map(T::from_uuid)
}

macro_rules! typed_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(
            Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
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
        impl FromUuid for $name {
            fn from_uuid(id: Uuid) -> Self {
                Self(id)
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

typed_id!(
    /// A person: a member of an organization, whatever their status.
    UserId
);

typed_id!(
    /// A sphere (a group: open, closed or secret).
    SphereId
);
