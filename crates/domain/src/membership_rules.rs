//! Membership rules: who belongs to a sphere because of the directory (everyone, a
//! department, a site, a level, or a manager's whole team), and how memberships follow
//! the directory when it changes. People joined by a rule leave when they leave its scope;
//! people who joined themselves stay.
use crate::roles::string_enum;
use crate::validate::{self, FieldError, SHORT_TEXT_MAX};
use crate::{SphereId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::hash::Hash;

string_enum!(
    /// What a rule selects people by.
    RuleAttribute {
        Everyone = "everyone",
        Department = "department",
        Site = "site",
        Level = "level",
        Manager = "manager",
    }
);

/// Manager chains deeper than this are not followed (and a loop in the directory ends).
pub const TEAM_DEPTH_MAX: i64 = 32;

/// Rules per sphere at most.
pub const RULES_PER_SPHERE_MAX: usize = 50;

/// A rule as asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Everyone,
    Department(String),
    Site(String),
    Level(String),
    /// This person and everyone whose chain of managers leads to them.
    Team(UserId),
}

impl Rule {
    /// Checks a rule from a form or the API: the attribute, and the value it needs.
    pub fn parse(
        attribute: &str,
        value: &str,
        manager: Option<UserId>,
    ) -> Result<Rule, FieldError> {
        let attribute = RuleAttribute::parse(attribute.trim())
            .ok_or(FieldError::new("rule_attribute", "invalid_choice"))?;
        let text = || validate::required("rule_value", value, SHORT_TEXT_MAX);
        Ok(match attribute {
            RuleAttribute::Everyone => Rule::Everyone,
            RuleAttribute::Department => Rule::Department(text()?),
            RuleAttribute::Site => Rule::Site(text()?),
            RuleAttribute::Level => Rule::Level(text()?),
            RuleAttribute::Manager => {
                Rule::Team(manager.ok_or(FieldError::new("rule_manager", "required"))?)
            }
        })
    }

    pub fn attribute(&self) -> RuleAttribute {
        match self {
            Rule::Everyone => RuleAttribute::Everyone,
            Rule::Department(_) => RuleAttribute::Department,
            Rule::Site(_) => RuleAttribute::Site,
            Rule::Level(_) => RuleAttribute::Level,
            Rule::Team(_) => RuleAttribute::Manager,
        }
    }

    /// The text value (department, site or level), if the rule has one.
    pub fn value(&self) -> Option<&str> {
        match self {
            Rule::Department(v) | Rule::Site(v) | Rule::Level(v) => Some(v),
            Rule::Everyone | Rule::Team(_) => None,
        }
    }

    pub fn manager(&self) -> Option<UserId> {
        match self {
            Rule::Team(m) => Some(*m),
            _ => None,
        }
    }

    /// Rebuilds a stored rule; None if the row is not a rule this version knows.
    pub fn from_stored(
        attribute: RuleAttribute,
        value: Option<String>,
        manager: Option<UserId>,
    ) -> Option<Rule> {
        match attribute {
            RuleAttribute::Everyone => Some(Rule::Everyone),
            RuleAttribute::Department => value.map(Rule::Department),
            RuleAttribute::Site => value.map(Rule::Site),
            RuleAttribute::Level => value.map(Rule::Level),
            RuleAttribute::Manager => manager.map(Rule::Team),
        }
    }
}

/// What to change so that rule-made memberships are exactly `target`: the pairs to add
/// (an existing membership, rule-made or not, is kept as it is) and the rule-made pairs to
/// remove. Memberships people made themselves are never in `rule_made`, so never removed.
pub fn reconcile<T: Copy + Eq + Hash + Ord>(
    target: &HashSet<T>,
    rule_made: &HashSet<T>,
) -> Diff<T> {
    let mut add: Vec<T> = target.difference(rule_made).copied().collect();
    let mut remove: Vec<T> = rule_made.difference(target).copied().collect();
    add.sort();
    remove.sort();
    Diff { add, remove }
}

/// Memberships to add and to remove, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff<T> {
    pub add: Vec<T>,
    pub remove: Vec<T>,
}

/// A (sphere, person) pair.
pub type Membership = (SphereId, UserId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_need_their_value_and_nothing_else() {
        assert_eq!(Rule::parse("everyone", "ignored", None), Ok(Rule::Everyone));
        assert_eq!(
            Rule::parse("site", " Lille ", None),
            Ok(Rule::Site("Lille".into()))
        );
        assert_eq!(
            Rule::parse("department", "", None).unwrap_err().field,
            "rule_value"
        );
        assert_eq!(
            Rule::parse("manager", "", None).unwrap_err().field,
            "rule_manager"
        );
        assert_eq!(
            Rule::parse("salary", "x", None).unwrap_err().code,
            "invalid_choice"
        );
        let m = UserId::generate();
        let r = Rule::parse("manager", "", Some(m)).unwrap();
        assert_eq!(Rule::from_stored(r.attribute(), None, r.manager()), Some(r));
    }

    #[test]
    fn reconciling_adds_the_missing_and_removes_only_rule_made_memberships_out_of_scope() {
        let target: HashSet<(u8, u8)> = [(1, 1), (1, 2), (2, 1)].into();
        // (1, 3) was made by a rule and is out of scope now; (2, 1) is there already.
        let rule_made: HashSet<(u8, u8)> = [(1, 3), (2, 1)].into();
        let d = reconcile(&target, &rule_made);
        assert_eq!(d.add, vec![(1, 1), (1, 2)]);
        assert_eq!(d.remove, vec![(1, 3)]);
        let d = reconcile(&target, &target);
        assert!(d.add.is_empty() && d.remove.is_empty());
    }
}
