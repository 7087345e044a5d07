//! Time-ordered UUIDv7 identifiers. One type alias per entity keeps signatures readable
//! while storing the same 16 bytes on both backends.
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
