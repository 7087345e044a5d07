//! How long ago something happened, as people say it ("il y a 5 min", "hier à 14:02"), in
//! the reader's time zone. The words are the interface's; this decides which to use.
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

/// When `at` was, seen at `now` from zone `tz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recency {
    /// Less than a minute ago.
    JustNow,
    /// 1 to 59 minutes ago.
    MinutesAgo(i64),
    /// Earlier today (local day), at this local time.
    Today(NaiveTime),
    /// Yesterday (local day), at this local time.
    Yesterday(NaiveTime),
    /// Within the last week, on this weekday.
    ThisWeek(Weekday, NaiveTime),
    /// Longer ago, or in the future: show the date and time in full.
    Dated(NaiveDate, NaiveTime),
}

/// The instant `ms` (epoch milliseconds) in `tz`.
pub fn local(tz: Tz, ms: i64) -> DateTime<Tz> {
    tz.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(|| tz.timestamp_millis_opt(0).unwrap())
}

/// Which way to say when `at` was, read at `now` in `tz`.
pub fn recency(at: i64, now: i64, tz: Tz) -> Recency {
    let then = local(tz, at);
    let today = local(tz, now).date_naive();
    let (day, time) = (then.date_naive(), then.time());
    let ago = now - at;
    if ago < 0 {
        return Recency::Dated(day, time);
    }
    if ago < 60_000 {
        return Recency::JustNow;
    }
    if ago < 3_600_000 {
        return Recency::MinutesAgo(ago / 60_000);
    }
    let days = today.signed_duration_since(day).num_days();
    match days {
        0 => Recency::Today(time),
        1 => Recency::Yesterday(time),
        2..=6 => Recency::ThisWeek(day.weekday(), time),
        _ => Recency::Dated(day, time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn paris() -> Tz {
        crate::recurrence::parse_zone("Europe/Paris").unwrap()
    }

    fn ms(s: &str) -> i64 {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn recent_times_are_relative_and_older_ones_dated_in_the_readers_zone() {
        let now = ms("2026-12-07 13:30"); // 14:30 in Paris, a Monday
        let r = |at| recency(ms(at), now, paris());
        assert_eq!(r("2026-12-07 13:29"), Recency::MinutesAgo(1));
        assert_eq!(recency(now - 30_000, now, paris()), Recency::JustNow);
        assert_eq!(r("2026-12-07 12:35"), Recency::MinutesAgo(55));
        assert_eq!(r("2026-12-07 12:00"), Recency::Today(hm(13, 0)));
        // 23:30 UTC on the 6th is already the 7th in Paris: today, not yesterday.
        assert_eq!(r("2026-12-06 23:30"), Recency::Today(hm(0, 30)));
        assert_eq!(r("2026-12-06 13:02"), Recency::Yesterday(hm(14, 2)));
        assert_eq!(
            r("2026-12-02 08:00"),
            Recency::ThisWeek(Weekday::Wed, hm(9, 0))
        );
        assert_eq!(
            r("2026-11-30 08:00"),
            Recency::Dated(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), hm(9, 0))
        );
        // Summer time: 12:00 UTC is 14:00 in Paris.
        assert_eq!(
            recency(ms("2026-07-01 12:00"), now, paris()),
            Recency::Dated(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(), hm(14, 0))
        );
        // Ahead of now (an event): always the full date.
        assert!(matches!(r("2026-12-08 09:00"), Recency::Dated(..)));
    }
}
