//! Membership rules (`sphere_rules`) and the memberships they make (`sphere_members.via_rule`).
//! Reconciling computes who each rule selects now and applies the difference in one
//! transaction (`embarq_domain::membership_rules::reconcile` decides it): missing members are
//! added, rule-made members out of scope are removed, and memberships people made themselves,
//! or roles given since, are never touched.
use crate::db::{Result, with_pool, with_writer};
use crate::outbox::Effects;
use crate::{Db, now_ms};
use embarq_domain::membership_rules::{
    Membership, RULES_PER_SPHERE_MAX, Rule, RuleAttribute, TEAM_DEPTH_MAX, reconcile,
};
use embarq_domain::{Id, OrgId, SphereId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::HashSet;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct StoredRule {
    pub id: Id,
    pub sphere_id: SphereId,
    pub attribute: RuleAttribute,
    pub value: Option<String>,
    pub manager_id: Option<UserId>,
    /// The manager's name, for a team rule.
    pub manager_name: Option<String>,
    pub created_at: i64,
}

impl StoredRule {
    pub fn rule(&self) -> Option<Rule> {
        Rule::from_stored(self.attribute, self.value.clone(), self.manager_id)
    }
}

/// What a rule can name in this organization.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleChoices {
    /// (value, active people with it), by value.
    pub departments: Vec<(String, i64)>,
    pub sites: Vec<(String, i64)>,
    pub levels: Vec<(String, i64)>,
    /// (id, name) of people who manage someone.
    pub managers: Vec<(UserId, String)>,
}

/// Whose rule-made memberships to bring up to date.
#[derive(Debug, Clone, Copy)]
pub enum RuleScope {
    /// Everyone in the organization, for every rule.
    Org,
    /// Everyone, for this sphere's rules (a rule was added or removed).
    Sphere(SphereId),
    /// This person and their team (their manager or attributes changed), for every rule.
    Person(UserId),
}

/// How many memberships a reconciliation added and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RuleChanges {
    pub added: usize,
    pub removed: usize,
}

/// `$n` is this person and everyone whose chain of managers leads to them, at most
/// `TEAM_DEPTH_MAX` levels down (a loop in the directory ends there too).
fn team(n: usize) -> String {
    format!(
        "(WITH RECURSIVE team(id, depth) AS (SELECT id, 0 FROM users WHERE id = ${n} \
         UNION SELECT c.id, t.depth + 1 FROM users c JOIN team t ON c.manager_id = t.id \
         WHERE t.depth < {TEAM_DEPTH_MAX}) SELECT id FROM team)"
    )
}

/// The people of organization `$1` that `rule` selects, limited to `scope`'s people:
/// the statement and what to bind after `$1`.
fn selected(rule: &Rule, scope: RuleScope) -> (String, Vec<Bind>) {
    let mut sql = String::from(
        "SELECT u.id FROM users u WHERE u.org_id = $1 AND u.status <> 'deactivated' AND u.erased_at IS NULL",
    );
    let mut binds = Vec::new();
    let column = match rule {
        Rule::Department(_) => Some("department"),
        Rule::Site(_) => Some("site"),
        Rule::Level(_) => Some("level"),
        Rule::Everyone | Rule::Team(_) => None,
    };
    if let (Some(column), Some(v)) = (column, rule.value()) {
        sql.push_str(&format!(" AND u.{column} = $2"));
        binds.push(Bind::Text(v.to_string()));
    }
    if let Some(m) = rule.manager() {
        sql.push_str(&format!(" AND u.id IN {}", team(2)));
        binds.push(Bind::User(m));
    }
    let next = binds.len() + 2;
    if let RuleScope::Person(p) = scope {
        sql.push_str(&format!(" AND u.id IN {}", team(next)));
        binds.push(Bind::User(p));
    }
    (sql, binds)
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    User(UserId),
    Sphere(SphereId),
}

/// Binds `$binds` on `$q` in order.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(t) => q.bind(t.clone()),
                Bind::User(u) => q.bind(*u),
                Bind::Sphere(s) => q.bind(*s),
            };
        }
        q
    }};
}

/// Brings rule-made memberships of `$org` up to date for `$scope` inside transaction `$tx`.
/// Evaluates to `Result<RuleChanges, sqlx::Error>`.
macro_rules! reconcile_in_tx {
    ($tx:expr, $org:expr, $scope:expr, $now:expr) => {{
        let (org, scope, now): (OrgId, RuleScope, i64) = ($org, $scope, $now);
        let rules: Vec<StoredRule> = match scope {
            RuleScope::Sphere(s) => sqlx::query_as(AssertSqlSafe(format!("{RULE_SELECT} WHERE r.org_id = $1 AND r.sphere_id = $2")))
                .bind(org).bind(s).fetch_all(&mut *$tx).await?,
            _ => sqlx::query_as(AssertSqlSafe(format!("{RULE_SELECT} WHERE r.org_id = $1")))
                .bind(org).fetch_all(&mut *$tx).await?,
        };
        let mut target: HashSet<Membership> = HashSet::new();
        for r in &rules {
            let Some(rule) = r.rule() else { continue };
            let (sql, binds) = selected(&rule, scope);
            let q = bind_all!(sqlx::query_scalar::<_, UserId>(AssertSqlSafe(sql)).bind(org), &binds);
            for u in q.fetch_all(&mut *$tx).await? {
                target.insert((r.sphere_id, u));
            }
        }
        let mut current_sql = String::from(
            "SELECT m.sphere_id, m.user_id FROM sphere_members m JOIN spheres s ON s.id = m.sphere_id \
             WHERE s.org_id = $1 AND m.via_rule AND m.role = 'member'",
        );
        let extra: Option<Bind> = match scope {
            RuleScope::Org => None,
            RuleScope::Sphere(s) => {
                current_sql.push_str(" AND m.sphere_id = $2");
                Some(Bind::Sphere(s))
            }
            RuleScope::Person(p) => {
                current_sql.push_str(&format!(" AND m.user_id IN {}", team(2)));
                Some(Bind::User(p))
            }
        };
        let q = bind_all!(sqlx::query_as::<_, Membership>(AssertSqlSafe(current_sql)).bind(org), extra.iter());
        let current: HashSet<Membership> = q.fetch_all(&mut *$tx).await?.into_iter().collect();
        let diff = reconcile(&target, &current);
        let mut touched: HashSet<SphereId> = HashSet::new();
        let mut added = 0;
        // Many rows per statement: a rule for everyone in a large company adds thousands.
        for chunk in diff.add.chunks(ADD_PER_STATEMENT) {
            let sql = format!(
                "{} ON CONFLICT (sphere_id, user_id) DO NOTHING",
                crate::bulk::values_sql(
                    "INSERT INTO sphere_members (sphere_id, user_id, role, joined_at, via_rule)",
                    5,
                    chunk.len()
                )
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (s, u) in chunk {
                q = q.bind(*s).bind(*u).bind("member").bind(now).bind(true);
                touched.insert(*s);
            }
            added += q.execute(&mut *$tx).await?.rows_affected() as usize;
        }
        let mut removed = 0;
        for (s, u) in &diff.remove {
            removed += sqlx::query(
                "DELETE FROM sphere_members WHERE sphere_id = $1 AND user_id = $2 AND via_rule AND role = 'member'")
                .bind(*s).bind(*u).execute(&mut *$tx).await?.rows_affected() as usize;
            touched.insert(*s);
        }
        for s in &touched {
            sqlx::query($crate::live::LIVE_SPHERE_MEMBERS).bind(*s).bind(now).execute(&mut *$tx).await?;
        }
        Ok::<RuleChanges, sqlx::Error>(RuleChanges { added, removed })
    }};
}

/// Memberships inserted per statement (5 parameters each, under SQLite's limit).
const ADD_PER_STATEMENT: usize = 500;

const RULE_SELECT: &str = "SELECT r.id, r.sphere_id, r.attribute, r.value, r.manager_id, \
     mu.display_name AS manager_name, r.created_at \
     FROM sphere_rules r LEFT JOIN users mu ON mu.id = r.manager_id";

impl Db {
    /// A sphere's rules, oldest first.
    pub async fn sphere_rules(&self, sphere_id: SphereId) -> Result<Vec<StoredRule>> {
        let sql = format!("{RULE_SELECT} WHERE r.sphere_id = $1 ORDER BY r.created_at, r.id");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    /// Adds a rule to a sphere of `org_id` and makes its members, in one transaction with
    /// the sphere's row locked, so concurrent additions neither duplicate a rule nor pass
    /// the cap. `Ok(None)`: the sphere already has this rule (nothing changes);
    /// `Refused("too_many_rules")` at `RULES_PER_SPHERE_MAX`.
    pub async fn add_sphere_rule(
        &self,
        org_id: OrgId,
        sphere_id: SphereId,
        rule: &Rule,
        created_by: UserId,
        effects: &Effects,
    ) -> Result<Option<(Id, RuleChanges)>> {
        let now = now_ms();
        let id = embarq_domain::new_id();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            crate::db::lock_sphere!(tx, sphere_id);
            let same: Vec<StoredRule> = sqlx::query_as(AssertSqlSafe(format!(
                "{RULE_SELECT} WHERE r.org_id = $1 AND r.sphere_id = $2")))
                .bind(org_id).bind(sphere_id).fetch_all(&mut *tx).await?;
            if same.iter().any(|r| r.rule().as_ref() == Some(rule)) {
                return Ok(None);
            }
            if same.len() >= RULES_PER_SPHERE_MAX {
                return Err(crate::StoreError::Refused("too_many_rules"));
            }
            sqlx::query(
                "INSERT INTO sphere_rules (id, org_id, sphere_id, attribute, value, manager_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(id).bind(org_id).bind(sphere_id).bind(rule.attribute()).bind(rule.value())
                .bind(rule.manager()).bind(created_by).bind(now).execute(&mut *tx).await?;
            let changes = reconcile_in_tx!(tx, org_id, RuleScope::Sphere(sphere_id), now)?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some((id, changes)))
        })?)
    }

    /// Removes a rule of a sphere and the memberships only it made, in one transaction.
    /// `Ok(None)`: no such rule on this sphere.
    pub async fn delete_sphere_rule(
        &self,
        org_id: OrgId,
        sphere_id: SphereId,
        rule_id: Id,
        effects: &Effects,
    ) -> Result<Option<RuleChanges>> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            crate::db::lock_sphere!(tx, sphere_id);
            let n = sqlx::query("DELETE FROM sphere_rules WHERE id = $1 AND sphere_id = $2 AND org_id = $3")
                .bind(rule_id).bind(sphere_id).bind(org_id).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Ok(None);
            }
            let changes = reconcile_in_tx!(tx, org_id, RuleScope::Sphere(sphere_id), now)?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(changes))
        })?)
    }

    /// Brings rule-made memberships up to date after the directory changed (an import,
    /// SCIM, an invitation, a profile edited, someone deactivated or back).
    pub async fn reconcile_rule_memberships(
        &self,
        org_id: OrgId,
        scope: RuleScope,
    ) -> Result<RuleChanges> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let changes = reconcile_in_tx!(tx, org_id, scope, now)?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changes)
        })?)
    }

    /// How many active people of `org_id` a rule selects now.
    pub async fn rule_reach(&self, org_id: OrgId, rule: &Rule) -> Result<i64> {
        let (sql, binds) = selected(rule, RuleScope::Org);
        let sql = format!("SELECT COUNT(*) FROM ({sql}) x");
        Ok(with_pool!(self, p => {
            let q = bind_all!(sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.clone())).bind(org_id), &binds);
            q.fetch_one(p).await
        })?)
    }

    /// The departments, sites and levels people of `org_id` have, each sorted (for a
    /// rule's value), and the people who manage someone (for a team rule); at most `limit`
    /// of each.
    pub async fn rule_choices(&self, org_id: OrgId, limit: i64) -> Result<RuleChoices> {
        let values = |column: &str| {
            format!(
                "SELECT {column}, COUNT(*) FROM users WHERE org_id = $1 AND {column} IS NOT NULL \
                 AND status <> 'deactivated' GROUP BY {column} ORDER BY {column} LIMIT $2"
            )
        };
        let (d, s, l) = (values("department"), values("site"), values("level"));
        Ok(with_pool!(self, p => {
            let departments = sqlx::query_as(AssertSqlSafe(d.clone())).bind(org_id).bind(limit).fetch_all(p).await?;
            let sites = sqlx::query_as(AssertSqlSafe(s.clone())).bind(org_id).bind(limit).fetch_all(p).await?;
            let levels = sqlx::query_as(AssertSqlSafe(l.clone())).bind(org_id).bind(limit).fetch_all(p).await?;
            let managers = sqlx::query_as(
                "SELECT u.id, u.display_name FROM users u WHERE u.org_id = $1 AND u.status <> 'deactivated' \
                 AND EXISTS (SELECT 1 FROM users r WHERE r.manager_id = u.id) ORDER BY u.display_name, u.id LIMIT $2")
                .bind(org_id).bind(limit).fetch_all(p).await?;
            Ok::<_, sqlx::Error>(RuleChoices { departments, sites, levels, managers })
        })?)
    }

    /// Every rule of the organization (to tell which are already made).
    pub async fn org_rules(&self, org_id: OrgId) -> Result<Vec<StoredRule>> {
        let sql = format!("{RULE_SELECT} WHERE r.org_id = $1 ORDER BY r.created_at, r.id");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).fetch_all(p).await)?,
        )
    }

    /// The oldest sphere of `org_id` that everyone belongs to by rule, the help sphere aside:
    /// where announcements go.
    pub async fn everyone_sphere(&self, org_id: OrgId) -> Result<Option<SphereId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT r.sphere_id FROM sphere_rules r WHERE r.org_id = $1 AND r.attribute = 'everyone' \
             AND NOT EXISTS (SELECT 1 FROM org_onboarding o WHERE o.org_id = r.org_id AND o.help_sphere_id = r.sphere_id) \
             ORDER BY r.created_at, r.id LIMIT 1")
            .bind(org_id).fetch_optional(p).await)?)
    }
}
