//! The organization directory: profiles, roles, deactivation and the CSV import.
use super::accounts;
use crate::auth::{Auth, Manager};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::csv_import::{self, FileError};
use embarq_domain::policy;
use embarq_domain::recurrence::parse_zone;
use embarq_domain::validate::{self, Errors, NAME_MAX, SHORT_TEXT_MAX};
use embarq_domain::{OrgId, OrgRole, UserStatus};
use embarq_store::{ImportOutcome, MemberFilter, ProfileUpdate, RuleScope, User};

pub const PAGE: i64 = 50;

pub async fn directory(
    state: &AppState,
    auth: &Auth,
    q: Option<&str>,
    page: i64,
) -> AppResult<Vec<User>> {
    let include_inactive = policy::can_manage_org(auth.viewer());
    let f = MemberFilter {
        query: q
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| q.chars().take(100).collect()),
        include_inactive,
        limit: PAGE,
        offset: page.clamp(0, 10_000) * PAGE,
    };
    Ok(state.db.list_members(auth.user.org_id, &f).await?)
}

/// A member of the viewer's organization; other organizations' ids read as unknown.
pub async fn profile(state: &AppState, auth: &Auth, id: UserId) -> AppResult<User> {
    state
        .db
        .user_in_org(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub struct ProfileInput {
    pub display_name: String,
    pub title: String,
    pub department: String,
    pub site: String,
    pub birth_year: String,
    pub level: String,
    pub locale: String,
    /// An IANA zone name; "" follows the browser, then the organization.
    pub time_zone: String,
}

pub async fn update_profile(state: &AppState, auth: &Auth, i: &ProfileInput) -> AppResult<()> {
    let mut e = Errors::default();
    let display_name = e.check(validate::required(
        "display_name",
        &i.display_name,
        NAME_MAX,
    ));
    let title = e.check(validate::optional("title", &i.title, SHORT_TEXT_MAX));
    let department = e.check(validate::optional(
        "department",
        &i.department,
        SHORT_TEXT_MAX,
    ));
    let site = e.check(validate::optional("site", &i.site, SHORT_TEXT_MAX));
    let level = e.check(validate::optional("level", &i.level, SHORT_TEXT_MAX));
    let birth_year = e.check(validate::birth_year(
        "birth_year",
        &i.birth_year,
        super::current_year(),
    ));
    let locale = match i.locale.trim() {
        "" => None,
        l => e.check(
            Lang::parse(l)
                .map(|l| l.code().to_string())
                .ok_or(validate::FieldError::new("locale", "invalid_choice")),
        ),
    };
    let time_zone = match i.time_zone.trim() {
        "" => None,
        z => e.check(
            parse_zone(z)
                .map(|tz| tz.name().to_string())
                .ok_or(validate::FieldError::new("time_zone", "invalid_time_zone")),
        ),
    };
    e.into_result()?;
    let u = ProfileUpdate {
        display_name: display_name.unwrap_or_default(),
        title: title.flatten(),
        department: department.flatten(),
        site: site.flatten(),
        birth_year: birth_year.flatten(),
        level: level.flatten(),
        locale,
        time_zone,
    };
    state.db.update_profile(auth.user.id, &u).await?;
    let scope = RuleScope::Person(auth.user.id);
    super::membership_rules::follow_directory(state, auth.user.org_id, scope).await;
    Ok(())
}

pub const PHOTO_MAX: usize = 2 * 1024 * 1024;

/// Sets the profile photo; the type is read from the bytes, never from the file name.
pub async fn set_photo(state: &AppState, auth: &Auth, bytes: &[u8]) -> AppResult<()> {
    if bytes.is_empty() {
        return Err(validate::FieldError::new("photo", "required").into());
    }
    if bytes.len() > PHOTO_MAX {
        return Err(validate::FieldError::with_limit(
            "photo",
            "file_too_large",
            (PHOTO_MAX / 1024 / 1024) as i64,
        )
        .into());
    }
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return Err(validate::FieldError::new("photo", "not_an_image").into());
    };
    Ok(state
        .db
        .set_photo(auth.user.id, bytes, content_type)
        .await?)
}

/// How many people the organization has (its managers' administration page).
pub async fn count(state: &AppState, auth: &Auth) -> AppResult<i64> {
    let m = Manager::of(auth)?;
    Ok(state.db.count_members(m.org_id()).await?)
}

/// Changes a member's organization role; the organization keeps at least one manager.
pub async fn set_org_role(
    state: &AppState,
    auth: &Auth,
    id: UserId,
    role: OrgRole,
) -> AppResult<()> {
    Manager::of(auth)?;
    let u = profile(state, auth, id).await?;
    // Refused (`last_manager`) by the store when it would leave no active manager.
    let audit = super::admin_audit::by(
        auth,
        "org.role",
        "user",
        Some(u.id.into()),
        serde_json::json!({"name": u.display_name, "from": u.org_role.as_str(), "to": role.as_str()}),
    );
    Ok(state
        .db
        .set_org_role(auth.user.org_id, u.id, role, &audit)
        .await?)
}

pub async fn set_active(state: &AppState, auth: &Auth, id: UserId, active: bool) -> AppResult<()> {
    Manager::of(auth)?;
    let u = profile(state, auth, id).await?;
    if u.id == auth.user.id {
        return Err(AppError::Refused("cannot_deactivate_self"));
    }
    let action = if active {
        "member.reactivate"
    } else {
        "member.deactivate"
    };
    let audit = super::admin_audit::by(
        auth,
        action,
        "user",
        Some(u.id.into()),
        serde_json::json!({"name": u.display_name, "email": u.email}),
    );
    if active {
        state
            .db
            .reactivate_user(auth.user.org_id, u.id, &audit)
            .await?;
    } else {
        state
            .db
            .deactivate_user(auth.user.org_id, u.id, &audit)
            .await?;
    }
    let scope = RuleScope::Person(u.id);
    super::membership_rules::follow_directory(state, auth.user.org_id, scope).await;
    Ok(())
}

/// Re-sends the invitation of a member who has not activated yet.
pub async fn resend_invitation(
    state: &AppState,
    auth: &Auth,
    id: UserId,
    lang: Lang,
) -> AppResult<()> {
    Manager::of(auth)?;
    let u = profile(state, auth, id).await?;
    if u.status != UserStatus::Invited {
        return Err(AppError::Refused("already_active"));
    }
    let audit = super::admin_audit::by(
        auth,
        "member.reinvite",
        "user",
        Some(u.id.into()),
        serde_json::json!({"name": u.display_name, "email": u.email}),
    );
    accounts::send_invitation(state, &u, &auth.user.display_name, lang, audit).await
}

/// The import result as shown to people: either the file is unusable, or a plan with bad rows.
pub enum ImportResult {
    FileError(FileError),
    Done {
        outcome: ImportOutcome,
        parse_errors: Vec<csv_import::RowError>,
        rows: usize,
    },
}

pub struct ImportOptions {
    pub dry_run: bool,
    pub deactivate_missing: bool,
    pub send_invitations: bool,
    /// Where the file came from (`ui`, `api`, `cli`) and its name, for the audit log.
    pub via: &'static str,
    pub file_name: Option<String>,
}

/// Imports the HR directory. A dry run writes nothing; a real run writes the valid rows in
/// one transaction and reports the bad ones with their line numbers.
pub async fn import(
    state: &AppState,
    auth: &Auth,
    bytes: &[u8],
    opts: &ImportOptions,
    lang: Lang,
) -> AppResult<ImportResult> {
    Manager::of(auth)?;
    import_for(
        state,
        auth.user.org_id,
        auth.user.id,
        Some(&auth.user.display_name),
        bytes,
        opts,
        lang,
    )
    .await
}

/// The import itself, also used by the `embarq import` command (acting as `actor`).
pub async fn import_for(
    state: &AppState,
    org_id: OrgId,
    actor: UserId,
    inviter: Option<&str>,
    bytes: &[u8],
    opts: &ImportOptions,
    lang: Lang,
) -> AppResult<ImportResult> {
    let parsed = match csv_import::parse(bytes, super::current_year()) {
        Ok(p) => p,
        Err(e) => return Ok(ImportResult::FileError(e)),
    };
    let rows = parsed.rows.len();
    let errors = parsed.errors.len();
    let audit = |p: &embarq_store::ImportPlan| {
        super::admin_audit::record(
            super::admin_audit::Admin {
                org_id,
                actor_id: Some(actor),
                action: "directory.import",
                target_kind: "directory",
                target_id: None,
                sphere_id: None,
            },
            serde_json::json!({
                "via": opts.via,
                "file": opts.file_name,
                "rows": rows,
                "created": p.create.len(),
                "updated": p.update.len(),
                "unchanged": p.unchanged,
                "deactivated": p.deactivate.len(),
                "errors": p.errors.len() + errors,
            }),
        )
    };
    let outcome = state
        .db
        .import_members(
            org_id,
            &parsed.rows,
            opts.deactivate_missing,
            actor,
            opts.dry_run,
            audit,
        )
        .await?;
    if !opts.dry_run {
        super::membership_rules::follow_directory(state, org_id, RuleScope::Org).await;
    }
    if !opts.dry_run && opts.send_invitations {
        for (id, _) in &outcome.created {
            // With a rollout plan, members whose access opens later get it from the job then.
            if let Some(u) = state.db.user(*id).await?
                && super::rollout::invitation_due_now(state, &u).await?
            {
                accounts::send_invitation(
                    state,
                    &u,
                    inviter.unwrap_or("embarq"),
                    lang,
                    Default::default(),
                )
                .await?;
            }
        }
    }
    Ok(ImportResult::Done {
        outcome,
        parse_errors: parsed.errors,
        rows,
    })
}

/// The `embarq import` command: acts as `manager_email` (or the first organization manager)
/// and returns a report for a terminal.
pub async fn import_cli(
    state: &AppState,
    manager_email: Option<&str>,
    bytes: &[u8],
    opts: &ImportOptions,
) -> anyhow::Result<String> {
    use std::fmt::Write;
    let manager = match manager_email {
        Some(e) => state.db.user_by_email(&e.trim().to_lowercase()).await?,
        None => state.db.first_manager().await?,
    }
    .filter(|u| u.org_role == OrgRole::Manager)
    .ok_or_else(|| anyhow::anyhow!("no organization manager found: run `embarq serve` and complete the setup first, or pass --as-manager"))?;
    let lang = Lang::En;
    let result = import_for(
        state,
        manager.org_id,
        manager.id,
        Some(&manager.display_name),
        bytes,
        opts,
        lang,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = String::new();
    match result {
        ImportResult::FileError(e) => anyhow::bail!("the file cannot be imported: {e}"),
        ImportResult::Done {
            outcome,
            parse_errors,
            rows,
        } => {
            let p = &outcome.plan;
            let verb = if opts.dry_run { "would be" } else { "were" };
            writeln!(out, "{rows} valid rows read")?;
            writeln!(
                out,
                "{} members {verb} created, {} updated, {} unchanged, {} deactivated",
                p.create.len(),
                p.update.len(),
                p.unchanged,
                p.deactivate.len()
            )?;
            let mut errors: Vec<_> = parse_errors.iter().chain(p.errors.iter()).collect();
            errors.sort_by_key(|e| e.line);
            for e in errors {
                writeln!(
                    out,
                    "line {}: {}{}",
                    e.line,
                    describe_row_error(lang, e),
                    e.value
                        .as_deref()
                        .map(|v| format!(" ({v})"))
                        .unwrap_or_default()
                )?;
            }
            for w in &p.warnings {
                writeln!(
                    out,
                    "line {}: warning: {}",
                    w.line,
                    describe_row_error(lang, w)
                )?;
            }
            if opts.dry_run {
                writeln!(out, "dry run: nothing was written")?;
            }
        }
    }
    Ok(out)
}

/// A sentence for a rejected or flagged import row.
pub fn describe_row_error(lang: Lang, e: &csv_import::RowError) -> String {
    match e.field {
        Some(f) => crate::i18n::field_error(lang, &validate::FieldError::new(f, e.code)),
        None => crate::i18n::error_message(lang, e.code),
    }
}
