//! Adoption rules: the activation funnel's stages, generation bands, contests and the
//! reminders ("nudges") sent to invited members who have not activated yet.
use crate::validate::FieldError;

pub const DAY_MS: i64 = 86_400_000;
/// "Active" means seen within this window.
pub const ACTIVE_WINDOW_MS: i64 = 7 * DAY_MS;

/// A completed profile is one colleagues can recognize: a photo and a job title. Department
/// and site usually come from the HR import, so they do not prove the member did anything.
pub fn profile_completed(
    has_photo: bool,
    title: Option<&str>,
    _department: Option<&str>,
    _site: Option<&str>,
) -> bool {
    has_photo && title.is_some_and(|t| !t.trim().is_empty())
}

/// Generation bands are the champions' ones (`champions::Generation`), so the funnel and
/// the champions' proposal stratify alike; a missing birth year is the "unknown" band (`None`).
pub use crate::champions::Generation as Band;

pub fn generation_band(birth_year: Option<i64>) -> Option<Band> {
    birth_year.map(Band::of)
}

/// Label of a band for people; the unknown band is translated by the caller.
pub fn band_label(band: Option<Band>) -> Option<&'static str> {
    band.map(Band::label)
}

/// Where a member stands in the funnel; each stage counts members who reached it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stage {
    pub invited: i64,
    pub activated: i64,
    pub profile_completed: i64,
    pub contributed: i64,
    pub active_7d: i64,
}

impl Stage {
    pub fn add(&mut self, o: &Stage) {
        self.invited += o.invited;
        self.activated += o.activated;
        self.profile_completed += o.profile_completed;
        self.contributed += o.contributed;
        self.active_7d += o.active_7d;
    }
    /// Activated share of invited members, in percent (0 when nobody is invited).
    pub fn activation_rate(&self) -> f64 {
        percent(self.activated, self.invited)
    }
}

pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64) * 100.0 / (whole as f64)
    }
}

/// The breakdowns of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Department,
    Site,
    Generation,
    Level,
    Champion,
    Training,
}

impl Breakdown {
    pub const ALL: [Breakdown; 6] = [
        Breakdown::Department,
        Breakdown::Site,
        Breakdown::Generation,
        Breakdown::Level,
        Breakdown::Champion,
        Breakdown::Training,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Breakdown::Department => "department",
            Breakdown::Site => "site",
            Breakdown::Generation => "generation",
            Breakdown::Level => "level",
            Breakdown::Champion => "champion",
            Breakdown::Training => "training",
        }
    }
    pub fn parse(s: &str) -> Option<Breakdown> {
        Breakdown::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// What a contest compares between sites or departments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContestMetric {
    /// Activated members / invited members.
    ActivationRate,
    /// Posts and comments written during the contest / headcount.
    ContributionsPerMember,
    /// People activated during the contest / people not activated when it started, percent:
    /// a team that had already come does not win on its past.
    Activations,
}

impl ContestMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            ContestMetric::ActivationRate => "activation_rate",
            ContestMetric::ContributionsPerMember => "contributions_per_member",
            ContestMetric::Activations => "activations",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "activation_rate" => Some(Self::ActivationRate),
            "contributions_per_member" => Some(Self::ContributionsPerMember),
            "activations" => Some(Self::Activations),
            _ => None,
        }
    }
    /// The score of a team: a rate normalized by headcount, so big sites do not win by size.
    pub fn score(self, t: &TeamFigures) -> f64 {
        let TeamFigures {
            headcount,
            activated,
            activated_during,
            contributions,
        } = *t;
        match self {
            ContestMetric::ActivationRate => percent(activated, headcount),
            ContestMetric::Activations => {
                percent(activated_during, headcount - (activated - activated_during))
            }
            ContestMetric::ContributionsPerMember if headcount > 0 => {
                contributions as f64 / headcount as f64
            }
            ContestMetric::ContributionsPerMember => 0.0,
        }
    }
    /// [`Self::score`] rounded to two decimals, as leaderboards show and compare it.
    pub fn rounded(self, t: &TeamFigures) -> f64 {
        (self.score(t) * 100.0).round() / 100.0
    }
    /// A score as people read it: `85.0 %` for rates, `1.25` per member otherwise.
    pub fn score_text(self, score: f64) -> String {
        match self {
            ContestMetric::ContributionsPerMember => format!("{score:.2}"),
            _ => format!("{score:.1} %"),
        }
    }
}

/// What one team did on one day of a contest (day 0 is its first 24 hours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamDay {
    pub team: Option<String>,
    pub day: i64,
    pub activations: i64,
    pub contributions: i64,
}

/// Each team's score at the end of each of the contest's first `days` days, from its figures
/// when the contest started (`start`) and what happened day by day: the leaderboard's history.
/// Teams keep the order of `start`; days outside `0..days` are ignored.
pub fn score_history(
    metric: ContestMetric,
    start: &[(Option<String>, TeamFigures)],
    happened: &[TeamDay],
    days: usize,
) -> Vec<(Option<String>, Vec<f64>)> {
    start
        .iter()
        .map(|(team, at_start)| {
            let mut per_day = vec![(0_i64, 0_i64); days];
            for d in happened.iter().filter(|d| &d.team == team) {
                if let Some(slot) = usize::try_from(d.day).ok().and_then(|i| per_day.get_mut(i)) {
                    slot.0 += d.activations;
                    slot.1 += d.contributions;
                }
            }
            let mut figures = *at_start;
            let scores = per_day
                .into_iter()
                .map(|(activations, contributions)| {
                    figures.activated += activations;
                    figures.activated_during += activations;
                    figures.contributions += contributions;
                    metric.rounded(&figures)
                })
                .collect();
            (team.clone(), scores)
        })
        .collect()
}

/// What a team's score is computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeamFigures {
    pub headcount: i64,
    /// Activated by the end (or now).
    pub activated: i64,
    /// Of them, activated during the contest.
    pub activated_during: i64,
    /// Posts and comments written during the contest.
    pub contributions: i64,
}

/// Contests compare sites or departments only.
pub fn contest_dimension(s: &str) -> Option<Breakdown> {
    match s {
        "site" => Some(Breakdown::Site),
        "department" => Some(Breakdown::Department),
        _ => None,
    }
}

/// A contest starts now or later and ends after it starts (at most a year long).
pub fn check_contest_dates(starts_at: i64, ends_at: i64, now: i64) -> Vec<FieldError> {
    let mut errors = Vec::new();
    // A minute of grace: "now" typed in a form is already a little in the past.
    if starts_at < now - 60_000 {
        errors.push(FieldError::new("contest_starts_at", "contest_in_past"));
    }
    if ends_at <= starts_at {
        errors.push(FieldError::new("contest_ends_at", "contest_before_start"));
    } else if ends_at - starts_at > 366 * DAY_MS {
        errors.push(FieldError::new("contest_ends_at", "contest_too_long"));
    }
    errors
}

/// When automatic reminders go out: days after the invitation, at most `max` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NudgeSchedule {
    pub days: Vec<i64>,
    pub max: i64,
}

impl Default for NudgeSchedule {
    fn default() -> Self {
        NudgeSchedule {
            days: vec![3, 7],
            max: 2,
        }
    }
}

pub const NUDGE_MAX_STEPS: i64 = 10;

impl NudgeSchedule {
    /// Parses "3, 7" and a cap; days strictly increase within 1..=60.
    pub fn parse(days: &str, max: &str) -> Result<NudgeSchedule, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut out: Vec<i64> = Vec::new();
        for part in days.split([',', ';', ' ']).filter(|p| !p.trim().is_empty()) {
            match part.trim().parse::<i64>() {
                Ok(d) if (1..=60).contains(&d) && out.last().is_none_or(|l| d > *l) => out.push(d),
                _ => {
                    errors.push(FieldError::new("nudge_days", "nudge_days_invalid"));
                    break;
                }
            }
        }
        if out.is_empty() && errors.is_empty() {
            errors.push(FieldError::new("nudge_days", "required"));
        }
        let max = match max.trim().parse::<i64>() {
            Ok(m) if (0..=NUDGE_MAX_STEPS).contains(&m) => m,
            _ => {
                errors.push(FieldError::new("nudge_max", "out_of_range"));
                0
            }
        };
        if errors.is_empty() {
            Ok(NudgeSchedule { days: out, max })
        } else {
            Err(errors)
        }
    }
    /// Steps that are sent (1-based), with the day each is due.
    pub fn steps(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.days
            .iter()
            .take(self.max.max(0) as usize)
            .enumerate()
            .map(|(i, d)| (i as i64 + 1, *d))
    }
    /// The window `[from, until)` of time since the invitation in which step `step` is sent:
    /// a late run sends only the latest due step rather than every missed one at once.
    pub fn window(&self, step: i64) -> Option<(i64, Option<i64>)> {
        let steps: Vec<(i64, i64)> = self.steps().collect();
        let idx = steps.iter().position(|(s, _)| *s == step)?;
        let from = steps[idx].1 * DAY_MS;
        let until = steps.get(idx + 1).map(|(_, d)| d * DAY_MS);
        Some((from, until))
    }
    pub fn days_text(&self) -> String {
        self.days
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A champion reminds one colleague at most once per this period...
pub const REMIND_COLLEAGUE_EVERY_MS: i64 = DAY_MS;
/// ...and sends at most this many reminders per day.
pub const REMIND_PER_SENDER_PER_DAY: i64 = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_birth_years() {
        assert_eq!(generation_band(None), None);
        assert_eq!(generation_band(Some(1950)), Some(Band::BabyBoomers));
        assert_eq!(generation_band(Some(1970)), Some(Band::GenX));
        assert_eq!(band_label(None), None);
    }

    #[test]
    fn profile_needs_photo_and_title() {
        assert!(profile_completed(true, Some("Buyer"), None, None));
        assert!(!profile_completed(
            false,
            Some("Buyer"),
            Some("IT"),
            Some("Lyon")
        ));
        assert!(!profile_completed(true, Some("  "), None, None));
        assert!(!profile_completed(true, None, None, None));
    }

    #[test]
    fn contest_dates() {
        let now = 1_000_000_000;
        assert!(check_contest_dates(now, now + DAY_MS, now).is_empty());
        assert_eq!(
            check_contest_dates(now - DAY_MS, now + DAY_MS, now)[0].code,
            "contest_in_past"
        );
        assert_eq!(
            check_contest_dates(now, now, now)[0].code,
            "contest_before_start"
        );
        assert_eq!(
            check_contest_dates(now, now + 400 * DAY_MS, now)[0].code,
            "contest_too_long"
        );
    }

    #[test]
    fn metrics_normalize_by_headcount() {
        let m = ContestMetric::ContributionsPerMember;
        let t = |headcount, activated, activated_during, contributions| TeamFigures {
            headcount,
            activated,
            activated_during,
            contributions,
        };
        assert_eq!(m.score(&t(10, 0, 0, 25)), 2.5);
        assert_eq!(m.score(&t(0, 0, 0, 25)), 0.0);
        assert_eq!(ContestMetric::ActivationRate.score(&t(4, 1, 0, 0)), 25.0);
        // 10 people, 6 had come before the contest, 2 of the 4 others came during it.
        let a = ContestMetric::Activations;
        assert_eq!(a.score(&t(10, 8, 2, 0)), 50.0);
        assert_eq!(a.score(&t(3, 3, 0, 0)), 0.0, "nobody left to bring");
        assert_eq!(ContestMetric::parse("activations"), Some(a));
        assert_eq!(ContestMetric::parse("nope"), None);
        assert_eq!(contest_dimension("level"), None);
    }

    #[test]
    fn history_adds_up_day_by_day() {
        let start = |headcount, activated| TeamFigures {
            headcount,
            activated,
            ..Default::default()
        };
        let lyon = Some("Lyon".to_string());
        let lille = Some("Lille".to_string());
        let teams = vec![(lyon.clone(), start(10, 2)), (lille.clone(), start(4, 0))];
        let day = |team: &Option<String>, day, activations, contributions| TeamDay {
            team: team.clone(),
            day,
            activations,
            contributions,
        };
        let happened = [
            day(&lyon, 0, 1, 3),
            day(&lyon, 2, 2, 0),
            day(&lille, 1, 1, 8),
            day(&lille, 9, 3, 0), // after the days asked for
            day(&None, 0, 5, 5),  // a team not in the board
        ];
        let h = score_history(ContestMetric::ActivationRate, &teams, &happened, 3);
        assert_eq!(h[0], (lyon.clone(), vec![30.0, 30.0, 50.0]));
        assert_eq!(h[1], (lille.clone(), vec![0.0, 25.0, 25.0]));
        // Activations count against those who had not come at the start: 8 in Lyon.
        let h = score_history(ContestMetric::Activations, &teams, &happened, 3);
        assert_eq!(h[0].1, vec![12.5, 12.5, 37.5]);
        let h = score_history(ContestMetric::ContributionsPerMember, &teams, &happened, 2);
        assert_eq!(h[1].1, vec![0.0, 2.0]);
        assert!(
            score_history(ContestMetric::ActivationRate, &teams, &happened, 0)[0]
                .1
                .is_empty()
        );
        assert_eq!(ContestMetric::ActivationRate.score_text(12.5), "12.5 %");
        assert_eq!(
            ContestMetric::ContributionsPerMember.score_text(2.0),
            "2.00"
        );
    }

    #[test]
    fn who_sees_what() {
        use crate::OrgRole;
        use crate::policy::{Viewer, can_create_contest, can_use_worklist, can_view_analytics};
        let member = Viewer {
            org_role: OrgRole::Member,
        };
        let manager = Viewer {
            org_role: OrgRole::Manager,
        };
        assert!(can_view_analytics(manager) && !can_view_analytics(member));
        assert!(can_use_worklist(member, true) && !can_use_worklist(member, false));
        assert!(can_use_worklist(manager, false));
        assert!(can_create_contest(member, true) && !can_create_contest(member, false));
    }

    #[test]
    fn nudge_schedule_windows() {
        let s = NudgeSchedule::default();
        assert_eq!(s.window(1), Some((3 * DAY_MS, Some(7 * DAY_MS))));
        assert_eq!(s.window(2), Some((7 * DAY_MS, None)));
        assert_eq!(s.window(3), None);
        let capped = NudgeSchedule::parse("2, 4, 9", "1").unwrap();
        assert_eq!(capped.window(1), Some((2 * DAY_MS, None)));
        assert!(NudgeSchedule::parse("7, 3", "2").is_err());
        assert!(NudgeSchedule::parse("", "2").is_err());
        assert!(NudgeSchedule::parse("3", "99").is_err());
    }
}
