//! The API's one style of time. An instant is RFC 3339 with its offset
//! (`2027-01-11T08:00:00.000Z`), in answers and in requests (any offset is accepted). Things
//! scheduled by the clock (events, training sessions, the launch, waves) are also given as a
//! local date-time without offset (`2027-01-11T09:00`) together with an IANA zone
//! (`Europe/Paris`), so "9:00 in Paris" stays 9:00 across a change of daylight saving time.
pub use embarq_app::instant::{Instant, ms, opt_ms};

/// `ms` as the local date-time `YYYY-MM-DDTHH:MM` in the IANA `zone` (UTC if unknown).
pub fn local(ms: i64, zone: &str) -> String {
    let tz = embarq_domain::recurrence::parse_zone(zone).unwrap_or(chrono_tz::UTC);
    embarq_domain::recurrence::ms_to_local(tz, ms)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}
