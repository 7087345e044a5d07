//! Activation analytics: the funnel overall and per breakdown, daily series, reminders and
//! training attendance. Four aggregate queries; the breakdowns are folded here.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr, tr_args};
use crate::state::AppState;
use embarq_domain::activity::{self, CohortCount};
use embarq_domain::adoption::{self, Breakdown, DAY_MS, NudgeSchedule, Stage};
use embarq_domain::{OrgId, policy, validate::FieldError};
use embarq_store::{
    CohortRow, DayCount, Db, FunnelGroup, ReminderConversion, ReminderStats, StageCounts,
    StoreError, Subset, TeamGroup,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of a breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Row {
    /// The value as stored (`None`: unknown), or a stable code for generations and groups.
    pub key: Option<String>,
    pub label: String,
    #[serde(flatten)]
    pub stage: StageDto,
}

#[derive(Debug, Clone, Copy, Serialize, Default, utoipa::ToSchema)]
pub struct StageDto {
    pub invited: i64,
    pub activated: i64,
    pub profile_completed: i64,
    pub contributed: i64,
    /// Seen in the last 7 days.
    pub active_7d: i64,
    /// Activated / invited, percent.
    pub activation_rate: f64,
    /// Active this week / invited, percent: the headline of a rollout.
    pub active_rate: f64,
}

impl From<Stage> for StageDto {
    fn from(s: Stage) -> Self {
        StageDto {
            invited: s.invited,
            activated: s.activated,
            profile_completed: s.profile_completed,
            contributed: s.contributed,
            active_7d: s.active_7d,
            activation_rate: one_decimal(s.activation_rate()),
            active_rate: one_decimal(adoption::percent(s.active_7d, s.invited)),
        }
    }
}

impl StageDto {
    /// The five stages in order with their translation keys.
    pub fn stages(&self) -> [(&'static str, i64); 5] {
        [
            ("adoption-stage-invited", self.invited),
            ("adoption-stage-activated", self.activated),
            ("adoption-stage-profile", self.profile_completed),
            ("adoption-stage-contributed", self.contributed),
            ("adoption-stage-active", self.active_7d),
        ]
    }
    /// Share of invited members, percent, for bar widths.
    pub fn pct(&self, n: i64) -> f64 {
        one_decimal(adoption::percent(n, self.invited))
    }
}

fn one_decimal(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BreakdownDto {
    pub by: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
pub struct SeriesDay {
    /// UTC date, YYYY-MM-DD.
    pub date: String,
    pub activations: i64,
    pub contributions: i64,
    /// People active that day: they came, whatever they did.
    pub active_members: i64,
    /// People who posted or commented that day.
    pub contributors: i64,
}

/// Presence now: the headline figures of a rollout.
#[derive(Debug, Clone, Copy, Serialize, Default, utoipa::ToSchema)]
pub struct PresenceDto {
    /// Members not deactivated (invited or active).
    pub members: i64,
    /// Seen in the last 24 hours, 7 days and 30 days.
    pub daily_active: i64,
    pub weekly_active: i64,
    pub monthly_active: i64,
    /// The average of daily active people over the last 30 full days against the people
    /// active in the last 30 days, percent.
    pub stickiness: f64,
}

/// One cohort: the people activated in one week, and the share of them active in week 1,
/// 2, 4 and 8 after their activation (`null`: the cohort has not reached that week yet).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CohortDto {
    /// The cohort's Monday, YYYY-MM-DD (UTC).
    pub week_of: String,
    pub size: i64,
    /// Percent, for weeks 1, 2, 4 and 8.
    pub retention: Vec<Option<f64>>,
}

/// What moves people: reminders followed by an activation, and teams with a champion.
#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
pub struct LeversDto {
    pub reminders: Vec<ReminderDto>,
    pub teams: Vec<TeamDto>,
}

/// Reminders of one kind and their conversion: the person was activated within 7 days.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReminderDto {
    /// `automatic` (with its `step`) or `champion`.
    pub kind: String,
    pub step: Option<i64>,
    pub label: String,
    pub sent: i64,
    pub converted: i64,
    /// Converted / sent, percent.
    pub rate: f64,
}

/// People whose team (a manager and their direct reports) has a champion, or not.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamDto {
    pub with_champion: bool,
    pub label: String,
    pub teams: i64,
    pub people: i64,
    pub activated: i64,
    pub active_7d: i64,
    pub activation_rate: f64,
    pub active_rate: f64,
}

/// Cohort retention for everyone, for champions against the others, and for the people who
/// attended a training session against those who did not.
#[derive(Debug, Clone, Serialize, Default, utoipa::ToSchema)]
pub struct RetentionDto {
    /// The weeks after activation the shares are for.
    pub weeks: Vec<u32>,
    pub overall: Vec<CohortDto>,
    pub champions: Vec<CohortDto>,
    pub others: Vec<CohortDto>,
    pub trained: Vec<CohortDto>,
    pub untrained: Vec<CohortDto>,
    /// Over every cohort that reached the week (weighted by size), percent: everyone,
    /// champions, the others, the trained and the untrained.
    pub overall_average: Vec<Option<f64>>,
    pub champions_average: Vec<Option<f64>>,
    pub others_average: Vec<Option<f64>>,
    pub trained_average: Vec<Option<f64>>,
    pub untrained_average: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub presence: PresenceDto,
    pub overall: StageDto,
    pub breakdowns: Vec<BreakdownDto>,
    pub series: Vec<SeriesDay>,
    pub days: i64,
    /// Members reminded at least once, and those who activated after their first reminder.
    pub reminded: i64,
    pub activated_after_reminder: i64,
    pub retention: RetentionDto,
    pub levers: LeversDto,
}

impl Dashboard {
    pub fn breakdown(&self, by: &str) -> Option<&BreakdownDto> {
        self.breakdowns.iter().find(|b| b.by == by)
    }
}

/// Accepted series lengths.
pub fn parse_days(v: Option<&str>) -> AppResult<i64> {
    match v.unwrap_or("30") {
        "30" => Ok(30),
        "90" => Ok(90),
        _ => Err(FieldError::new("analytics_days", "invalid_choice").into()),
    }
}

fn require(auth: &Auth) -> AppResult<()> {
    if policy::can_view_analytics(auth.viewer()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn dashboard(
    state: &AppState,
    auth: &Auth,
    days: i64,
    lang: Lang,
) -> AppResult<Dashboard> {
    require(auth)?;
    Ok(compute(
        &state.db,
        auth.user.org_id,
        embarq_store::now_ms(),
        days,
        lang,
    )
    .await?)
}

/// The whole dashboard of an organization at `now` (also timed by `embarq bench analytics`).
pub async fn compute(
    db: &Db,
    org_id: OrgId,
    now: i64,
    days: i64,
    lang: Lang,
) -> Result<Dashboard, StoreError> {
    let today = activity::day_of(now);
    let since = (today - (days - 1)) * DAY_MS;
    // Stickiness reads the 30 full days before today, whatever the window shown.
    let active_from = (today - (days - 1)).min(today - STICKINESS_DAYS);
    let cohorts_from = activity::cohort_start(activity::cohort_of(today) - (COHORTS - 1)) * DAY_MS;
    // All at once: each query runs on its own reader connection.
    let (
        (groups, activations, contributions, reminders, champions, trained),
        (active, presence, cohorts, conversion, teams, schedule),
    ) = tokio::try_join!(
        async {
            tokio::try_join!(
                db.analytics_funnel(org_id, now),
                db.analytics_activations_by_day(org_id, since),
                db.analytics_contributions_by_day(org_id, since),
                db.analytics_reminders(org_id),
                db.analytics_subset(org_id, now, Subset::Champions),
                db.analytics_subset(org_id, now, Subset::Trained),
            )
        },
        async {
            tokio::try_join!(
                db.analytics_active_by_day(org_id, active_from),
                db.analytics_presence(org_id, now),
                db.analytics_cohorts(org_id, cohorts_from),
                db.analytics_reminder_conversion(org_id),
                db.analytics_champion_teams(org_id, now),
                super::nudges::schedule_in(db, org_id),
            )
        },
    )?;
    let subsets = [
        (Breakdown::Champion, champions),
        (Breakdown::Training, trained),
    ];
    let mut d = assemble(
        &groups,
        &subsets,
        &activations,
        &contributions,
        reminders,
        since,
        days,
        lang,
    );
    let mut daily = vec![0; (today - active_from + 1) as usize];
    for a in &active {
        if let Some(n) = usize::try_from(a.day).ok().and_then(|i| daily.get_mut(i)) {
            *n = a.n;
        }
    }
    let shown = (today - (days - 1) - active_from) as usize;
    for (s, n) in d.series.iter_mut().zip(&daily[shown..]) {
        s.active_members = *n;
    }
    let full_days = &daily[daily.len() - 1 - STICKINESS_DAYS as usize..daily.len() - 1];
    // Members and "this week" are the funnel's invited and active_7d: one rule each.
    d.presence = PresenceDto {
        members: d.overall.invited,
        daily_active: presence.day,
        weekly_active: d.overall.active_7d,
        monthly_active: presence.month,
        stickiness: one_decimal(activity::stickiness(full_days, presence.month)),
    };
    d.retention = retention(&cohorts, today);
    d.levers = levers(&conversion, &teams, &schedule, lang);
    Ok(d)
}

fn levers(
    conversion: &[ReminderConversion],
    teams: &[TeamGroup],
    schedule: &NudgeSchedule,
    lang: Lang,
) -> LeversDto {
    let reminders = conversion
        .iter()
        .map(|c| {
            let (kind, label) = match c.step {
                None => ("champion", tr(lang, "adoption-reminder-champion")),
                Some(step) => {
                    let day = schedule.steps().find(|(s, _)| *s == step).map(|(_, d)| d);
                    let label = match day {
                        Some(day) => tr_args(
                            lang,
                            "adoption-reminder-automatic-day",
                            &[("step", step.into()), ("day", day.into())],
                        ),
                        None => tr_args(
                            lang,
                            "adoption-reminder-automatic",
                            &[("step", step.into())],
                        ),
                    };
                    ("automatic", label)
                }
            };
            ReminderDto {
                kind: kind.to_string(),
                step: c.step,
                label,
                sent: c.sent,
                converted: c.converted,
                rate: one_decimal(adoption::percent(c.converted, c.sent)),
            }
        })
        .collect();
    // Teams with a champion first, and both rows always, so the comparison reads the same.
    let teams = [true, false]
        .into_iter()
        .map(|with| {
            let g = teams
                .iter()
                .find(|g| g.with_champion == with)
                .copied()
                .unwrap_or_default();
            TeamDto {
                with_champion: with,
                label: tr(
                    lang,
                    if with {
                        "adoption-teams-with"
                    } else {
                        "adoption-teams-without"
                    },
                ),
                teams: g.teams,
                people: g.people,
                activated: g.activated,
                active_7d: g.active_7d,
                activation_rate: one_decimal(adoption::percent(g.activated, g.people)),
                active_rate: one_decimal(adoption::percent(g.active_7d, g.people)),
            }
        })
        .collect();
    LeversDto { reminders, teams }
}

/// Stickiness is measured over this many full days.
const STICKINESS_DAYS: i64 = 30;
/// Weekly cohorts shown, the current week included.
const COHORTS: i64 = 12;

/// The cohorts as shown: everyone, champions and others, trained and untrained, oldest first.
fn retention(rows: &[CohortRow], today: i64) -> RetentionDto {
    let (overall, overall_average) = cohorts(rows.iter(), today);
    let (champions, champions_average) = cohorts(rows.iter().filter(|r| r.champion), today);
    let (others, others_average) = cohorts(rows.iter().filter(|r| !r.champion), today);
    let (trained, trained_average) = cohorts(rows.iter().filter(|r| r.trained), today);
    let (untrained, untrained_average) = cohorts(rows.iter().filter(|r| !r.trained), today);
    RetentionDto {
        weeks: activity::RETENTION_WEEKS.to_vec(),
        overall,
        champions,
        others,
        trained,
        untrained,
        overall_average,
        champions_average,
        others_average,
        trained_average,
        untrained_average,
    }
}

/// Folds store rows into one cohort per week, and the average of each reported week.
fn cohorts<'a>(
    rows: impl Iterator<Item = &'a CohortRow>,
    today: i64,
) -> (Vec<CohortDto>, Vec<Option<f64>>) {
    let mut weeks: BTreeMap<i64, CohortCount> = BTreeMap::new();
    for r in rows {
        let c = weeks.entry(r.week).or_insert(CohortCount {
            week: r.week,
            size: 0,
            kept: [0; 4],
        });
        c.size += r.size;
        for (k, n) in c.kept.iter_mut().zip([r.w1, r.w2, r.w4, r.w8]) {
            *k += n;
        }
    }
    // Per reported week: people kept and people of the cohorts that reached it.
    let mut totals = [(0, 0); 4];
    for c in weeks.values() {
        for (i, k) in activity::RETENTION_WEEKS.iter().enumerate() {
            if activity::week_reached(c.week, *k, today) {
                totals[i].0 += c.kept[i];
                totals[i].1 += c.size;
            }
        }
    }
    let averages = totals
        .iter()
        .map(|(kept, size)| (*size > 0).then(|| one_decimal(adoption::percent(*kept, *size))))
        .collect();
    let shown = weeks
        .into_values()
        .map(|c| CohortDto {
            week_of: date_of(activity::cohort_start(c.week) * DAY_MS),
            size: c.size,
            retention: c
                .retention(today)
                .into_iter()
                .map(|v| v.map(one_decimal))
                .collect(),
        })
        .collect();
    (shown, averages)
}

fn date_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn subset_stage(c: &StageCounts) -> Stage {
    Stage {
        invited: c.invited,
        activated: c.activated.unwrap_or(0),
        profile_completed: c.profile_completed.unwrap_or(0),
        contributed: c.contributed.unwrap_or(0),
        active_7d: c.active_7d.unwrap_or(0),
    }
}

/// Everyone minus a subset.
fn minus(all: &Stage, part: &Stage) -> Stage {
    Stage {
        invited: all.invited - part.invited,
        activated: all.activated - part.activated,
        profile_completed: all.profile_completed - part.profile_completed,
        contributed: all.contributed - part.contributed,
        active_7d: all.active_7d - part.active_7d,
    }
}

/// The two rows of a subset breakdown: the subset and the others.
fn subset_rows(b: Breakdown, all: &Stage, part: &Stage, lang: Lang) -> Vec<Row> {
    let (inside, outside) = match b {
        Breakdown::Champion => (
            ("champions", "adoption-champions"),
            ("others", "adoption-others"),
        ),
        _ => (
            ("attended", "adoption-trained"),
            ("not_attended", "adoption-not-trained"),
        ),
    };
    vec![
        Row {
            key: Some(inside.0.into()),
            label: tr(lang, inside.1),
            stage: (*part).into(),
        },
        Row {
            key: Some(outside.0.into()),
            label: tr(lang, outside.1),
            stage: minus(all, part).into(),
        },
    ]
}

fn stage_of(g: &FunnelGroup) -> Stage {
    Stage {
        invited: g.invited,
        activated: g.activated,
        profile_completed: g.profile_completed,
        contributed: g.contributed,
        active_7d: g.active_7d,
    }
}

/// The key and label of a group in one breakdown; the unknown stratum sorts last.
fn key_of(b: Breakdown, g: &FunnelGroup, lang: Lang) -> (u8, Option<String>, String) {
    let unknown = || tr(lang, "adoption-unknown");
    let text = |v: &Option<String>| match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => (0, Some(v.to_string()), v.to_string()),
        None => (1, None, unknown()),
    };
    match b {
        Breakdown::Department => text(&g.department),
        Breakdown::Site => text(&g.site),
        Breakdown::Level => text(&g.level),
        Breakdown::Generation => match adoption::generation_band(g.birth_year) {
            Some(band) => (
                band as u8,
                Some(format!("{band:?}")),
                band.label().to_string(),
            ),
            None => (9, None, unknown()),
        },
        // Subset breakdowns are built from their own counts.
        Breakdown::Champion | Breakdown::Training => (0, None, String::new()),
    }
}

#[allow(clippy::too_many_arguments, reason = "the parts of one dashboard")]
fn assemble(
    groups: &[FunnelGroup],
    subsets: &[(Breakdown, StageCounts)],
    activations: &[DayCount],
    contributions: &[DayCount],
    reminders: ReminderStats,
    since: i64,
    days: i64,
    lang: Lang,
) -> Dashboard {
    let mut overall = Stage::default();
    for g in groups {
        overall.add(&stage_of(g));
    }
    let breakdowns = Breakdown::ALL
        .into_iter()
        .map(|b| {
            if let Some((_, c)) = subsets.iter().find(|(s, _)| *s == b) {
                return BreakdownDto {
                    by: b.as_str().to_string(),
                    rows: subset_rows(b, &overall, &subset_stage(c), lang),
                };
            }
            let mut rows: BTreeMap<(u8, Option<String>), (String, Stage)> = BTreeMap::new();
            for g in groups {
                let (order, key, label) = key_of(b, g, lang);
                rows.entry((order, key))
                    .or_insert_with(|| (label, Stage::default()))
                    .1
                    .add(&stage_of(g));
            }
            let mut rows: Vec<(u8, Row)> = rows
                .into_iter()
                .map(|((order, key), (label, stage))| {
                    (
                        order,
                        Row {
                            key,
                            label,
                            stage: stage.into(),
                        },
                    )
                })
                .collect();
            // Generations keep their chronological order; other values go by headcount.
            if b != Breakdown::Generation {
                rows.sort_by(|a, c| {
                    a.0.cmp(&c.0)
                        .then(c.1.stage.invited.cmp(&a.1.stage.invited))
                        .then(a.1.label.cmp(&c.1.label))
                });
            }
            BreakdownDto {
                by: b.as_str().to_string(),
                rows: rows.into_iter().map(|r| r.1).collect(),
            }
        })
        .collect();
    let mut series: Vec<SeriesDay> = (0..days)
        .map(|d| SeriesDay {
            date: date_of(since + d * DAY_MS),
            ..Default::default()
        })
        .collect();
    for a in activations {
        if let Some(s) = usize::try_from(a.day).ok().and_then(|i| series.get_mut(i)) {
            s.activations = a.n;
        }
    }
    for c in contributions {
        if let Some(s) = usize::try_from(c.day).ok().and_then(|i| series.get_mut(i)) {
            s.contributions = c.n;
            s.contributors = c.m;
        }
    }
    Dashboard {
        overall: overall.into(),
        breakdowns,
        series,
        days,
        reminded: reminders.reminded,
        activated_after_reminder: reminders.activated_after.unwrap_or(0),
        presence: PresenceDto::default(),
        retention: RetentionDto::default(),
        levers: LeversDto::default(),
    }
}

/// The CSV export (labels in the viewer's language): `by` is `overall`, a breakdown (`department`, `site`, `generation`,
/// `level`, `champion`, `training`), `series`, `retention` or `levers`. Always starts with a header row.
pub fn csv(d: &Dashboard, by: &str) -> AppResult<String> {
    let mut w = embarq_domain::csv_export::CsvOut::default();
    let stage_header = [
        "invited",
        "activated",
        "profile_completed",
        "contributed",
        "active_7d",
        "activation_rate",
        "active_rate",
    ];
    let stage_cells = |s: &StageDto| {
        vec![
            s.invited.to_string(),
            s.activated.to_string(),
            s.profile_completed.to_string(),
            s.contributed.to_string(),
            s.active_7d.to_string(),
            format!("{:.1}", s.activation_rate),
            format!("{:.1}", s.active_rate),
        ]
    };
    let res: Result<(), csv::Error> = (|| {
        match by {
            "overall" => {
                w.row(stage_header)?;
                w.row(stage_cells(&d.overall))?;
            }
            "series" => {
                w.row([
                    "date",
                    "activations",
                    "contributions",
                    "active_members",
                    "contributors",
                ])?;
                for s in &d.series {
                    w.row([
                        s.date.clone(),
                        s.activations.to_string(),
                        s.contributions.to_string(),
                        s.active_members.to_string(),
                        s.contributors.to_string(),
                    ])?;
                }
            }
            "levers" => {
                w.row([
                    "what",
                    "label",
                    "count",
                    "converted_or_activated",
                    "rate",
                    "active_rate",
                ])?;
                for r in &d.levers.reminders {
                    w.row([
                        format!("reminder_{}", r.kind),
                        r.label.clone(),
                        r.sent.to_string(),
                        r.converted.to_string(),
                        format!("{:.1}", r.rate),
                        String::new(),
                    ])?;
                }
                for t in &d.levers.teams {
                    w.row([
                        if t.with_champion {
                            "team_with_champion"
                        } else {
                            "team_without_champion"
                        }
                        .to_string(),
                        t.label.clone(),
                        t.people.to_string(),
                        t.activated.to_string(),
                        format!("{:.1}", t.activation_rate),
                        format!("{:.1}", t.active_rate),
                    ])?;
                }
            }
            "retention" => {
                w.row([
                    "group", "week_of", "size", "week_1", "week_2", "week_4", "week_8",
                ])?;
                let groups = [
                    ("overall", &d.retention.overall),
                    ("champions", &d.retention.champions),
                    ("others", &d.retention.others),
                    ("trained", &d.retention.trained),
                    ("untrained", &d.retention.untrained),
                ];
                for (group, cohorts) in groups {
                    for c in cohorts {
                        let mut cells =
                            vec![group.to_string(), c.week_of.clone(), c.size.to_string()];
                        cells.extend(
                            c.retention
                                .iter()
                                .map(|v| v.map(|v| format!("{v:.1}")).unwrap_or_default()),
                        );
                        w.row(cells)?;
                    }
                }
            }
            other => {
                let Some(b) = d.breakdown(other) else {
                    return Ok(());
                };
                let mut header = vec![b.by.as_str()];
                header.extend(stage_header);
                w.row(header)?;
                for r in &b.rows {
                    let mut cells = vec![r.label.clone()];
                    cells.extend(stage_cells(&r.stage));
                    w.row(cells)?;
                }
            }
        }
        Ok(())
    })();
    res.map_err(|e| AppError::Internal(e.into()))?;
    if !matches!(by, "overall" | "series" | "retention" | "levers") && d.breakdown(by).is_none() {
        return Err(FieldError::new("analytics_by", "invalid_choice").into());
    }
    w.finish()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
}
