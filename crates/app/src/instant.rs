//! Instants as the JSON API writes them: RFC 3339 with the offset
//! (`2027-01-11T08:00:00.000Z`) in answers, any offset in requests. Epoch milliseconds stay
//! the inside representation; these serde helpers convert at the edge, for the API's own
//! answers and for the service types it serializes directly.
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, milliseconds since the Unix epoch inside, RFC 3339 outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub i64);

impl From<i64> for Instant {
    fn from(ms: i64) -> Self {
        Instant(ms)
    }
}

/// Writes `ms` as RFC 3339 in UTC with milliseconds.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads an RFC 3339 instant with any offset; `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp_millis())
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_rfc3339(&s)
            .map(Instant)
            .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 date-time with offset"))
    }
}

/// `#[serde(serialize_with = "time::ms")]`: an epoch-millisecond field written as an
/// [`Instant`].
pub fn ms<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    Instant(*ms).serialize(s)
}

/// `#[serde(with = "time::opt_ms")]`: the same, optional (`null` when absent).
pub mod opt_ms {
    use super::Instant;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        ms.map(Instant).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Option::<Instant>::deserialize(d).map(|i| i.map(|i| i.0))
    }
}

impl utoipa::PartialSchema for Instant {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{KnownFormat, SchemaFormat};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some("An instant, RFC 3339 with offset"))
            .examples([serde_json::json!("2027-01-11T08:00:00.000Z")])
            .into()
    }
}
impl utoipa::ToSchema for Instant {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reads_any_offset() {
        let ms = 1_799_654_400_123;
        assert_eq!(rfc3339(ms), "2027-01-11T08:00:00.123Z");
        assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        assert_eq!(
            parse_rfc3339("2027-01-11T09:00:00.123+01:00"),
            Some(ms),
            "an offset is honoured"
        );
        assert_eq!(
            parse_rfc3339("2027-01-11T09:00"),
            None,
            "no offset, no instant"
        );
        assert_eq!(parse_rfc3339("1799654400123"), None);
    }
}
