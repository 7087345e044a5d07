//! Roles and sphere kinds, stored as short lower-case strings. Each is a `sqlx` type on
//! every backend (TEXT), so rows decode into it and queries bind it: a value the enum does
//! not know fails to decode instead of being compared as a string.
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn parse(s: &str) -> Option<Self> { match s { $($text => Some($name::$variant),)+ _ => None } }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name where str: sqlx::Type<DB> {
            fn type_info() -> DB::TypeInfo { <str as sqlx::Type<DB>>::type_info() }
            fn compatible(ty: &DB::TypeInfo) -> bool { <str as sqlx::Type<DB>>::compatible(ty) }
        }
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name where &'q str: sqlx::Encode<'q, DB> {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let text: &'q str = self.as_str();
                <&'q str as sqlx::Encode<'q, DB>>::encode_by_ref(&text, buf)
            }
        }
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name where &'r str: sqlx::Decode<'r, DB> {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Self::parse(text).ok_or_else(|| format!("unknown {} {text:?}", stringify!($name)).into())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// Role of a person in the organization.
    OrgRole { Manager = "manager", Member = "member" }
);
string_enum!(
    /// Role of a person inside a sphere.
    SphereRole { Admin = "admin", Publisher = "publisher", Member = "member" }
);
string_enum!(
    /// Who can see and join a sphere.
    SphereKind { Open = "open", Closed = "closed", Secret = "secret" }
);
string_enum!(
    /// Lifecycle of an account.
    UserStatus { Invited = "invited", Active = "active", Deactivated = "deactivated" }
);
string_enum!(
    /// A pending link between a person and a sphere.
    RequestKind { JoinRequest = "request", Invitation = "invitation" }
);
string_enum!(
    /// Whether a publication is visible to the sphere or waits for approval.
    PostStatus { Published = "published", Pending = "pending" }
);

impl SphereRole {
    /// Publication managers and administrators moderate content.
    pub fn moderates(self) -> bool {
        matches!(self, SphereRole::Admin | SphereRole::Publisher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip() {
        for k in SphereKind::ALL {
            assert_eq!(SphereKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(SphereRole::parse("owner"), None);
    }
}
