//! What a person did on a day (visited, read, posted, commented, reacted, messaged), kept as
//! one small row per person and day, and the figures read from it: daily, weekly and monthly
//! active people, stickiness and cohort retention. No I/O.
use crate::adoption::{DAY_MS, percent};
use crate::roles::string_enum;
use serde::{Deserialize, Serialize};

string_enum!(
    /// One kind of activity; a day's row keeps the set of kinds as bits.
    Activity { Visited = "visited", Read = "read", Posted = "posted", Commented = "commented", Reacted = "reacted", Messaged = "messaged" }
);

impl Activity {
    /// The kind's bit in a day's set.
    pub fn bit(self) -> i32 {
        1 << (self as u32)
    }
}

/// The day (since the Unix epoch, UTC) an instant falls on.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// How long a person's days are kept: 13 months, more than the dashboard reads (90 days of
/// series, 12 weekly cohorts); the anonymous count of people active each day stays.
pub const DAYS_KEPT: i64 = 400;

/// The weeks after activation that retention is reported for.
pub const RETENTION_WEEKS: [u32; 4] = [1, 2, 4, 8];
/// A person's weeks after activation (week `(day - activation day) / 7`, marked by the
/// store) are kept as bits of one 64-bit number; later weeks are not kept (retention stops
/// at week 8).
pub const WEEKS_KEPT: i64 = 62;

/// Cohorts are the weeks people were activated in, Monday to Sunday (UTC). Day 0 of the
/// epoch was a Thursday.
pub fn cohort_of(day: i64) -> i64 {
    (day + 3).div_euclid(7)
}

/// The first day (a Monday) of cohort `week`.
pub fn cohort_start(week: i64) -> i64 {
    week * 7 - 3
}

/// Whether week `k` after activation has begun for everyone of cohort `week` by `today`:
/// until then its share would be understated, so it is not shown.
pub fn week_reached(cohort: i64, k: u32, today: i64) -> bool {
    // The cohort's last member was activated on its Sunday; their week k starts 7k days later.
    cohort_start(cohort) + 6 + 7 * i64::from(k) <= today
}

/// Stickiness: the average of daily active people over a period against the people active
/// in the whole period (monthly active), percent.
pub fn stickiness(daily_active: &[i64], monthly_active: i64) -> f64 {
    if daily_active.is_empty() {
        return 0.0;
    }
    let total: i64 = daily_active.iter().sum();
    percent(total, monthly_active * daily_active.len() as i64)
}

/// The active weeks of a cohort's members, as counted by the store: `size` people, `kept[i]`
/// of whom were active in week `RETENTION_WEEKS[i]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortCount {
    pub week: i64,
    pub size: i64,
    pub kept: [i64; 4],
}

impl CohortCount {
    /// The share still active in each reported week, percent; `None` for a week the cohort
    /// has not reached by `today`.
    pub fn retention(&self, today: i64) -> [Option<f64>; 4] {
        let mut out = [None; 4];
        for (i, k) in RETENTION_WEEKS.iter().enumerate() {
            if week_reached(self.week, *k, today) {
                out[i] = Some(percent(self.kept[i], self.size));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_bits() {
        let all: i32 = Activity::ALL.iter().map(|a| a.bit()).sum();
        assert_eq!(all, 63);
    }

    #[test]
    fn cohorts_are_monday_to_sunday() {
        // 2026-12-07 is a Monday: day 20_794.
        let monday = 20_794;
        assert_eq!(cohort_of(monday), cohort_of(monday + 6));
        assert_ne!(cohort_of(monday), cohort_of(monday - 1));
        assert_eq!(cohort_start(cohort_of(monday + 3)), monday);
    }

    #[test]
    fn a_week_is_shown_once_the_whole_cohort_reached_it() {
        let monday = 20_794;
        let c = cohort_of(monday);
        // The Sunday's members reach week 1 on the next Sunday.
        assert!(!week_reached(c, 1, monday + 12));
        assert!(week_reached(c, 1, monday + 13));
        let count = CohortCount {
            week: c,
            size: 4,
            kept: [3, 2, 1, 0],
        };
        assert_eq!(
            count.retention(monday + 20),
            [Some(75.0), Some(50.0), None, None]
        );
    }

    #[test]
    fn stickiness_is_average_daily_over_monthly() {
        assert_eq!(stickiness(&[10, 20, 30], 100), 20.0);
        assert_eq!(stickiness(&[], 100), 0.0);
        assert_eq!(stickiness(&[5], 0), 0.0);
    }
}
