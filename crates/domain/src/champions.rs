//! Champions ("membres impliqués"): proposes a cohort of a share of the workforce that
//! represents every department, site, generation and hierarchical level, proportionally,
//! preferring team leaders and volunteers.
//!
//! Stratified sampling: seats are allocated per value of each dimension with the largest
//! remainder method, every present value gets at least one seat when the cohort allows it,
//! then people are picked greedily by how many unmet needs they meet across the four
//! dimensions (an empty stratum weighs far more than a further seat). Gains only decrease
//! as people are picked, so a lazy priority queue gives the exact greedy choice in
//! O(n log n) — 100,000 members take well under a second.

use crate::UserId;
use crate::validate::FieldError;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// Default share of the workforce, in percent.
pub const DEFAULT_SHARE: i64 = 15;
/// Recommended range (Workplace guide: 10 to 20 % of the workforce).
pub const RECOMMENDED: (i64, i64) = (10, 20);
/// Accepted range; outside the recommended one a warning is shown.
pub const ACCEPTED: (i64, i64) = (1, 50);

/// Checks a requested share; `Ok(true)` when it is accepted but outside the recommendation.
pub fn check_share(share: i64) -> Result<bool, FieldError> {
    if !(ACCEPTED.0..=ACCEPTED.1).contains(&share) {
        return Err(FieldError::new("share", "out_of_range"));
    }
    Ok(!(RECOMMENDED.0..=RECOMMENDED.1).contains(&share))
}

/// The four dimensions a cohort must represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Department,
    Site,
    Generation,
    Level,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Department,
        Dimension::Site,
        Dimension::Generation,
        Dimension::Level,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Department => "department",
            Dimension::Site => "site",
            Dimension::Generation => "generation",
            Dimension::Level => "level",
        }
    }
}

/// Generation bands from the birth year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Generation {
    BabyBoomers,
    GenX,
    Millennials,
    GenZ,
}

impl Generation {
    pub fn of(birth_year: i64) -> Generation {
        match birth_year {
            ..=1964 => Generation::BabyBoomers,
            1965..=1979 => Generation::GenX,
            1980..=1994 => Generation::Millennials,
            _ => Generation::GenZ,
        }
    }
    /// Name with its years, the same in French and English.
    pub fn label(self) -> &'static str {
        match self {
            Generation::BabyBoomers => "Baby-boomers (< 1965)",
            Generation::GenX => "Gen X (1965-1979)",
            Generation::Millennials => "Millennials (1980-1994)",
            Generation::GenZ => "Gen Z (1995+)",
        }
    }
}

/// One person of the directory as the proposal sees them.
#[derive(Debug, Clone, Default)]
pub struct Member {
    pub id: UserId,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub manager_id: Option<UserId>,
    pub volunteer: bool,
    pub nominated: bool,
}

/// The stratum value of a member in a dimension; `None` is the "unknown" stratum (missing
/// or blank attribute).
pub fn stratum(m: &Member, d: Dimension) -> Option<String> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match d {
        Dimension::Department => text(&m.department),
        Dimension::Site => text(&m.site),
        Dimension::Generation => m.birth_year.map(|y| Generation::of(y).label().to_string()),
        Dimension::Level => text(&m.level),
    }
}

/// Why someone was proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Fills a seat of this stratum (`value` None: unknown).
    Stratum {
        dimension: Dimension,
        value: Option<String>,
    },
    Influence {
        direct_reports: u32,
    },
    Volunteer,
    Nominated,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pick {
    pub id: UserId,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValueCoverage {
    /// `None`: the unknown stratum.
    pub value: Option<String>,
    pub population: usize,
    /// Seats the proportional allocation gives this value.
    pub quota: usize,
    pub picked: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionCoverage {
    pub dimension: Dimension,
    pub represented: usize,
    pub present: usize,
    pub values: Vec<ValueCoverage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub dimensions: Vec<DimensionCoverage>,
    pub represented: usize,
    pub present: usize,
    pub population: usize,
    pub selected: usize,
    /// Selected / population, in percent.
    pub share_achieved: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub target_share: i64,
    /// Seats to fill: ceil(population × share).
    pub size: usize,
    pub picks: Vec<Pick>,
    pub coverage: Coverage,
    /// The share is accepted but outside the recommended 10-20 %.
    pub warning: bool,
}

/// Direct reports per member (span of control), counting only people of `members`.
pub fn direct_reports(members: &[Member]) -> HashMap<UserId, u32> {
    let ids: HashSet<UserId> = members.iter().map(|m| m.id).collect();
    let mut out = HashMap::new();
    for m in members {
        if let Some(boss) = m.manager_id.filter(|b| ids.contains(b) && *b != m.id) {
            *out.entry(boss).or_insert(0) += 1;
        }
    }
    out
}

/// Seats per value: largest remainder of `size × count / total` (ties: larger count, then
/// value order), then at least one seat per value when `size` allows, taken from the
/// values with the most seats.
pub fn allocate(counts: &[usize], size: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == 0 || counts.is_empty() {
        return vec![0; counts.len()];
    }
    let mut seats: Vec<usize> = counts.iter().map(|c| size * c / total).collect();
    let left = size.saturating_sub(seats.iter().sum());
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| (Reverse(size * counts[i] % total), Reverse(counts[i]), i));
    for &i in order.iter().cycle().take(left) {
        seats[i] += 1;
    }
    if size >= counts.iter().filter(|c| **c > 0).count() {
        for i in 0..counts.len() {
            if counts[i] > 0 && seats[i] == 0 {
                // Take from the value with the most seats (ties: the later value).
                let donor = (0..counts.len())
                    .filter(|&j| seats[j] > 1)
                    .max_by_key(|&j| (seats[j], Reverse(j)));
                if let Some(j) = donor {
                    seats[j] -= 1;
                    seats[i] = 1;
                }
            }
        }
    }
    seats
}

/// Members mapped to per-dimension value indices (values sorted, unknown last).
struct Strata {
    /// Per dimension: the values in order.
    values: Vec<Vec<Option<String>>>,
    /// Per member, per dimension: index of their value.
    of: Vec<[usize; 4]>,
    counts: Vec<Vec<usize>>,
}

impl Strata {
    fn new(members: &[Member]) -> Strata {
        let mut values = Vec::with_capacity(4);
        let mut of = vec![[0usize; 4]; members.len()];
        let mut counts = Vec::with_capacity(4);
        for (di, d) in Dimension::ALL.into_iter().enumerate() {
            let raw: Vec<Option<String>> = members.iter().map(|m| stratum(m, d)).collect();
            let mut set: BTreeMap<(bool, Option<&str>), usize> = BTreeMap::new();
            for v in &raw {
                set.insert((v.is_none(), v.as_deref()), 0);
            }
            let mut vals = Vec::with_capacity(set.len());
            for (i, (k, slot)) in set.iter_mut().enumerate() {
                *slot = i;
                vals.push(k.1.map(str::to_string));
            }
            let mut c = vec![0usize; vals.len()];
            for (mi, v) in raw.iter().enumerate() {
                let idx = set.get(&(v.is_none(), v.as_deref())).copied().unwrap_or(0);
                of[mi][di] = idx;
                c[idx] += 1;
            }
            values.push(vals);
            counts.push(c);
        }
        Strata { values, of, counts }
    }

    /// Seats per value for a cohort of `size`: proportional to the people whose value is
    /// known, none for the unknown value.
    fn quotas(&self, size: usize) -> Vec<Vec<usize>> {
        self.counts
            .iter()
            .zip(&self.values)
            .map(|(c, vals)| {
                let known: Vec<usize> = c
                    .iter()
                    .zip(vals)
                    .map(|(n, v)| if v.is_some() { *n } else { 0 })
                    .collect();
                let mut q = allocate(&known, size);
                for (seats, n) in q.iter_mut().zip(&known) {
                    if *n == 0 {
                        *seats = 0;
                    }
                }
                q
            })
            .collect()
    }

    /// How many of member `mi`'s four attributes are known.
    fn known(&self, mi: usize) -> u8 {
        (0..4)
            .filter(|d| self.values[*d][self.of[mi][*d]].is_some())
            .count() as u8
    }
}

/// Greedy queue entry: score, preference, id (smallest first), member index.
type QueueEntry = (u32, (u8, u8, u32), Reverse<UserId>, usize);

/// Cohort size for a share of a population: ceil, at least one person when there is anyone.
pub fn cohort_size(population: usize, share: i64) -> usize {
    let share = share.clamp(0, 100) as usize;
    (population * share).div_ceil(100).min(population)
}

/// Proposes a cohort of `share` percent of `members`. Deterministic for the same input
/// (in any order): ties are broken by id. `share` must have passed [`check_share`].
pub fn propose(members: &[Member], share: i64) -> Proposal {
    let mut sorted: Vec<&Member> = members.iter().collect();
    sorted.sort_by_key(|m| m.id);
    sorted.dedup_by_key(|m| m.id);
    let members: Vec<Member> = sorted.into_iter().cloned().collect();
    let size = cohort_size(members.len(), share);
    let strata = Strata::new(&members);
    let quotas = strata.quotas(size);
    let reports = direct_reports(&members);

    let mut picked_count: Vec<Vec<usize>> =
        strata.counts.iter().map(|c| vec![0; c.len()]).collect();
    // Score: 1000 per dimension whose stratum has nobody yet, 1 per unmet seat.
    let score = |mi: usize, picked: &Vec<Vec<usize>>| -> u32 {
        let mut s = 0;
        for d in 0..4 {
            let v = strata.of[mi][d];
            // An unknown value is a gap in the HR file, not a group to represent.
            if picked[d][v] == 0 && strata.values[d][v].is_some() {
                s += 1000;
            }
            if picked[d][v] < quotas[d][v] {
                s += 1;
            }
        }
        s
    };
    // Preference among equal scores: people whose every attribute is known (someone with
    // none known cannot represent anyone), volunteers and nominated, span of control, id.
    let pref = |mi: usize, m: &Member| -> (u8, u8, u32) {
        (
            strata.known(mi),
            u8::from(m.volunteer) + u8::from(m.nominated),
            reports.get(&m.id).copied().unwrap_or(0),
        )
    };
    let mut heap: BinaryHeap<QueueEntry> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (score(i, &picked_count), pref(i, m), Reverse(m.id), i))
        .collect();
    let mut picks = Vec::with_capacity(size);
    while picks.len() < size {
        let Some((s, p, id, mi)) = heap.pop() else {
            break;
        };
        let now = score(mi, &picked_count);
        if now != s {
            heap.push((now, p, id, mi));
            continue;
        }
        let m = &members[mi];
        let mut reasons = Vec::new();
        for (di, d) in Dimension::ALL.into_iter().enumerate() {
            let v = strata.of[mi][di];
            if picked_count[di][v] < quotas[di][v] {
                reasons.push(Reason::Stratum {
                    dimension: d,
                    value: strata.values[di][v].clone(),
                });
            }
            picked_count[di][v] += 1;
        }
        if p.2 > 0 {
            reasons.push(Reason::Influence {
                direct_reports: p.2,
            });
        }
        if m.volunteer {
            reasons.push(Reason::Volunteer);
        }
        if m.nominated {
            reasons.push(Reason::Nominated);
        }
        picks.push(Pick { id: m.id, reasons });
    }
    let chosen: Vec<UserId> = picks.iter().map(|p| p.id).collect();
    let coverage = coverage_with(&members, &strata, &quotas, &chosen);
    Proposal {
        target_share: share,
        size,
        picks,
        coverage,
        warning: check_share(share).unwrap_or(true),
    }
}

/// Coverage of any cohort (an edited proposal, the confirmed champions) against the
/// allocation for `share`. Ids not in `members` are ignored.
pub fn coverage(members: &[Member], share: i64, chosen: &[UserId]) -> Coverage {
    let mut sorted: Vec<&Member> = members.iter().collect();
    sorted.sort_by_key(|m| m.id);
    sorted.dedup_by_key(|m| m.id);
    let members: Vec<Member> = sorted.into_iter().cloned().collect();
    let strata = Strata::new(&members);
    let size = cohort_size(members.len(), share);
    let quotas = strata.quotas(size);
    coverage_with(&members, &strata, &quotas, chosen)
}

fn coverage_with(
    members: &[Member],
    strata: &Strata,
    quotas: &[Vec<usize>],
    chosen: &[UserId],
) -> Coverage {
    let index: HashMap<UserId, usize> =
        members.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let chosen: HashSet<usize> = chosen
        .iter()
        .filter_map(|id| index.get(id).copied())
        .collect();
    let mut dimensions = Vec::with_capacity(4);
    for (di, d) in Dimension::ALL.into_iter().enumerate() {
        let mut picked = vec![0usize; strata.values[di].len()];
        for &mi in &chosen {
            picked[strata.of[mi][di]] += 1;
        }
        let values: Vec<ValueCoverage> = strata.values[di]
            .iter()
            .enumerate()
            .map(|(vi, v)| ValueCoverage {
                value: v.clone(),
                population: strata.counts[di][vi],
                quota: quotas[di][vi],
                picked: picked[vi],
            })
            .collect();
        // The unknown value is listed (the HR file's gaps) but not a group to represent.
        let known = || values.iter().filter(|v| v.value.is_some());
        dimensions.push(DimensionCoverage {
            dimension: d,
            represented: known().filter(|v| v.picked > 0).count(),
            present: known().count(),
            values,
        });
    }
    let population = members.len();
    Coverage {
        represented: dimensions.iter().map(|d| d.represented).sum(),
        present: dimensions.iter().map(|d| d.present).sum(),
        dimensions,
        population,
        selected: chosen.len(),
        share_achieved: if population == 0 {
            0.0
        } else {
            chosen.len() as f64 * 100.0 / population as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n + 1))
    }

    /// A small pseudo-random generator so the property checks are reproducible.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    fn population(seed: u64, n: usize) -> Vec<Member> {
        let mut r = Lcg(seed);
        let depts = ["Sales", "IT", "HR", "Finance", "Ops", "Legal", "R&D"];
        let sites = ["Paris", "Lyon", "Lille", "Nantes"];
        let levels = ["Direction", "Cadre", "Employé"];
        (0..n)
            .map(|i| {
                // Skewed departments: the first ones are much larger.
                let d = (r.next(49) as f64).sqrt() as usize;
                Member {
                    id: id(i as u128),
                    department: (r.next(20) != 0).then(|| depts[d.min(6)].to_string()),
                    site: (r.next(25) != 0).then(|| sites[r.next(4) as usize].to_string()),
                    birth_year: (r.next(10) != 0).then(|| 1955 + r.next(50) as i64),
                    level: Some(levels[r.next(3) as usize].to_string()),
                    manager_id: (i > 0 && r.next(3) == 0).then(|| id(r.next(i as u64) as u128)),
                    volunteer: r.next(15) == 0,
                    nominated: r.next(30) == 0,
                }
            })
            .collect()
    }

    #[test]
    fn share_bounds() {
        assert_eq!(check_share(15), Ok(false));
        assert_eq!(check_share(10), Ok(false));
        assert_eq!(check_share(20), Ok(false));
        assert_eq!(check_share(5), Ok(true));
        assert_eq!(check_share(50), Ok(true));
        assert_eq!(check_share(1), Ok(true));
        for bad in [0, -3, 51, 100] {
            assert_eq!(check_share(bad).unwrap_err().code, "out_of_range");
        }
    }

    #[test]
    fn generations_by_birth_year() {
        assert_eq!(Generation::of(1964), Generation::BabyBoomers);
        assert_eq!(Generation::of(1965), Generation::GenX);
        assert_eq!(Generation::of(1979), Generation::GenX);
        assert_eq!(Generation::of(1980), Generation::Millennials);
        assert_eq!(Generation::of(1994), Generation::Millennials);
        assert_eq!(Generation::of(1995), Generation::GenZ);
        assert!(Generation::GenX.label().contains("1965-1979"));
    }

    #[test]
    fn cohort_size_rounds_up() {
        assert_eq!(cohort_size(100, 15), 15);
        assert_eq!(cohort_size(7, 15), 2);
        assert_eq!(cohort_size(1, 1), 1);
        assert_eq!(cohort_size(0, 15), 0);
    }

    #[test]
    fn allocation_is_proportional_and_sums_to_size() {
        assert_eq!(allocate(&[50, 30, 20], 10), vec![5, 3, 2]);
        assert_eq!(allocate(&[1, 1, 1], 2).iter().sum::<usize>(), 2);
        // Every value gets a seat when the size allows it, taken from the largest.
        assert_eq!(allocate(&[97, 2, 1], 3), vec![1, 1, 1]);
        assert_eq!(allocate(&[97, 2, 1], 10), vec![8, 1, 1]);
        assert_eq!(allocate(&[], 4), Vec::<usize>::new());
        let mut r = Lcg(7);
        for _ in 0..300 {
            let k = 1 + r.next(8) as usize;
            let counts: Vec<usize> = (0..k).map(|_| 1 + r.next(200) as usize).collect();
            let total: usize = counts.iter().sum();
            let size = r.next(total as u64 + 1) as usize;
            let seats = allocate(&counts, size);
            assert_eq!(seats.iter().sum::<usize>(), size);
            if size >= k {
                assert!(seats.iter().all(|s| *s >= 1), "{counts:?} {size} {seats:?}");
            }
            for (c, s) in counts.iter().zip(&seats) {
                let exact = size as f64 * *c as f64 / total as f64;
                // Within one seat of the exact share, except seats moved to guarantee presence.
                assert!(
                    (*s as f64 - exact).abs() < 1.0 + k as f64,
                    "{counts:?} {size} {seats:?}"
                );
            }
        }
    }

    #[test]
    fn deterministic_whatever_the_input_order() {
        let people = population(1, 400);
        let a = propose(&people, 15);
        let mut rev = people.clone();
        rev.reverse();
        let b = propose(&rev, 15);
        let ids = |p: &Proposal| p.picks.iter().map(|x| x.id).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(a.size, 60);
        assert_eq!(a.picks.len(), 60);
        let unique: HashSet<UserId> = ids(&a).into_iter().collect();
        assert_eq!(unique.len(), 60);
    }

    #[test]
    fn every_present_stratum_is_covered_when_the_cohort_allows() {
        for seed in 0..40 {
            let n = 30 + (seed as usize * 37) % 500;
            let people = population(seed, n);
            for share in [1, 5, 10, 15, 20, 50] {
                let p = propose(&people, share);
                let c = &p.coverage;
                assert_eq!(c.selected, p.size);
                if p.size >= c.present {
                    assert_eq!(c.represented, c.present, "seed {seed} n {n} share {share}");
                }
                for d in &c.dimensions {
                    if p.size >= d.present {
                        // One seat per known value is always reachable in a single
                        // dimension; the unknown value gets none.
                        assert!(d.values.iter().all(|v| (v.quota >= 1) == v.value.is_some()));
                    }
                    assert_eq!(d.values.iter().map(|v| v.picked).sum::<usize>(), p.size);
                    assert_eq!(d.values.iter().map(|v| v.population).sum::<usize>(), n);
                }
            }
        }
    }

    #[test]
    fn large_strata_get_proportionally_more_seats() {
        // 80 in Sales, 20 in IT, same everything else: 10 % gives 8 and 2.
        let people: Vec<Member> = (0..100)
            .map(|i| Member {
                id: id(i),
                department: Some(if i < 80 { "Sales" } else { "IT" }.into()),
                site: Some("Paris".into()),
                birth_year: Some(1985),
                level: Some("Cadre".into()),
                ..Default::default()
            })
            .collect();
        let p = propose(&people, 10);
        let dept = &p.coverage.dimensions[0];
        let picked: Vec<(Option<String>, usize)> = dept
            .values
            .iter()
            .map(|v| (v.value.clone(), v.picked))
            .collect();
        assert_eq!(
            picked,
            vec![(Some("IT".into()), 2), (Some("Sales".into()), 8)]
        );
        assert!((p.coverage.share_achieved - 10.0).abs() < 1e-9);
    }

    #[test]
    fn prefers_team_leaders_then_volunteers_within_a_stratum() {
        // One stratum everywhere: only preference decides.
        let boss = id(50);
        let mut people: Vec<Member> = (0..20)
            .map(|i| Member {
                id: id(i),
                department: Some("Sales".into()),
                manager_id: (i < 5).then_some(boss),
                ..Default::default()
            })
            .collect();
        people.push(Member {
            id: boss,
            department: Some("Sales".into()),
            ..Default::default()
        });
        people[12].manager_id = Some(id(13));
        people[7].volunteer = true;
        people[9].nominated = true;
        people[9].volunteer = true;
        let p = propose(&people, 20); // 21 people → 5 seats
        let ids: Vec<UserId> = p.picks.iter().map(|x| x.id).collect();
        assert_eq!(ids[0], id(9), "volunteer and nominated first");
        assert_eq!(ids[1], id(7));
        assert_eq!(ids[2], boss, "then the largest span of control");
        assert_eq!(ids[3], id(13));
        assert!(
            p.picks[2]
                .reasons
                .contains(&Reason::Influence { direct_reports: 5 })
        );
        assert!(p.picks[0].reasons.contains(&Reason::Volunteer));
        assert!(p.picks[0].reasons.contains(&Reason::Nominated));
    }

    #[test]
    fn coverage_beats_preference() {
        // The only HR person is picked even though everyone in Sales volunteered.
        let mut people: Vec<Member> = (0..10)
            .map(|i| Member {
                id: id(i),
                department: Some("Sales".into()),
                volunteer: true,
                ..Default::default()
            })
            .collect();
        people.push(Member {
            id: id(99),
            department: Some("HR".into()),
            ..Default::default()
        });
        let p = propose(&people, 20); // 3 seats
        assert!(p.picks.iter().any(|x| x.id == id(99)));
        let hr = p.picks.iter().find(|x| x.id == id(99)).unwrap();
        assert!(hr.reasons.contains(&Reason::Stratum {
            dimension: Dimension::Department,
            value: Some("HR".into())
        }));
    }

    #[test]
    fn missing_attributes_form_an_unknown_stratum() {
        let people: Vec<Member> = (0..10)
            .map(|i| Member {
                id: id(i),
                department: (i % 2 == 0).then(|| "Sales".into()),
                site: Some("  ".into()),
                ..Default::default()
            })
            .collect();
        let p = propose(&people, 50);
        let dept = &p.coverage.dimensions[0];
        // Listed, so the HR file can be fixed, but not a group to represent.
        assert_eq!(dept.present, 1);
        assert_eq!(dept.values[1].value, None, "unknown sorts last");
        assert_eq!(dept.values[1].population, 5);
        assert_eq!(dept.values[1].quota, 0);
        assert_eq!(dept.represented, 1);
        let site = &p.coverage.dimensions[1];
        assert_eq!(site.present, 0);
        assert_eq!(site.values[0].value, None, "blank is unknown");
        // People with a known department come first.
        assert!(
            p.picks
                .iter()
                .all(|x| people[(x.id.0.as_u128() - 1) as usize].department.is_some())
        );
    }

    #[test]
    fn nobody_is_picked_to_cover_unknown_attributes() {
        // The setup manager and a never-seen invitee have no attribute at all.
        let mut people = population(7, 40);
        people.push(Member {
            id: id(900),
            ..Default::default()
        });
        people.push(Member {
            id: id(901),
            volunteer: true,
            ..Default::default()
        });
        for share in [10, 15, 20, 50] {
            let p = propose(&people, share);
            assert!(
                p.picks.iter().all(|x| x.id != id(900) && x.id != id(901)),
                "share {share}"
            );
            assert!(p.picks.iter().all(|x| {
                !x.reasons
                    .iter()
                    .any(|r| matches!(r, Reason::Stratum { value: None, .. }))
            }));
        }
    }

    #[test]
    fn empty_directory_proposes_nobody() {
        let p = propose(&[], 15);
        assert!(p.picks.is_empty());
        assert_eq!(p.coverage.present, 0);
        assert_eq!(p.coverage.share_achieved, 0.0);
    }

    #[test]
    fn coverage_of_an_edited_cohort() {
        let people = population(3, 200);
        let mut chosen: Vec<UserId> = propose(&people, 15).picks.iter().map(|p| p.id).collect();
        chosen.truncate(1);
        chosen.push(UserId(Uuid::from_u128(u128::MAX))); // unknown: ignored
        let c = coverage(&people, 15, &chosen);
        assert_eq!(c.selected, 1);
        assert_eq!(c.dimensions.iter().map(|d| d.represented).sum::<usize>(), 4);
    }

    #[test]
    fn direct_reports_ignore_self_and_outsiders() {
        let people = vec![
            Member {
                id: id(1),
                manager_id: Some(id(1)),
                ..Default::default()
            },
            Member {
                id: id(2),
                manager_id: Some(id(1)),
                ..Default::default()
            },
            Member {
                id: id(3),
                manager_id: Some(id(77)),
                ..Default::default()
            },
        ];
        let r = direct_reports(&people);
        assert_eq!(r.get(&id(1)), Some(&1));
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn hundred_thousand_members_is_fast() {
        let people = population(9, 100_000);
        let t = std::time::Instant::now();
        let p = propose(&people, 15);
        assert_eq!(p.picks.len(), 15_000);
        assert_eq!(p.coverage.represented, p.coverage.present);
        // Generous bound for debug builds on a busy machine; the release bench is the figure.
        assert!(t.elapsed().as_secs() < 30);
    }
}
