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

/// File box: members who may post upload files and create folders.
pub fn can_upload_file(access: SphereAccess) -> bool {
    access.post
}

/// File box: the uploader (still able to read the sphere) or a sphere administrator
/// renames, moves and deletes a file or folder.
pub fn can_manage_file(is_uploader: bool, access: SphereAccess) -> bool {
    access.read && (is_uploader && access.post || access.admin)
}

/// Sphere administrators arrange the side panel's widgets.
pub fn can_manage_widgets(access: SphereAccess) -> bool {
    access.read && access.admin
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

/// Task lists and tasks are read by whoever reads the sphere (a secret sphere's tasks exist
/// only for its members).
pub fn can_read_tasks(access: SphereAccess) -> bool {
    access.read
}

/// Those who may post in a sphere create, rename and delete its task lists, create and
/// edit tasks, assign them, change their status and comment on them.
pub fn can_work_on_tasks(access: SphereAccess) -> bool {
    access.post
}

/// A task is deleted by its creator (while they may still post in the sphere) or by the
/// sphere's moderators.
pub fn can_delete_task(is_creator: bool, access: SphereAccess) -> bool {
    access.read && ((is_creator && access.post) || access.moderate || access.admin)
}

/// Deleting a task list deletes its tasks, so it takes the same right as deleting each of
/// them: those who may post delete a list holding only their own tasks (or none), the
/// sphere's moderators any list.
pub fn can_delete_task_list(holds_others_tasks: bool, access: SphereAccess) -> bool {
    can_work_on_tasks(access) && can_delete_task(!holds_others_tasks, access)
}

/// A task is assigned only to members of its sphere (who can read it).
pub fn can_be_assigned(access_of_assignee: SphereAccess, is_member: bool) -> bool {
    is_member && access_of_assignee.read
}

/// Those who may post in the sphere vote in its polls (as they react); the results are for
/// every reader.
pub fn can_vote(access: SphereAccess) -> bool {
    access.post
}

/// The poll's author and the sphere's moderators close a poll early.
pub fn can_close_poll(is_author: bool, access: SphereAccess) -> bool {
    is_author || access.moderate || access.admin
}

/// Reporting needs to read the item: someone who cannot read the sphere gets 404, never a
/// report form (secret spheres leak nothing).
pub fn can_report(access: SphereAccess) -> bool {
    access.see && access.read
}

/// A sphere's moderation queue (dismiss, hide, delete, mute, remove) is for its
/// administrators, and for organization managers on the spheres they administer (never a
/// secret sphere they are not a member of).
pub fn can_moderate_sphere(access: SphereAccess) -> bool {
    access.see && access.admin
}

/// The organization-wide moderation queue and audit log are for organization managers.
pub fn can_view_org_moderation(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// A sphere's video room is for those who read the sphere (members; anyone for an open sphere).
/// An event's room is for those who see the event (`can_see_event` and the event's sphere).
pub fn can_join_sphere_video(access: SphereAccess) -> bool {
    access.see && access.read
}

/// Organization managers choose the video provider (built-in or an external URL template).
pub fn can_configure_video(viewer: Viewer) -> bool {
    viewer.org_role == OrgRole::Manager
}

/// A sphere's events: those who may read the sphere see them and answer; secret and closed
/// spheres' events stay with their members.
pub fn can_see_sphere_event(access: SphereAccess) -> bool {
    access.see && access.read
}

/// Members who may post in a sphere organize its events.
pub fn can_create_sphere_event(access: SphereAccess) -> bool {
    access.see && access.post
}

/// A sphere event is managed (participants' list, attendance) by its organizer and the
/// sphere's administrators.
pub fn can_manage_sphere_event(access: SphereAccess, is_organizer: bool) -> bool {
    access.see && (is_organizer || access.admin)
}

/// Who sees who answered: the event's managers always; the people who can see an event
/// (not a training session) see who is going or may come.
pub fn can_see_participants(manage: bool, kind: crate::events::EventKind) -> bool {
    manage || kind == crate::events::EventKind::Event
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
    fn tasks_and_polls() {
        let outsider = sphere_access(MANAGER, SphereKind::Secret, None);
        assert!(!can_read_tasks(outsider) && !can_work_on_tasks(outsider) && !can_vote(outsider));
        let reader = sphere_access(MEMBER, SphereKind::Open, None);
        assert!(can_read_tasks(reader) && !can_work_on_tasks(reader) && !can_vote(reader));
        assert!(!can_be_assigned(reader, false));
        let member = sphere_access(MEMBER, SphereKind::Secret, Some(SphereRole::Member));
        assert!(can_work_on_tasks(member) && can_vote(member) && can_be_assigned(member, true));
        assert!(can_close_poll(true, member) && !can_close_poll(false, member));
    }

    #[test]
    fn moderation() {
        let member = sphere_access(MEMBER, SphereKind::Open, Some(SphereRole::Member));
        assert!(can_report(member) && !can_moderate_sphere(member));
        let admin = sphere_access(MEMBER, SphereKind::Secret, Some(SphereRole::Admin));
        assert!(can_moderate_sphere(admin));
        assert!(can_moderate_sphere(sphere_access(
            MANAGER,
            SphereKind::Closed,
            None
        )));
        assert!(!can_moderate_sphere(sphere_access(
            MANAGER,
            SphereKind::Secret,
            None
        )));
        assert!(!can_report(sphere_access(MEMBER, SphereKind::Secret, None)));
        assert!(!can_report(sphere_access(MEMBER, SphereKind::Closed, None)));
        assert!(can_view_org_moderation(MANAGER) && !can_view_org_moderation(MEMBER));
    }

    #[test]
    fn sphere_events() {
        use crate::events::EventKind;
        let outsider = sphere_access(MEMBER, SphereKind::Secret, None);
        assert!(!can_see_sphere_event(outsider) && !can_create_sphere_event(outsider));
        let mgr = sphere_access(MANAGER, SphereKind::Secret, None);
        assert!(!can_see_sphere_event(mgr) && !can_manage_sphere_event(mgr, true));
        let closed = sphere_access(MEMBER, SphereKind::Closed, None);
        assert!(!can_see_sphere_event(closed));
        let open = sphere_access(MEMBER, SphereKind::Open, None);
        assert!(can_see_sphere_event(open) && !can_create_sphere_event(open));
        let member = sphere_access(MEMBER, SphereKind::Secret, Some(SphereRole::Member));
        assert!(can_create_sphere_event(member) && !can_manage_sphere_event(member, false));
        assert!(can_manage_sphere_event(member, true));
        let admin = sphere_access(MEMBER, SphereKind::Closed, Some(SphereRole::Admin));
        assert!(can_manage_sphere_event(admin, false));
        assert!(can_see_participants(false, EventKind::Event));
        assert!(!can_see_participants(false, EventKind::Training));
        assert!(can_see_participants(true, EventKind::Webinar));
    }

    #[test]
    fn guidance() {
        assert!(can_mark_use_case(MANAGER, false) && can_mark_use_case(MEMBER, true));
        assert!(!can_mark_use_case(MEMBER, false));
        assert!(can_curate_guidance(MANAGER) && !can_curate_guidance(MEMBER));
    }
}
