//! One member lifecycle: every change to a person's account (role, deactivation,
//! reactivation, erasure, a new password, activation) goes through [`transition`], whichever
//! path asks for it (UI, API, SCIM, the CSV import, GDPR erasure, password reset, SSO). The
//! store reads the state and applies the effects inside one transaction, with the
//! organization's row locked, so "the last manager" holds under concurrent requests.
use crate::{OrgRole, UserStatus};

/// A person's account as the transaction reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberState {
    pub status: UserStatus,
    pub role: OrgRole,
    pub has_password: bool,
    /// Active managers of the organization other than this person.
    pub other_active_managers: i64,
}

impl MemberState {
    /// Whether `change` could leave the organization without an active manager: only then
    /// does the store lock the organization and count its other managers, and only then can
    /// the change be refused as `LastManager`.
    pub fn counts_managers(&self, change: Change) -> bool {
        self.role == OrgRole::Manager
            && self.status == UserStatus::Active
            && match change {
                Change::SetRole(role) => role != OrgRole::Manager,
                Change::Deactivate | Change::Erase => true,
                _ => false,
            }
    }
}

/// What is asked of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    SetRole(OrgRole),
    /// By a manager, by SCIM (`active: false`) or by the HR file.
    Deactivate,
    /// The HR file no longer lists the person: managers are never deactivated this way.
    DeactivateAbsent,
    Reactivate,
    /// GDPR erasure: the account becomes a deactivated tombstone.
    Erase,
    /// A password set through a one-time link (invitation or reset).
    SetPassword,
    /// First sign-in through the organization's identity provider.
    Activate,
}

/// What the store writes for an accepted change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Effects {
    pub status: Option<UserStatus>,
    pub role: Option<OrgRole>,
    /// End every session, API token and calendar feed, and close live streams.
    pub revoke_credentials: bool,
}

/// Why a change is refused; the code is the one the API and the UI show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The organization would be left without an active manager.
    LastManager,
    /// The HR file does not deactivate managers (a manager does it by hand).
    ManagerKept,
    /// A deactivated account cannot set a password or sign in until reactivated.
    Deactivated,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::LastManager => "last_manager",
            Refusal::ManagerKept => "manager_kept",
            Refusal::Deactivated => "deactivated",
        }
    }
}

/// The status an account returns to when reactivated: active if it ever set a password,
/// invited otherwise.
fn reactivated(s: &MemberState) -> UserStatus {
    if s.has_password {
        UserStatus::Active
    } else {
        UserStatus::Invited
    }
}

/// `(current state, change) → effects or refusal`: the whole member lifecycle.
pub fn transition(s: &MemberState, change: Change) -> Result<Effects, Refusal> {
    if s.counts_managers(change) && s.other_active_managers == 0 {
        return Err(Refusal::LastManager);
    }
    let deactivate = Effects {
        status: Some(UserStatus::Deactivated),
        role: None,
        revoke_credentials: true,
    };
    match change {
        Change::SetRole(role) if role == s.role => Ok(Effects::default()),
        Change::SetRole(role) => Ok(Effects {
            role: Some(role),
            ..Effects::default()
        }),
        Change::Deactivate => Ok(deactivate),
        Change::DeactivateAbsent if s.role == OrgRole::Manager => Err(Refusal::ManagerKept),
        Change::DeactivateAbsent if s.status == UserStatus::Deactivated => Ok(Effects::default()),
        Change::DeactivateAbsent => Ok(deactivate),
        Change::Reactivate if s.status == UserStatus::Deactivated => Ok(Effects {
            status: Some(reactivated(s)),
            ..Effects::default()
        }),
        Change::Reactivate => Ok(Effects::default()),
        Change::Erase => Ok(Effects {
            status: Some(UserStatus::Deactivated),
            role: Some(OrgRole::Member),
            revoke_credentials: true,
        }),
        Change::SetPassword | Change::Activate if s.status == UserStatus::Deactivated => {
            Err(Refusal::Deactivated)
        }
        Change::SetPassword => Ok(Effects {
            status: (s.status == UserStatus::Invited).then_some(UserStatus::Active),
            role: None,
            revoke_credentials: true,
        }),
        Change::Activate => Ok(Effects {
            status: (s.status == UserStatus::Invited).then_some(UserStatus::Active),
            ..Effects::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: UserStatus, role: OrgRole, others: i64) -> MemberState {
        MemberState {
            status,
            role,
            has_password: true,
            other_active_managers: others,
        }
    }

    #[test]
    fn the_last_active_manager_is_kept_by_every_path() {
        let last = state(UserStatus::Active, OrgRole::Manager, 0);
        for c in [
            Change::SetRole(OrgRole::Member),
            Change::Deactivate,
            Change::Erase,
        ] {
            assert_eq!(transition(&last, c), Err(Refusal::LastManager), "{c:?}");
        }
        assert_eq!(
            transition(&last, Change::DeactivateAbsent),
            Err(Refusal::ManagerKept)
        );
        // With another manager, or when already deactivated, the rule does not bind.
        let one_of_two = state(UserStatus::Active, OrgRole::Manager, 1);
        assert!(transition(&one_of_two, Change::Deactivate).is_ok());
        let inactive = state(UserStatus::Deactivated, OrgRole::Manager, 0);
        assert!(transition(&inactive, Change::SetRole(OrgRole::Member)).is_ok());
        // Promoting and keeping one's role never count.
        assert_eq!(
            transition(&last, Change::SetRole(OrgRole::Manager)),
            Ok(Effects::default())
        );
    }

    #[test]
    fn deactivation_always_ends_every_credential() {
        let member = state(UserStatus::Active, OrgRole::Member, 0);
        for c in [Change::Deactivate, Change::DeactivateAbsent, Change::Erase] {
            let e = transition(&member, c).unwrap();
            assert!(e.revoke_credentials, "{c:?}");
            assert_eq!(e.status, Some(UserStatus::Deactivated), "{c:?}");
        }
        // Reactivation gives nothing back: credentials stay ended.
        let gone = state(UserStatus::Deactivated, OrgRole::Member, 0);
        let e = transition(&gone, Change::Reactivate).unwrap();
        assert!(!e.revoke_credentials);
        assert_eq!(e.status, Some(UserStatus::Active));
    }

    #[test]
    fn reactivation_returns_to_invited_without_a_password() {
        let mut s = state(UserStatus::Deactivated, OrgRole::Member, 0);
        s.has_password = false;
        assert_eq!(
            transition(&s, Change::Reactivate).unwrap().status,
            Some(UserStatus::Invited)
        );
        let active = state(UserStatus::Active, OrgRole::Member, 0);
        assert_eq!(
            transition(&active, Change::Reactivate),
            Ok(Effects::default())
        );
    }

    #[test]
    fn passwords_activate_invitations_and_end_other_sessions() {
        let invited = state(UserStatus::Invited, OrgRole::Member, 0);
        let e = transition(&invited, Change::SetPassword).unwrap();
        assert_eq!(e.status, Some(UserStatus::Active));
        assert!(e.revoke_credentials);
        let sso = transition(&invited, Change::Activate).unwrap();
        assert_eq!(sso.status, Some(UserStatus::Active));
        assert!(!sso.revoke_credentials);
        let gone = state(UserStatus::Deactivated, OrgRole::Member, 0);
        assert_eq!(
            transition(&gone, Change::SetPassword),
            Err(Refusal::Deactivated)
        );
        assert_eq!(
            transition(&gone, Change::Activate),
            Err(Refusal::Deactivated)
        );
    }
}
