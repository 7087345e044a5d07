//! Activation analytics: the funnel overall and per breakdown, daily series, reminders and
//! training attendance. Four aggregate queries; the breakdowns are folded here.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::state::AppState;
use embarq_domain::adoption::{self, Breakdown, DAY_MS, Stage};
use embarq_domain::{OrgId, policy, validate::FieldError};
use embarq_store::{DayCount, Db, FunnelGroup, ReminderStats, StageCounts, StoreError, Subset};
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
    pub active_7d: i64,
    /// Activated / invited, percent.
    pub activation_rate: f64,
}

impl From<Stage> for StageDto {
    fn from(s: Stage) -> Self {
        StageDto {
            invited: s.invited,
            activated: s.activated,
            profile_completed: s.profile_completed,
            contributed: s.contributed,
            active_7d: s.active_7d,
            activation_rate: (s.activation_rate() * 10.0).round() / 10.0,
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
        (adoption::percent(n, self.invited) * 10.0).round() / 10.0
    }
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
    /// Members who posted or commented that day.
    pub active_members: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub overall: StageDto,
    pub breakdowns: Vec<BreakdownDto>,
    pub series: Vec<SeriesDay>,
    pub days: i64,
    /// Members reminded at least once, and those who activated after their first reminder.
    pub reminded: i64,
    pub activated_after_reminder: i64,
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
    let since = (now.div_euclid(DAY_MS) - (days - 1)) * DAY_MS;
    let (groups, activations, contributions, reminders, champions, trained) = tokio::try_join!(
        db.analytics_funnel(org_id, now),
        db.analytics_activations_by_day(org_id, since),
        db.analytics_contributions_by_day(org_id, since),
        db.analytics_reminders(org_id),
        db.analytics_subset(org_id, now, Subset::Champions),
        db.analytics_subset(org_id, now, Subset::Trained),
    )?;
    let subsets = [
        (Breakdown::Champion, champions),
        (Breakdown::Training, trained),
    ];
    Ok(assemble(
        &groups,
        &subsets,
        &activations,
        &contributions,
        reminders,
        since,
        days,
        lang,
    ))
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
            date: chrono::DateTime::from_timestamp_millis(since + d * DAY_MS)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
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
            s.active_members = c.m;
        }
    }
    Dashboard {
        overall: overall.into(),
        breakdowns,
        series,
        days,
        reminded: reminders.reminded,
        activated_after_reminder: reminders.activated_after.unwrap_or(0),
    }
}

/// The CSV export (labels in the viewer's language): `by` is `overall`, a breakdown (`department`, `site`, `generation`,
/// `level`, `champion`, `training`) or `series`. Always starts with a header row.
pub fn csv(d: &Dashboard, by: &str) -> AppResult<String> {
    let mut w = embarq_domain::csv_export::CsvOut::default();
    let stage_header = [
        "invited",
        "activated",
        "profile_completed",
        "contributed",
        "active_7d",
        "activation_rate",
    ];
    let stage_cells = |s: &StageDto| {
        vec![
            s.invited.to_string(),
            s.activated.to_string(),
            s.profile_completed.to_string(),
            s.contributed.to_string(),
            s.active_7d.to_string(),
            format!("{:.1}", s.activation_rate),
        ]
    };
    let res: Result<(), csv::Error> = (|| {
        match by {
            "overall" => {
                w.row(stage_header)?;
                w.row(stage_cells(&d.overall))?;
            }
            "series" => {
                w.row(["date", "activations", "contributions", "active_members"])?;
                for s in &d.series {
                    w.row([
                        s.date.clone(),
                        s.activations.to_string(),
                        s.contributions.to_string(),
                        s.active_members.to_string(),
                    ])?;
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
    if by != "overall" && by != "series" && d.breakdown(by).is_none() {
        return Err(FieldError::new("analytics_by", "invalid_choice").into());
    }
    w.finish()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))
}
