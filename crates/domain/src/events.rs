//! Events (training sessions, webinars and, with issue 4, other events): kinds, audiences and
//! the checks on a schedule. Times are validated here; the store only keeps epoch ms.
use crate::recurrence::{self, MAX_OCCURRENCES, MonthlyRule, Ordinal};
use crate::roles::string_enum;
use crate::validate::{Errors, FieldError};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

string_enum!(
    /// What an event is for. Training sessions and webinars drive adoption.
    EventKind { Event = "event", Training = "training", Webinar = "webinar" }
);
string_enum!(
    /// Who may see and register: everyone in the organization, or champions (and managers) only.
    Audience { All = "all", Champions = "champions" }
);
string_enum!(
    /// An answer to an invitation. Only "going" takes a seat.
    Rsvp { Going = "going", Maybe = "maybe", NotGoing = "not_going" }
);

/// Longest session accepted (a full-day training is 8 h; two days covers a seminar).
pub const MAX_DURATION_MS: i64 = 48 * 3600 * 1000;
pub const CAPACITY_MAX: i64 = 100_000;
pub const DURATION_MINUTES_MAX: u32 = 24 * 60;

/// Capacity: empty is unlimited, otherwise 1..=CAPACITY_MAX.
pub fn capacity(value: &str) -> Result<Option<i64>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<i64>() {
        Ok(n) if (1..=CAPACITY_MAX).contains(&n) => Ok(Some(n)),
        Ok(_) => Err(FieldError::with_limit(
            "training_capacity",
            "out_of_range",
            CAPACITY_MAX,
        )),
        Err(_) => Err(FieldError::new("training_capacity", "not_a_number")),
    }
}

pub fn time_zone(value: &str) -> Result<Tz, FieldError> {
    recurrence::parse_zone(value).ok_or(FieldError::new(
        "training_time_zone",
        "training_invalid_time_zone",
    ))
}

/// Start and end of a one-off session, given as local date-times in `tz`: the start must be
/// in the future and the end after the start.
pub fn schedule(
    starts: &str,
    ends: &str,
    tz: Tz,
    now_ms: i64,
) -> Result<(i64, i64), Vec<FieldError>> {
    let mut e = Errors::default();
    let start = e.check(recurrence::parse_local(starts).ok_or(FieldError::new(
        "training_starts_at",
        "training_invalid_date_time",
    )));
    let end = e.check(recurrence::parse_local(ends).ok_or(FieldError::new(
        "training_ends_at",
        "training_invalid_date_time",
    )));
    e.into_result()?;
    let (Some(start), Some(end)) = (start, end) else {
        return Err(vec![FieldError::new(
            "training_starts_at",
            "training_invalid_date_time",
        )]);
    };
    let (s, en) = (
        recurrence::local_to_ms(tz, start),
        recurrence::local_to_ms(tz, end),
    );
    check_span(s, en, now_ms)?;
    Ok((s, en))
}

fn check_span(start: i64, end: i64, now_ms: i64) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    if start <= now_ms {
        errs.push(FieldError::new("training_starts_at", "training_in_past"));
    }
    if end <= start {
        errs.push(FieldError::new(
            "training_ends_at",
            "training_end_before_start",
        ));
    } else if end - start > MAX_DURATION_MS {
        errs.push(FieldError::new("training_ends_at", "training_too_long"));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// Where people meet online: a built-in video room or an external link, not both.
pub fn online(video_room: bool, video_url: Option<&str>) -> Result<(), FieldError> {
    if video_room && video_url.is_some() {
        return Err(FieldError::new(
            "training_video_url",
            "event_video_conflict",
        ));
    }
    Ok(())
}

/// An optional web link (video room): only `http://` and `https://` with a host, no spaces.
pub fn video_url(value: &str) -> Result<Option<String>, FieldError> {
    const FIELD: &str = "training_video_url";
    let Some(v) = crate::validate::optional(FIELD, value, 1_000)? else {
        return Ok(None);
    };
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !v.chars().any(char::is_whitespace) => {
            Ok(Some(v))
        }
        _ => Err(FieldError::new(FIELD, "training_invalid_url")),
    }
}

/// The raw fields of a monthly series as forms and the API give them.
pub struct SeriesFields<'a> {
    pub ordinal: &'a str,
    pub weekday: &'a str,
    pub time: &'a str,
    pub minutes: &'a str,
    pub count: &'a str,
}

/// Checks a monthly series: ordinal, weekday, `HH:MM`, 1..=1440 minutes, 1..=24 occurrences
/// (empty count: the default 6).
pub fn monthly_rule(f: &SeriesFields) -> Result<MonthlyRule, Vec<FieldError>> {
    let mut e = Errors::default();
    let ordinal = e.check(
        Ordinal::parse(f.ordinal).ok_or(FieldError::new("training_ordinal", "invalid_choice")),
    );
    let weekday = e.check(
        recurrence::parse_weekday(f.weekday)
            .ok_or(FieldError::new("training_weekday", "invalid_choice")),
    );
    let time = e.check(
        recurrence::parse_time(f.time)
            .ok_or(FieldError::new("training_time", "training_invalid_time")),
    );
    let minutes = e.check(match f.minutes.trim().parse::<u32>() {
        Ok(m) if (1..=DURATION_MINUTES_MAX).contains(&m) => Ok(m),
        _ => Err(FieldError::with_limit(
            "training_duration_minutes",
            "out_of_range",
            DURATION_MINUTES_MAX.into(),
        )),
    });
    let count = e.check(match f.count.trim() {
        "" => Ok(recurrence::DEFAULT_OCCURRENCES),
        c => match c.parse::<u32>() {
            Ok(n) if (1..=MAX_OCCURRENCES).contains(&n) => Ok(n),
            _ => Err(FieldError::with_limit(
                "training_occurrences",
                "out_of_range",
                MAX_OCCURRENCES.into(),
            )),
        },
    });
    e.into_result()?;
    match (ordinal, weekday, time, minutes, count) {
        (Some(ordinal), Some(weekday), Some(time), Some(minutes), Some(count)) => Ok(MonthlyRule {
            ordinal,
            weekday,
            time,
            minutes,
            count,
        }),
        _ => Err(vec![FieldError::new("training_ordinal", "invalid_choice")]),
    }
}

/// Seats left (None: unlimited). Never negative, even if attendance was recorded beyond capacity.
pub fn seats_left(capacity: Option<i64>, registered: i64) -> Option<i64> {
    capacity.map(|c| (c - registered).max(0))
}

/// Share of seats taken, 0..=100, for the bar (an unlimited session shows none).
pub fn fill_percent(capacity: Option<i64>, registered: i64) -> u8 {
    match capacity {
        Some(c) if c > 0 => ((registered.clamp(0, c) * 100) / c) as u8,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recurrence::parse_zone;

    #[test]
    fn capacity_rules() {
        assert_eq!(capacity(""), Ok(None));
        assert_eq!(capacity(" 12 "), Ok(Some(12)));
        assert_eq!(capacity("0").unwrap_err().code, "out_of_range");
        assert_eq!(capacity("-3").unwrap_err().code, "out_of_range");
        assert_eq!(capacity("many").unwrap_err().code, "not_a_number");
    }

    #[test]
    fn schedule_rules() {
        let tz = parse_zone("Europe/Paris").unwrap();
        let now = crate::recurrence::local_to_ms(
            tz,
            crate::recurrence::parse_local("2027-01-01T00:00").unwrap(),
        );
        let (s, e) = schedule("2027-01-05T10:00", "2027-01-05T11:30", tz, now).unwrap();
        assert_eq!(e - s, 90 * 60_000);
        let errs = schedule("2026-12-05T10:00", "2026-12-05T09:00", tz, now).unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["training_in_past", "training_end_before_start"]);
        assert_eq!(schedule("soon", "later", tz, now).unwrap_err().len(), 2);
        assert_eq!(
            schedule("2027-01-05T10:00", "2027-01-09T10:00", tz, now).unwrap_err()[0].code,
            "training_too_long"
        );
    }

    #[test]
    fn series_rules() {
        let ok = SeriesFields {
            ordinal: "first",
            weekday: "tuesday",
            time: "12:30",
            minutes: "45",
            count: "",
        };
        let r = monthly_rule(&ok).unwrap();
        assert_eq!(r.count, 6);
        for bad in ["0", "25", "x"] {
            let f = SeriesFields { count: bad, ..ok };
            assert_eq!(
                monthly_rule(&f).unwrap_err()[0].field,
                "training_occurrences"
            );
        }
        let f = SeriesFields {
            ordinal: "ninth",
            weekday: "funday",
            time: "25:00",
            minutes: "0",
            count: "3",
        };
        assert_eq!(monthly_rule(&f).unwrap_err().len(), 4);
    }

    #[test]
    fn video_links() {
        assert_eq!(video_url(""), Ok(None));
        assert_eq!(
            video_url(" https://meet.example/abc ").unwrap().unwrap(),
            "https://meet.example/abc"
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://x.fr",
            "https://",
            "http:///x",
            "https://a b.fr",
            "meet.example",
        ] {
            assert!(video_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rsvp_and_online() {
        assert_eq!(Rsvp::parse("maybe"), Some(Rsvp::Maybe));
        assert_eq!(
            Rsvp::parse("not_going").map(Rsvp::as_str),
            Some("not_going")
        );
        assert_eq!(Rsvp::parse("yes"), None);
        assert!(online(true, None).is_ok() && online(false, Some("https://x.fr")).is_ok());
        assert_eq!(
            online(true, Some("https://x.fr")).unwrap_err().code,
            "event_video_conflict"
        );
    }

    #[test]
    fn seats() {
        assert_eq!(seats_left(Some(10), 4), Some(6));
        assert_eq!(seats_left(Some(2), 3), Some(0));
        assert_eq!(seats_left(None, 3), None);
        assert_eq!(fill_percent(Some(4), 1), 25);
        assert_eq!(fill_percent(Some(4), 9), 100);
        assert_eq!(fill_percent(None, 9), 0);
    }
}
