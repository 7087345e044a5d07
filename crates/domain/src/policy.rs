//! The one authorization policy: every handler asks here what a viewer may see and do.
//! Store queries that filter lists (`visible spheres`, feeds, search) implement the same
//! rule in SQL; the integration suite checks both agree for secret spheres.
use crate::{OrgRole, SphereKind, SphereRole};

/// Who is asking: their organization role and, for a given sphere, their membership.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub org_role: OrgRole,
}

/// What a viewer may do in one sphere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SphereAccess {
    /// The sphere exists for this viewer (name, description). False means answer 404.
    pub see: bool,
    /// Publications, comments and members are readable.
    pub read: bool,
    /// May publish and comment.
    pub post: bool,
    /// May join directly without approval.
    pub join: bool,
    /// May ask to join (closed spheres).
    pub request: bool,
    /// Approves pending posts, pins posts.
    pub moderate: bool,
    /// Manages members, requests, invitations and settings.
    pub admin: bool,
    /// Invites other members of the organization.
    pub invite: bool,
}

/// The rule for a sphere given the viewer's role in it (`None`: not a member).
pub fn sphere_access(viewer: Viewer, kind: SphereKind, role: Option<SphereRole>) -> SphereAccess {
    let member = role.is_some();
    let manager = viewer.org_role == OrgRole::Manager;
    let see = member || kind != SphereKind::Secret;
    let admin = role == Some(SphereRole::Admin);
    SphereAccess {
        see,
        read: member || kind == SphereKind::Open,
        post: member,
        join: !member && kind == SphereKind::Open,
        request: !member && kind == SphereKind::Closed,
        moderate: role.is_some_and(SphereRole::moderates),
        // An organization manager administers visible spheres of the organization,
        // never a secret sphere they are not a member of: secret means secret.
        admin: admin || (manager && see),
        invite: admin || (member && kind != SphereKind::Secret) || (manager && see),
    }
}

/// Organization managers manage the directory, imports and organization-wide settings.
pub fn can_manage_org(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// The rollout plan (launch, early access, waves, announcement) is the organization
/// managers' business.
pub fn can_manage_rollout(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// Anyone in the organization may create a sphere; they become its administrator.
pub fn can_create_sphere(_viewer: Viewer) -> bool {
    true
}

/// Authors edit and delete their own content; sphere moderators delete any.
pub fn can_delete_content(is_author: bool, access: SphereAccess) -> bool {
    is_author || access.moderate || access.admin
}

/// Champions and organization managers mark publications as use cases.
pub fn can_mark_use_case(viewer: Viewer, is_champion: bool) -> bool {
    is_champion || viewer.org_role == OrgRole::Manager
}

/// Organization managers curate the starter kit, the help centre and the suggestions' statuses.
pub fn can_curate_guidance(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// Activation analytics are for organization managers.
pub fn can_view_analytics(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// Managers and confirmed champions launch contests.
pub fn can_create_contest(viewer: Viewer, is_champion: bool) -> bool {
    is_champion || viewer.org_role == OrgRole::Manager
}

/// The champion's worklist (and its "remind" action) is for confirmed champions and managers.
pub fn can_use_worklist(viewer: Viewer, is_champion: bool) -> bool {
    is_champion || viewer.org_role == OrgRole::Manager
}

/// Organization managers propose, confirm and remove champions and nominate candidates.
pub fn can_manage_champions(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// A manager may give a champion a role in a sphere they can administer (visible to them).
pub fn can_grant_champion_role(viewer: Viewer, access: SphereAccess) -> bool {
    can_manage_champions(viewer) && access.see && access.admin
}

/// Who organizes an event: managers any; confirmed champions training sessions and webinars
/// open to everyone (champions-only sessions are the managers' own).
pub fn can_organize_event(
    viewer: Viewer,
    is_champion: bool,
    kind: crate::events::EventKind,
    audience: crate::events::Audience,
) -> bool {
    use crate::events::{Audience, EventKind};
    viewer.org_role == OrgRole::Manager
        || (is_champion
            && matches!(kind, EventKind::Training | EventKind::Webinar)
            && audience == Audience::All)
}

/// A champions-only event exists only for champions and managers (others get 404).
pub fn can_see_event(viewer: Viewer, is_champion: bool, audience: crate::events::Audience) -> bool {
    audience == crate::events::Audience::All || is_champion || viewer.org_role == OrgRole::Manager
}

/// The organizer and managers see registrants, register people and record attendance.
pub fn can_manage_event(viewer: Viewer, is_organizer: bool) -> bool {
    is_organizer || viewer.org_role == OrgRole::Manager
}

#[cfg(test)]
mod tests {
    use super::*;
    const MEMBER: Viewer = Viewer {
        org_role: OrgRole::Member,
    };
    const MANAGER: Viewer = Viewer {
        org_role: OrgRole::Manager,
    };

    #[test]
    fn secret_is_invisible_to_non_members_even_managers() {
        for v in [MEMBER, MANAGER] {
            let a = sphere_access(v, SphereKind::Secret, None);
            assert_eq!(a, SphereAccess::default());
        }
    }

    #[test]
    fn closed_is_visible_but_unreadable() {
        let a = sphere_access(MEMBER, SphereKind::Closed, None);
        assert!(a.see && !a.read && !a.post && a.request && !a.join);
    }

    #[test]
    fn open_is_readable_and_joinable() {
        let a = sphere_access(MEMBER, SphereKind::Open, None);
        assert!(a.see && a.read && !a.post && a.join);
    }

    #[test]
    fn roles_in_sphere() {
        let m = sphere_access(MEMBER, SphereKind::Secret, Some(SphereRole::Member));
        assert!(m.read && m.post && !m.moderate && !m.admin && !m.invite);
        let p = sphere_access(MEMBER, SphereKind::Closed, Some(SphereRole::Publisher));
        assert!(p.moderate && !p.admin);
        let a = sphere_access(MEMBER, SphereKind::Secret, Some(SphereRole::Admin));
        assert!(a.moderate && a.admin && a.invite);
        let mgr = sphere_access(MANAGER, SphereKind::Closed, None);
        assert!(mgr.admin && !mgr.read);
    }

    #[test]
    fn events() {
        use crate::events::{Audience, EventKind};
        assert!(can_organize_event(
            MANAGER,
            false,
            EventKind::Event,
            Audience::Champions
        ));
        assert!(can_organize_event(
            MEMBER,
            true,
            EventKind::Webinar,
            Audience::All
        ));
        assert!(!can_organize_event(
            MEMBER,
            true,
            EventKind::Training,
            Audience::Champions
        ));
        assert!(!can_organize_event(
            MEMBER,
            true,
            EventKind::Event,
            Audience::All
        ));
        assert!(!can_organize_event(
            MEMBER,
            false,
            EventKind::Training,
            Audience::All
        ));
        assert!(can_see_event(MEMBER, false, Audience::All));
        assert!(!can_see_event(MEMBER, false, Audience::Champions));
        assert!(can_see_event(MEMBER, true, Audience::Champions));
        assert!(can_see_event(MANAGER, false, Audience::Champions));
        assert!(can_manage_event(MEMBER, true) && !can_manage_event(MEMBER, false));
    }

    #[test]
    fn guidance() {
        assert!(can_mark_use_case(MANAGER, false) && can_mark_use_case(MEMBER, true));
        assert!(!can_mark_use_case(MEMBER, false));
        assert!(can_curate_guidance(MANAGER) && !can_curate_guidance(MEMBER));
    }
}
