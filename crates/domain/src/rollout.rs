//! The rollout plan: phases from the dates, who may sign in when, and plan validation.
//!
//! Phases: preparation -> champions' early access (launch - early access days) -> launch ->
//! after launch. "After launch" starts one day after the launch, or when the last wave opened
//! if that is later: until then the organization is still rolling out.
use crate::validate::FieldError;
use chrono::{NaiveDate, NaiveTime};

pub const DAY_MS: i64 = 86_400_000;
pub const DEFAULT_EARLY_ACCESS_DAYS: i64 = 7;
pub const EARLY_ACCESS_MIN: i64 = 1;
pub const EARLY_ACCESS_MAX: i64 = 30;
/// The seeds recommend a week to ten days of early access for champions.
pub const EARLY_ACCESS_RECOMMENDED: std::ops::RangeInclusive<i64> = 7..=10;
pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";
pub const DEFAULT_TIME: &str = "09:00";
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

/// Time zones offered in the plan form (any IANA zone is accepted; conversions use chrono-tz).
pub const TIME_ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Zurich",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Vienna",
    "Europe/Warsaw",
    "Europe/Stockholm",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Bucharest",
    "UTC",
    "America/Martinique",
    "America/Guadeloupe",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Tahiti",
    "Pacific/Noumea",
    "Africa/Casablanca",
    "Asia/Dubai",
    "Asia/Singapore",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Preparation,
    EarlyAccess,
    Launch,
    AfterLaunch,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Preparation,
        Phase::EarlyAccess,
        Phase::Launch,
        Phase::AfterLaunch,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Preparation => "preparation",
            Phase::EarlyAccess => "early_access",
            Phase::Launch => "launch",
            Phase::AfterLaunch => "after_launch",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveDimension {
    Department,
    Site,
}

impl WaveDimension {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "department" => Some(Self::Department),
            "site" => Some(Self::Site),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Site => "site",
        }
    }
}

/// The whole days of early access that make it open by `now` for a launch at `launch_at`.
pub fn early_access_days_until(launch_at: i64, now: i64) -> i64 {
    ((launch_at - now) + DAY_MS - 1)
        .div_euclid(DAY_MS)
        .max(EARLY_ACCESS_MIN)
}

/// A later wave: members whose department or site matches open on their own date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    pub dimension: WaveDimension,
    pub value: String,
    pub opens_at: i64,
}

/// The dates of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub launch_at: i64,
    pub early_access_days: i64,
    pub waves: Vec<Wave>,
}

impl Schedule {
    pub fn early_access_at(&self) -> i64 {
        self.launch_at - self.early_access_days * DAY_MS
    }
    /// One day after launch, or when the last wave opened if later.
    pub fn after_launch_at(&self) -> i64 {
        let last_wave = self.waves.iter().map(|w| w.opens_at).max().unwrap_or(0);
        (self.launch_at + DAY_MS).max(last_wave)
    }
    /// When each phase starts, in order.
    pub fn phase_starts(&self) -> [(Phase, Option<i64>); 4] {
        [
            (Phase::Preparation, None),
            (Phase::EarlyAccess, Some(self.early_access_at())),
            (Phase::Launch, Some(self.launch_at)),
            (Phase::AfterLaunch, Some(self.after_launch_at())),
        ]
    }
    pub fn phase_at(&self, now: i64) -> Phase {
        if now < self.early_access_at() {
            Phase::Preparation
        } else if now < self.launch_at {
            Phase::EarlyAccess
        } else if now < self.after_launch_at() {
            Phase::Launch
        } else {
            Phase::AfterLaunch
        }
    }
    /// The next phase change after `now`, if any.
    pub fn next_change(&self, now: i64) -> Option<(Phase, i64)> {
        self.phase_starts()
            .into_iter()
            .filter_map(|(p, at)| at.map(|a| (p, a)))
            .find(|(_, at)| *at > now)
    }
}

/// Who asks to sign in, as far as the rollout is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub is_manager: bool,
    pub is_champion: bool,
    pub department: Option<&'a str>,
    pub site: Option<&'a str>,
}

fn same(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.trim().to_lowercase() == b.trim().to_lowercase())
}

/// When `who` may sign in; `None`: always (no plan, or an organization manager).
/// Champions open at early access; members of a wave at the earliest wave matching their
/// department or site; everyone else at launch.
pub fn access_opens_at(plan: Option<&Schedule>, who: Person<'_>) -> Option<i64> {
    let plan = plan?;
    if who.is_manager {
        return None;
    }
    let wave = plan
        .waves
        .iter()
        .filter(|w| match w.dimension {
            WaveDimension::Department => same(who.department, &w.value),
            WaveDimension::Site => same(who.site, &w.value),
        })
        .map(|w| w.opens_at)
        .min();
    let base = wave.unwrap_or(plan.launch_at);
    Some(if who.is_champion {
        base.min(plan.early_access_at())
    } else {
        base
    })
}

pub fn access_open(opens_at: Option<i64>, now: i64) -> bool {
    opens_at.is_none_or(|at| now >= at)
}

/// Outside the recommended 7-10 days (accepted, with a warning).
pub fn early_access_warning(days: i64) -> bool {
    !EARLY_ACCESS_RECOMMENDED.contains(&days)
}

fn zone(name: &str) -> Option<chrono_tz::Tz> {
    crate::recurrence::parse_zone(name)
}

pub fn valid_time_zone(name: &str) -> bool {
    zone(name).is_some()
}

/// The offset of `tz` from UTC at an instant, in minutes (0 for an unknown zone).
pub fn offset_minutes(tz: &str, utc_ms: i64) -> i32 {
    use chrono::Offset;
    let (Some(z), Some(t)) = (zone(tz), chrono::DateTime::from_timestamp_millis(utc_ms)) else {
        return 0;
    };
    t.with_timezone(&z).offset().fix().local_minus_utc() / 60
}

/// A local date and time in `tz` as an instant (epoch ms); a time in a spring-forward gap
/// moves an hour later, an ambiguous one takes the first occurrence.
pub fn local_to_utc(tz: &str, date: NaiveDate, time: NaiveTime) -> i64 {
    let z = zone(tz).unwrap_or(chrono_tz::UTC);
    crate::recurrence::local_to_ms(z, date.and_time(time))
}

/// An instant as local (date, time) in `tz`.
pub fn utc_to_local(tz: &str, utc_ms: i64) -> (NaiveDate, NaiveTime) {
    let local = crate::recurrence::ms_to_local(zone(tz).unwrap_or(chrono_tz::UTC), utc_ms);
    (local.date(), local.time())
}

/// A date as people type it: `2026-12-01` (also `01/12/2026`).
pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| FieldError::new(field, "rollout_invalid_date"))
}

/// A time `HH:MM`; empty means 09:00.
pub fn parse_time(field: &'static str, s: &str) -> Result<NaiveTime, FieldError> {
    let s = s.trim();
    let s = if s.is_empty() { DEFAULT_TIME } else { s };
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .map_err(|_| FieldError::new(field, "rollout_invalid_time"))
}

/// A plan as typed in the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub launch_date: String,
    pub launch_time: String,
    pub time_zone: String,
    pub early_access_days: String,
    pub announcement_title: String,
    pub announcement_body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanValues {
    pub launch_at: i64,
    pub time_zone: String,
    pub early_access_days: i64,
    pub announcement_title: String,
    pub announcement_md: String,
}

/// Checks a plan. The launch must be in the future, unless it is unchanged (`current_launch`),
/// so a plan can still be edited (announcement text) after its launch.
/// Waves already planned must still open on or after the launch.
pub fn validate_plan(
    i: &PlanInput,
    now: i64,
    current_launch: Option<i64>,
    wave_dates: &[i64],
) -> Result<PlanValues, Vec<FieldError>> {
    let mut errs = Vec::new();
    let tz = if i.time_zone.trim().is_empty() {
        DEFAULT_TIME_ZONE.to_string()
    } else {
        i.time_zone.trim().to_string()
    };
    if !valid_time_zone(&tz) {
        errs.push(FieldError::new("launch_time_zone", "invalid_choice"));
    }
    let date = parse_date("launch_date", &i.launch_date).map_err(|e| errs.push(e));
    let time = parse_time("launch_time", &i.launch_time).map_err(|e| errs.push(e));
    let days_raw = i.early_access_days.trim();
    let days = if days_raw.is_empty() {
        Some(DEFAULT_EARLY_ACCESS_DAYS)
    } else {
        match days_raw.parse::<i64>() {
            Ok(d) if (EARLY_ACCESS_MIN..=EARLY_ACCESS_MAX).contains(&d) => Some(d),
            Ok(_) => {
                errs.push(FieldError::with_limit(
                    "early_access_days",
                    "rollout_early_access_range",
                    EARLY_ACCESS_MAX,
                ));
                None
            }
            Err(_) => {
                errs.push(FieldError::new("early_access_days", "not_a_number"));
                None
            }
        }
    };
    let title = i.announcement_title.trim().to_string();
    if title.chars().count() > TITLE_MAX {
        errs.push(FieldError::with_limit(
            "announcement_title",
            "too_long",
            TITLE_MAX as i64,
        ));
    }
    let body = i.announcement_body.trim().to_string();
    if body.chars().count() > BODY_MAX {
        errs.push(FieldError::with_limit(
            "announcement_body",
            "too_long",
            BODY_MAX as i64,
        ));
    }
    if !body.is_empty() && title.is_empty() {
        errs.push(FieldError::new("announcement_title", "required"));
    }
    let launch_at = match (date, time) {
        (Ok(d), Ok(t)) if valid_time_zone(&tz) => Some(local_to_utc(&tz, d, t)),
        _ => None,
    };
    if let Some(at) = launch_at {
        if at <= now && current_launch != Some(at) {
            errs.push(FieldError::new("launch_date", "rollout_in_past"));
        } else if wave_dates.iter().any(|w| *w < at) {
            errs.push(FieldError::new("launch_date", "rollout_after_waves"));
        }
    }
    match (launch_at, days) {
        (Some(launch_at), Some(early_access_days)) if errs.is_empty() => Ok(PlanValues {
            launch_at,
            time_zone: tz,
            early_access_days,
            announcement_title: title,
            announcement_md: body,
        }),
        _ => Err(errs),
    }
}

#[derive(Debug, Clone, Default)]
pub struct WaveInput {
    pub name: String,
    pub dimension: String,
    pub value: String,
    pub opens_on: String,
    pub opens_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveValues {
    pub name: String,
    pub wave: Wave,
}

/// Checks a wave against the plan: a known dimension, a value, a date on or after launch.
pub fn validate_wave(
    i: &WaveInput,
    launch_at: i64,
    time_zone: &str,
) -> Result<WaveValues, Vec<FieldError>> {
    let mut errs = Vec::new();
    let dimension = WaveDimension::parse(&i.dimension);
    if dimension.is_none() {
        errs.push(FieldError::new("wave_dimension", "invalid_choice"));
    }
    let value = i.value.trim().to_string();
    if value.is_empty() {
        errs.push(FieldError::new("wave_value", "required"));
    } else if value.chars().count() > crate::validate::NAME_MAX {
        errs.push(FieldError::with_limit(
            "wave_value",
            "too_long",
            crate::validate::NAME_MAX as i64,
        ));
    }
    let name = i.name.trim().to_string();
    if name.chars().count() > crate::validate::NAME_MAX {
        errs.push(FieldError::with_limit(
            "wave_name",
            "too_long",
            crate::validate::NAME_MAX as i64,
        ));
    }
    let date = parse_date("wave_opens_on", &i.opens_on).map_err(|e| errs.push(e));
    let time = parse_time("wave_opens_on", &i.opens_time).map_err(|e| errs.push(e));
    let opens_at = match (date, time) {
        (Ok(d), Ok(t)) => Some(local_to_utc(time_zone, d, t)),
        _ => None,
    };
    if let Some(at) = opens_at
        && at < launch_at
    {
        errs.push(FieldError::new("wave_opens_on", "rollout_before_launch"));
    }
    match (dimension, opens_at) {
        (Some(dimension), Some(opens_at)) if errs.is_empty() => Ok(WaveValues {
            name: if name.is_empty() { value.clone() } else { name },
            wave: Wave {
                dimension,
                value,
                opens_at,
            },
        }),
        _ => Err(errs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAUNCH: i64 = 1_800_000_000_000;

    fn plan(waves: Vec<Wave>) -> Schedule {
        Schedule {
            launch_at: LAUNCH,
            early_access_days: 7,
            waves,
        }
    }

    fn wave(d: WaveDimension, v: &str, at: i64) -> Wave {
        Wave {
            dimension: d,
            value: v.into(),
            opens_at: at,
        }
    }

    fn member<'a>(dep: Option<&'a str>, site: Option<&'a str>) -> Person<'a> {
        Person {
            is_manager: false,
            is_champion: false,
            department: dep,
            site,
        }
    }

    #[test]
    fn early_access_now_opens_by_now() {
        let launch = 100 * DAY_MS;
        for now in [launch - 3 * DAY_MS, launch - 3 * DAY_MS + 1, launch - 1] {
            let days = early_access_days_until(launch, now);
            let opens = launch - days * DAY_MS;
            assert!(opens <= now && now - opens < DAY_MS, "{now}: {days}");
        }
        assert_eq!(early_access_days_until(launch, launch - 3 * DAY_MS), 3);
        assert_eq!(early_access_days_until(launch, launch - 1), 1);
    }

    #[test]
    fn phases_and_their_boundaries() {
        let p = plan(vec![]);
        let ea = LAUNCH - 7 * DAY_MS;
        assert_eq!(p.phase_at(i64::MIN), Phase::Preparation);
        assert_eq!(p.phase_at(ea - 1), Phase::Preparation);
        assert_eq!(p.phase_at(ea), Phase::EarlyAccess);
        assert_eq!(p.phase_at(LAUNCH - 1), Phase::EarlyAccess);
        assert_eq!(p.phase_at(LAUNCH), Phase::Launch);
        assert_eq!(p.phase_at(LAUNCH + DAY_MS - 1), Phase::Launch);
        assert_eq!(p.phase_at(LAUNCH + DAY_MS), Phase::AfterLaunch);
        assert_eq!(p.phase_at(i64::MAX), Phase::AfterLaunch);
    }

    #[test]
    fn the_launch_phase_lasts_until_the_last_wave() {
        let w = LAUNCH + 10 * DAY_MS;
        let p = plan(vec![
            wave(WaveDimension::Site, "Lyon", LAUNCH + 2 * DAY_MS),
            wave(WaveDimension::Department, "Sales", w),
        ]);
        assert_eq!(p.after_launch_at(), w);
        assert_eq!(p.phase_at(w - 1), Phase::Launch);
        assert_eq!(p.phase_at(w), Phase::AfterLaunch);
        // A wave on launch day does not shorten the day after launch.
        let p = plan(vec![wave(WaveDimension::Site, "Lyon", LAUNCH)]);
        assert_eq!(p.after_launch_at(), LAUNCH + DAY_MS);
    }

    #[test]
    fn next_change_walks_the_phases() {
        let p = plan(vec![]);
        let ea = LAUNCH - 7 * DAY_MS;
        assert_eq!(p.next_change(0), Some((Phase::EarlyAccess, ea)));
        assert_eq!(p.next_change(ea), Some((Phase::Launch, LAUNCH)));
        assert_eq!(
            p.next_change(LAUNCH),
            Some((Phase::AfterLaunch, LAUNCH + DAY_MS))
        );
        assert_eq!(p.next_change(LAUNCH + DAY_MS), None);
    }

    #[test]
    fn access_without_plan_and_for_managers_is_always_open() {
        assert_eq!(access_opens_at(None, member(None, None)), None);
        let p = plan(vec![]);
        let mgr = Person {
            is_manager: true,
            ..member(None, None)
        };
        assert_eq!(access_opens_at(Some(&p), mgr), None);
        assert!(access_open(None, i64::MIN));
    }

    #[test]
    fn champions_open_at_early_access_members_at_launch() {
        let p = plan(vec![]);
        let champ = Person {
            is_champion: true,
            ..member(None, None)
        };
        let ea = LAUNCH - 7 * DAY_MS;
        assert_eq!(access_opens_at(Some(&p), champ), Some(ea));
        assert_eq!(access_opens_at(Some(&p), member(None, None)), Some(LAUNCH));
        assert!(!access_open(Some(ea), ea - 1));
        assert!(access_open(Some(ea), ea));
    }

    #[test]
    fn waves_match_department_or_site_case_insensitively() {
        let w1 = LAUNCH + 3 * DAY_MS;
        let w2 = LAUNCH + 5 * DAY_MS;
        let p = plan(vec![
            wave(WaveDimension::Department, "Sales", w2),
            wave(WaveDimension::Site, " Lyon ", w1),
        ]);
        assert_eq!(
            access_opens_at(Some(&p), member(Some(" sales"), None)),
            Some(w2)
        );
        assert_eq!(
            access_opens_at(Some(&p), member(None, Some("LYON"))),
            Some(w1)
        );
        // Both match: the earliest wins.
        assert_eq!(
            access_opens_at(Some(&p), member(Some("Sales"), Some("lyon"))),
            Some(w1)
        );
        assert_eq!(
            access_opens_at(Some(&p), member(Some("Lyon"), Some("Sales"))),
            Some(LAUNCH)
        );
        // A champion in a wave still has early access.
        let champ = Person {
            is_champion: true,
            ..member(Some("Sales"), None)
        };
        assert_eq!(access_opens_at(Some(&p), champ), Some(p.early_access_at()));
    }

    #[test]
    fn early_access_warning_outside_seven_to_ten() {
        assert!(early_access_warning(1));
        assert!(early_access_warning(6));
        assert!(!early_access_warning(7));
        assert!(!early_access_warning(10));
        assert!(early_access_warning(11));
        assert!(early_access_warning(30));
    }

    #[test]
    fn paris_local_time_follows_summer_time() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let winter = local_to_utc("Europe/Paris", d(2027, 1, 15), nine);
        assert_eq!(
            winter,
            d(2027, 1, 15)
                .and_hms_opt(8, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        );
        let summer = local_to_utc("Europe/Paris", d(2027, 7, 1), nine);
        assert_eq!(
            summer,
            d(2027, 7, 1)
                .and_hms_opt(7, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        );
        assert_eq!(utc_to_local("Europe/Paris", summer), (d(2027, 7, 1), nine));
        assert_eq!(utc_to_local("Europe/Paris", winter), (d(2027, 1, 15), nine));
        // 2027: summer time from March 28 to October 31, at 01:00 UTC.
        let switch = |m, day| {
            d(2027, m, day)
                .and_hms_opt(1, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        };
        assert_eq!(offset_minutes("Europe/Paris", switch(3, 28) - 1), 60);
        assert_eq!(offset_minutes("Europe/Paris", switch(3, 28)), 120);
        assert_eq!(offset_minutes("Europe/Paris", switch(10, 31)), 60);
        assert_eq!(offset_minutes("UTC", summer), 0);
        assert_eq!(offset_minutes("Indian/Reunion", summer), 240);
    }

    fn input(date: &str, days: &str) -> PlanInput {
        PlanInput {
            launch_date: date.into(),
            launch_time: "09:30".into(),
            time_zone: String::new(),
            early_access_days: days.into(),
            announcement_title: "Welcome".into(),
            announcement_body: "**Hello**".into(),
        }
    }

    #[test]
    fn plan_validation() {
        let now = local_to_utc(
            "Europe/Paris",
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
        );
        let ok = validate_plan(&input("2027-02-01", ""), now, None, &[]).unwrap();
        assert_eq!(ok.early_access_days, 7);
        assert_eq!(ok.time_zone, DEFAULT_TIME_ZONE);
        assert_eq!(
            utc_to_local("Europe/Paris", ok.launch_at).1,
            NaiveTime::from_hms_opt(9, 30, 0).unwrap()
        );
        let fr = validate_plan(&input("01/02/2027", "30"), now, None, &[]).unwrap();
        assert_eq!(fr.launch_at, ok.launch_at);
        assert_eq!(fr.early_access_days, 30);
        let codes = |i: &PlanInput, cur: Option<i64>, waves: &[i64]| -> Vec<(&str, &str)> {
            validate_plan(i, now, cur, waves)
                .unwrap_err()
                .iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(&input("2026-12-31", "7"), None, &[]),
            vec![("launch_date", "rollout_in_past")]
        );
        // Unchanged past launch is accepted (editing after launch).
        let past = validate_plan(&input("2026-12-31", "7"), now, None, &[]);
        assert!(past.is_err());
        let at = local_to_utc(
            "Europe/Paris",
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
        );
        assert!(validate_plan(&input("2026-12-31", "7"), now, Some(at), &[]).is_ok());
        assert_eq!(
            codes(&input("2027-02-01", "0"), None, &[]),
            vec![("early_access_days", "rollout_early_access_range")]
        );
        assert_eq!(
            codes(&input("2027-02-01", "31"), None, &[]),
            vec![("early_access_days", "rollout_early_access_range")]
        );
        assert_eq!(
            codes(&input("2027-02-01", "x"), None, &[]),
            vec![("early_access_days", "not_a_number")]
        );
        assert_eq!(
            codes(&input("", "7"), None, &[]),
            vec![("launch_date", "required")]
        );
        assert_eq!(
            codes(&input("2027-13-45", "7"), None, &[]),
            vec![("launch_date", "rollout_invalid_date")]
        );
        let mut bad_tz = input("2027-02-01", "7");
        bad_tz.time_zone = "Mars/Olympus".into();
        assert_eq!(
            codes(&bad_tz, None, &[]),
            vec![("launch_time_zone", "invalid_choice")]
        );
        let mut bad_time = input("2027-02-01", "7");
        bad_time.launch_time = "25:00".into();
        assert_eq!(
            codes(&bad_time, None, &[]),
            vec![("launch_time", "rollout_invalid_time")]
        );
        let mut no_title = input("2027-02-01", "7");
        no_title.announcement_title = " ".into();
        assert_eq!(
            codes(&no_title, None, &[]),
            vec![("announcement_title", "required")]
        );
        // Moving the launch after an existing wave is refused.
        assert_eq!(
            codes(&input("2027-02-01", "7"), None, &[ok.launch_at - 1]),
            vec![("launch_date", "rollout_after_waves")]
        );
        assert!(validate_plan(&input("2027-02-01", "7"), now, None, &[ok.launch_at]).is_ok());
    }

    #[test]
    fn wave_validation() {
        let launch = local_to_utc(
            "Europe/Paris",
            NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        );
        let w = |dim: &str, value: &str, on: &str| WaveInput {
            name: String::new(),
            dimension: dim.into(),
            value: value.into(),
            opens_on: on.into(),
            opens_time: String::new(),
        };
        let ok = validate_wave(&w("site", " Lyon ", "2027-02-01"), launch, "Europe/Paris").unwrap();
        assert_eq!(ok.wave.opens_at, launch);
        assert_eq!(ok.name, "Lyon");
        assert_eq!(ok.wave.dimension, WaveDimension::Site);
        let codes = |i: &WaveInput| -> Vec<(&str, &str)> {
            validate_wave(i, launch, "Europe/Paris")
                .unwrap_err()
                .iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(&w("site", "Lyon", "2027-01-31")),
            vec![("wave_opens_on", "rollout_before_launch")]
        );
        assert_eq!(
            codes(&w("team", "Lyon", "2027-03-01")),
            vec![("wave_dimension", "invalid_choice")]
        );
        assert_eq!(
            codes(&w("department", "", "2027-03-01")),
            vec![("wave_value", "required")]
        );
        assert_eq!(
            codes(&w("department", "Sales", "soon")),
            vec![("wave_opens_on", "rollout_invalid_date")]
        );
    }
}
