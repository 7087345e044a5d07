//! Checklists per role: each item is done when a real action shows in the data. The store
//! gathers the facts (counts); this module decides which items they complete.
use serde::{Deserialize, Serialize};

crate::roles::string_enum!(
    /// Whose checklist it is.
    ChecklistRole {
        OrganizationManager = "organization_manager",
        SphereAdmin = "sphere_admin",
        NewMember = "new_member",
        Champion = "champion",
    }
);

/// What one person has done (their own actions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFacts {
    pub has_photo: bool,
    pub has_title: bool,
    pub spheres_joined: i64,
    pub posts: i64,
    pub comments: i64,
    pub trainings_attended: i64,
    /// Distinct spheres they published in.
    pub post_spheres: i64,
    pub in_champions_sphere: bool,
    pub champions_training_attended: bool,
    /// Reminders they sent to not-yet-activated colleagues.
    pub reminders_sent: i64,
}

/// The spheres a person administers, counted by what they have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SphereAdminFacts {
    pub spheres: i64,
    pub with_description: i64,
    pub with_pinned_post: i64,
    /// Spheres with at least one member besides their administrators, or an invitation sent.
    pub with_invited_members: i64,
    pub pending_requests: i64,
}

/// Organization-wide facts (the organization managers' checklist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFacts {
    pub members: i64,
    pub has_rollout_plan: bool,
    pub champions: i64,
    /// Administrators of the help sphere who are not organization managers.
    pub help_delegates: i64,
    pub kit_items: i64,
}

/// One item of a checklist: a stable key (its label is `checklists-item-<key>`), where to
/// go to do it, and whether it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub key: &'static str,
    pub link: &'static str,
    pub done: bool,
}

const fn c(key: &'static str, link: &'static str, done: bool) -> Check {
    Check { key, link, done }
}

/// Spheres a new member should join before the item counts as done.
pub const SPHERES_TO_JOIN: i64 = 3;
/// Spheres a champion should publish in.
pub const CHAMPION_SPHERES: i64 = 2;

pub fn new_member(f: &MemberFacts) -> Vec<Check> {
    vec![
        c("photo", "/settings", f.has_photo),
        c("title", "/settings", f.has_title),
        c(
            "join-spheres",
            "/spheres",
            f.spheres_joined >= SPHERES_TO_JOIN,
        ),
        c("first-post", "/spheres", f.posts > 0),
        c("first-comment", "/", f.comments > 0),
        c("training", "/training", f.trainings_attended > 0),
    ]
}

/// Every administered sphere must satisfy an item for it to be done.
pub fn sphere_admin(f: &SphereAdminFacts) -> Vec<Check> {
    let all = |n: i64| f.spheres > 0 && n >= f.spheres;
    vec![
        c("sphere-description", "/spheres", all(f.with_description)),
        c("welcome-post", "/spheres", all(f.with_pinned_post)),
        c("invite-members", "/spheres", all(f.with_invited_members)),
        c(
            "answer-requests",
            "/spheres",
            f.spheres > 0 && f.pending_requests == 0,
        ),
    ]
}

pub fn organization_manager(f: &OrgFacts) -> Vec<Check> {
    vec![
        c("directory", "/admin/members", f.members > 1),
        c("rollout-plan", "/admin/rollout", f.has_rollout_plan),
        c("champions", "/admin/champions", f.champions > 0),
        c("help-delegates", "/admin/help", f.help_delegates > 0),
        c("starter-kit", "/admin/starter-kit", f.kit_items > 0),
    ]
}

pub fn champion(f: &MemberFacts) -> Vec<Check> {
    vec![
        c("champions-sphere", "/spheres", f.in_champions_sphere),
        c(
            "champions-training",
            "/training",
            f.champions_training_attended,
        ),
        c(
            "publish-spheres",
            "/spheres",
            f.post_spheres >= CHAMPION_SPHERES,
        ),
        c(
            "remind-colleague",
            "/champions/worklist",
            f.reminders_sent > 0,
        ),
    ]
}

/// The checklists a person has: everyone is a new member first; the others follow roles.
pub fn roles_of(is_manager: bool, is_sphere_admin: bool, is_champion: bool) -> Vec<ChecklistRole> {
    let mut out = Vec::new();
    if is_manager {
        out.push(ChecklistRole::OrganizationManager);
    }
    if is_sphere_admin {
        out.push(ChecklistRole::SphereAdmin);
    }
    if is_champion {
        out.push(ChecklistRole::Champion);
    }
    out.push(ChecklistRole::NewMember);
    out
}

/// The items of one checklist from the facts that concern it.
pub fn checklist(
    role: ChecklistRole,
    member: &MemberFacts,
    admin: &SphereAdminFacts,
    org: &OrgFacts,
) -> Vec<Check> {
    match role {
        ChecklistRole::OrganizationManager => organization_manager(org),
        ChecklistRole::SphereAdmin => sphere_admin(admin),
        ChecklistRole::NewMember => new_member(member),
        ChecklistRole::Champion => champion(member),
    }
}

/// Completed share in percent (0 for an empty list).
pub fn percent(done: usize, total: usize) -> u32 {
    (done * 100).checked_div(total).unwrap_or(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(v: &[Check]) -> Vec<&'static str> {
        v.iter().filter(|c| c.done).map(|c| c.key).collect()
    }

    #[test]
    fn new_member_items_follow_actions() {
        assert!(done(&new_member(&MemberFacts::default())).is_empty());
        let f = MemberFacts {
            has_photo: true,
            spheres_joined: 2,
            posts: 1,
            ..Default::default()
        };
        assert_eq!(done(&new_member(&f)), vec!["photo", "first-post"]);
        let f = MemberFacts {
            spheres_joined: 3,
            ..f
        };
        assert!(done(&new_member(&f)).contains(&"join-spheres"));
    }

    #[test]
    fn sphere_admin_needs_every_sphere() {
        let f = SphereAdminFacts {
            spheres: 2,
            with_description: 1,
            with_pinned_post: 2,
            with_invited_members: 2,
            pending_requests: 1,
        };
        assert_eq!(
            done(&sphere_admin(&f)),
            vec!["welcome-post", "invite-members"]
        );
        assert!(done(&sphere_admin(&SphereAdminFacts::default())).is_empty());
    }

    #[test]
    fn manager_and_champion() {
        let f = OrgFacts {
            members: 1,
            kit_items: 2,
            ..Default::default()
        };
        assert_eq!(done(&organization_manager(&f)), vec!["starter-kit"]);
        let m = MemberFacts {
            post_spheres: 2,
            in_champions_sphere: true,
            ..Default::default()
        };
        assert_eq!(
            done(&champion(&m)),
            vec!["champions-sphere", "publish-spheres"]
        );
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(0, 0), 0);
        assert_eq!(
            roles_of(true, false, true),
            vec![
                ChecklistRole::OrganizationManager,
                ChecklistRole::Champion,
                ChecklistRole::NewMember
            ]
        );
        assert_eq!(
            checklist(
                ChecklistRole::Champion,
                &m,
                &SphereAdminFacts::default(),
                &f
            )
            .len(),
            4
        );
    }
}
