//! Local wall-clock times in an IANA time zone, and monthly series such as "the first Tuesday
//! of every month at 12:30 for 45 minutes". Pure date arithmetic: the caller gives `now`.
//!
//! Conventions (documented for users in the README):
//! - a local time that does not exist (the spring-forward gap, e.g. 02:30 on the last Sunday
//!   of March in Europe/Paris) is moved one hour later, as calendar applications do;
//! - an ambiguous local time (the autumn fall-back hour) takes its first occurrence;
//! - "fifth weekday" skips the months that have only four of them (the series still has its
//!   full number of occurrences, later); use "last" to get one every month.
use chrono::{
    Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday,
};
use chrono_tz::Tz;

/// The default zone of forms (the product's first users are in France).
pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";
/// A series holds at most two years of monthly occurrences.
pub const MAX_OCCURRENCES: u32 = 24;
pub const DEFAULT_OCCURRENCES: u32 = 6;

/// Parses an IANA zone name ("Europe/Paris").
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// Parses a local date-time as HTML `datetime-local` sends it (`2027-01-05T10:00`, seconds optional).
pub fn parse_local(value: &str) -> Option<NaiveDateTime> {
    let v = value.trim();
    NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"))
        .ok()
}

/// Parses `HH:MM`.
pub fn parse_time(value: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(value.trim(), "%H:%M").ok()
}

/// Epoch milliseconds of a local wall-clock time in `tz` (gap: one hour later; overlap: first).
pub fn local_to_ms(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(first, _) => first.timestamp_millis(),
        LocalResult::None => {
            let later = local + Duration::hours(1);
            match tz.from_local_datetime(&later) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
                // No zone has two consecutive hour-long gaps; fall back to reading it as UTC.
                LocalResult::None => later.and_utc().timestamp_millis(),
            }
        }
    }
}

/// The local wall-clock time of an instant in `tz`.
pub fn ms_to_local(tz: Tz, ms: i64) -> NaiveDateTime {
    crate::recency::local(tz, ms).naive_local()
}

/// Which weekday of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordinal {
    /// 1 to 5: the first ... fifth such weekday (months without a fifth are skipped).
    Nth(u8),
    Last,
}

impl Ordinal {
    /// `first`..`fifth`, `last`, or `1`..`5`, `-1`.
    pub fn parse(s: &str) -> Option<Ordinal> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1" | "first" => Some(Ordinal::Nth(1)),
            "2" | "second" => Some(Ordinal::Nth(2)),
            "3" | "third" => Some(Ordinal::Nth(3)),
            "4" | "fourth" => Some(Ordinal::Nth(4)),
            "5" | "fifth" => Some(Ordinal::Nth(5)),
            "-1" | "last" => Some(Ordinal::Last),
            _ => None,
        }
    }
}

/// Parses `monday`..`sunday` (or `mon`..`sun`).
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    s.trim().parse::<Weekday>().ok()
}

/// The day of `year-month` matching `ordinal` `weekday`, if the month has it.
pub fn nth_weekday(year: i32, month: u32, weekday: Weekday, ordinal: Ordinal) -> Option<NaiveDate> {
    match ordinal {
        Ordinal::Nth(n) => NaiveDate::from_weekday_of_month_opt(year, month, weekday, n),
        Ordinal::Last => {
            let (ny, nm) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            let mut d = NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()?;
            while d.weekday() != weekday {
                d = d.pred_opt()?;
            }
            Some(d)
        }
    }
}

/// A monthly series: `count` occurrences on the `ordinal` `weekday` at `time` local, each
/// lasting `minutes`.
#[derive(Debug, Clone, Copy)]
pub struct MonthlyRule {
    pub ordinal: Ordinal,
    pub weekday: Weekday,
    pub time: NaiveTime,
    pub minutes: u32,
    pub count: u32,
}

/// The (start, end) epoch-ms of the rule's occurrences that start strictly after `after_ms`,
/// from the month of `from` on. Stops after ten years of months even if `count` is not
/// reached (only possible with a fifth weekday that never occurs, which cannot happen).
pub fn monthly_occurrences(
    rule: &MonthlyRule,
    tz: Tz,
    from: NaiveDate,
    after_ms: i64,
) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let (mut year, mut month) = (from.year(), from.month());
    for _ in 0..120 {
        if out.len() as u32 >= rule.count {
            break;
        }
        if let Some(day) = nth_weekday(year, month, rule.weekday, rule.ordinal)
            && day >= from
        {
            let start = local_to_ms(tz, day.and_time(rule.time));
            let end = local_to_ms(
                tz,
                day.and_time(rule.time) + Duration::minutes(rule.minutes.into()),
            );
            if start > after_ms {
                out.push((start, end));
            }
        }
        if month == 12 {
            year += 1;
            month = 1;
        } else {
            month += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> Tz {
        parse_zone("Europe/Paris").unwrap()
    }

    fn utc(ms: i64) -> String {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn rule(ordinal: Ordinal, weekday: Weekday, count: u32) -> MonthlyRule {
        MonthlyRule {
            ordinal,
            weekday,
            time: parse_time("10:00").unwrap(),
            minutes: 60,
            count,
        }
    }

    #[test]
    fn first_tuesday_follows_paris_daylight_saving() {
        let from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let occ = monthly_occurrences(&rule(Ordinal::Nth(1), Weekday::Tue, 12), paris(), from, 0);
        assert_eq!(occ.len(), 12);
        let starts: Vec<String> = occ.iter().map(|o| utc(o.0)).collect();
        // Winter: UTC+1, summer (from 28 March 2027 to 31 October 2027): UTC+2.
        assert_eq!(starts[0], "2027-01-05 09:00");
        assert_eq!(starts[1], "2027-02-02 09:00");
        assert_eq!(starts[2], "2027-03-02 09:00");
        assert_eq!(starts[3], "2027-04-06 08:00");
        assert_eq!(starts[9], "2027-10-05 08:00");
        assert_eq!(starts[10], "2027-11-02 09:00");
        for (s, e) in &occ {
            assert_eq!(e - s, 3_600_000);
        }
    }

    #[test]
    fn fifth_weekday_skips_months_without_one_and_last_never_skips() {
        let from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        // Fifth Friday in 2027: January 29, April 30, July 30, October 29, December 31.
        let occ = monthly_occurrences(&rule(Ordinal::Nth(5), Weekday::Fri, 3), paris(), from, 0);
        let days: Vec<String> = occ.iter().map(|o| utc(o.0)[..10].to_string()).collect();
        assert_eq!(days, ["2027-01-29", "2027-04-30", "2027-07-30"]);
        let last = monthly_occurrences(&rule(Ordinal::Last, Weekday::Fri, 3), paris(), from, 0);
        let days: Vec<String> = last.iter().map(|o| utc(o.0)[..10].to_string()).collect();
        assert_eq!(days, ["2027-01-29", "2027-02-26", "2027-03-26"]);
    }

    #[test]
    fn occurrences_already_past_are_left_out() {
        let from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let after = local_to_ms(paris(), parse_local("2027-01-10T00:00").unwrap());
        let occ = monthly_occurrences(
            &rule(Ordinal::Nth(1), Weekday::Tue, 2),
            paris(),
            from,
            after,
        );
        assert_eq!(utc(occ[0].0), "2027-02-02 09:00");
        assert_eq!(occ.len(), 2);
    }

    #[test]
    fn gap_moves_forward_and_overlap_takes_the_first() {
        // 28 March 2027 02:30 does not exist in Paris: 03:30 CEST = 01:30 UTC.
        let gap = local_to_ms(paris(), parse_local("2027-03-28T02:30").unwrap());
        assert_eq!(utc(gap), "2027-03-28 01:30");
        // 31 October 2027 02:30 happens twice: the first one is CEST = 00:30 UTC.
        let twice = local_to_ms(paris(), parse_local("2027-10-31T02:30").unwrap());
        assert_eq!(utc(twice), "2027-10-31 00:30");
        // A session crossing the change lasts its wall-clock duration minus the lost hour.
        let r = MonthlyRule {
            ordinal: Ordinal::Last,
            weekday: Weekday::Sun,
            time: parse_time("01:30").unwrap(),
            minutes: 120,
            count: 1,
        };
        let from = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let occ = monthly_occurrences(&r, paris(), from, 0);
        assert_eq!(utc(occ[0].0), "2027-03-28 00:30");
        assert_eq!(occ[0].1 - occ[0].0, 3_600_000);
    }

    #[test]
    fn parsing() {
        assert!(parse_zone("Europe/Paris").is_some());
        assert!(parse_zone("Mars/Olympus").is_none());
        assert_eq!(Ordinal::parse("first"), Some(Ordinal::Nth(1)));
        assert_eq!(Ordinal::parse("last"), Some(Ordinal::Last));
        assert_eq!(Ordinal::parse("6"), None);
        assert_eq!(parse_weekday("tuesday"), Some(Weekday::Tue));
        assert!(parse_local("2027-01-05T10:00").is_some());
        assert!(parse_local("05/01/2027").is_none());
        let t = local_to_ms(paris(), parse_local("2027-07-01T12:00").unwrap());
        assert_eq!(
            ms_to_local(paris(), t),
            parse_local("2027-07-01T12:00").unwrap()
        );
    }
}
