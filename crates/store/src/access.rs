//! Who sees what, in SQL: the `see` and `read` rules of
//! `embarq_domain::policy::sphere_access` as predicates over a sphere row. Every query that
//! lists content by viewer takes them from here, so the rule is written once for SQL and
//! once in the policy, and `tests/it/access.rs` checks that the two agree for every kind of
//! sphere and every role.
use embarq_domain::SphereKind;

/// Sphere row `sphere` (an alias) is visible to `person` (a placeholder or a column): it is
/// not secret, or they are a member. Secret spheres do not exist for anyone else.
pub fn sees(sphere: &str, person: &str) -> String {
    format!(
        "({sphere}.kind <> '{secret}' OR EXISTS (SELECT 1 FROM sphere_members sees_m \
         WHERE sees_m.sphere_id = {sphere}.id AND sees_m.user_id = {person}))",
        secret = SphereKind::Secret.as_str()
    )
}

/// `person` may read the content of sphere row `sphere`: it is open, or they are a member.
pub fn reads(sphere: &str, person: &str) -> String {
    format!(
        "({sphere}.kind = '{open}' OR EXISTS (SELECT 1 FROM sphere_members reads_m \
         WHERE reads_m.sphere_id = {sphere}.id AND reads_m.user_id = {person}))",
        open = SphereKind::Open.as_str()
    )
}

/// `person` may read what belongs to the sphere whose id is in `column`, or to no sphere
/// (NULL: organization-wide content).
pub fn reads_sphere_of(column: &str, person: &str) -> String {
    format!(
        "({column} IS NULL OR EXISTS (SELECT 1 FROM spheres reads_s WHERE reads_s.id = {column} AND {}))",
        reads("reads_s", person)
    )
}
