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

/// Anyone in the organization may create a sphere; they become its administrator.
pub fn can_create_sphere(_viewer: Viewer) -> bool {
    true
}

/// Authors edit and delete their own content; sphere moderators delete any.
pub fn can_delete_content(is_author: bool, access: SphereAccess) -> bool {
    is_author || access.moderate || access.admin
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
}
