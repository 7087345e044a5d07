//! GDPR: "Download my data" (a zip of data.json and the person's files, built in a temporary
//! file and streamed), the erasure of a member by an organization manager, and the
//! organization's retention settings applied by a scheduled job.
use crate::auth::{Auth, Manager};
use crate::error::{AppError, AppResult};
use crate::service::Download;
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, OrgId};
use embarq_store::gdpr::{EraseMode, EraseOutcome, EraseResult, GdprSettings};
use embarq_store::now_ms;
use futures::StreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use std::io::{Seek, SeekFrom, Write};
use tokio::io::AsyncReadExt;

/// One export per person per ten minutes: building it reads everything they have.
pub const EXPORT_GAP_MS: i64 = 10 * 60 * 1000;
/// Retention periods accepted, in days.
pub const MAX_DAYS: i64 = 36_500;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Accounts erased by one pass of the retention job per organization.
const ERASE_BATCH: i64 = 100;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("gdpr export: {e}"))
}

/// A file name safe inside the archive (no directories, no control characters).
fn entry_name(id: Id, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    let clean = clean.trim_start_matches('.');
    format!("files/{}-{}", id.simple(), clean)
}

/// The signed-in person's data as a zip attachment. Refused (429) if they exported less
/// than ten minutes ago.
pub async fn export(state: &AppState, auth: &Auth) -> AppResult<Download> {
    let now = now_ms();
    if !state
        .db
        .claim_gdpr_export(auth.user.id, now, EXPORT_GAP_MS)
        .await?
    {
        return Err(AppError::Limited("gdpr_export_limited"));
    }
    let data = state
        .db
        .gdpr_export(auth.user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let tmp = tempfile::tempfile().map_err(internal)?;
    let mut zip = zip::ZipWriter::new(tmp);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("data.json", opts).map_err(internal)?;
    serde_json::to_writer_pretty(&mut zip, &data).map_err(internal)?;
    for f in &data.files {
        let got = match state
            .objects
            .get(&ObjectPath::from(f.storage_key.clone()))
            .await
        {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(internal(e)),
        };
        zip.start_file(entry_name(f.id, &f.name), opts)
            .map_err(internal)?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            zip.write_all(&chunk.map_err(internal)?).map_err(internal)?;
        }
    }
    let mut file = zip.finish().map_err(internal)?;
    file.seek(SeekFrom::Start(0)).map_err(internal)?;
    let len = file.metadata().map_err(internal)?.len();
    let file = tokio::fs::File::from_std(file);
    let stream = futures::stream::unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    Ok(Download {
        body: stream.boxed(),
        content_type: "application/zip".into(),
        length: Some(len),
        disposition: Some("attachment; filename=\"embarq-my-data.zip\"".into()),
        untrusted: false,
    })
}

/// Parses an erasure mode from a form or query; empty means the organization's policy.
pub fn parse_mode(s: Option<&str>) -> AppResult<Option<EraseMode>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(m) => EraseMode::parse(m)
            .map(Some)
            .ok_or_else(|| FieldError::new("mode", "invalid_choice").into()),
    }
}

/// Erases a member of the manager's organization (see `Db::erase_user`), then removes the
/// bytes of files deleted with the account.
pub async fn erase(
    state: &AppState,
    auth: &Auth,
    id: UserId,
    mode: Option<EraseMode>,
) -> AppResult<EraseMode> {
    Manager::of(auth)?;
    if id == auth.user.id {
        return Err(AppError::Refused("cannot_erase_self"));
    }
    let org = auth.user.org_id;
    let mode = match mode {
        Some(m) => m,
        None => state.db.gdpr_settings(org).await?.erase_mode,
    };
    erase_as(state, org, id, mode, Some(auth.user.id)).await?;
    Ok(mode)
}

pub async fn erase_as(
    state: &AppState,
    org: OrgId,
    id: UserId,
    mode: EraseMode,
    actor: Option<UserId>,
) -> AppResult<EraseOutcome> {
    match state.db.erase_user(org, id, mode, actor, now_ms()).await? {
        EraseResult::Erased(out) => {
            for key in &out.removed_storage_keys {
                if let Err(e) = state.objects.delete(&ObjectPath::from(key.as_str())).await {
                    tracing::warn!(error = %e, "could not delete an erased member's file");
                }
            }
            Ok(out)
        }
        EraseResult::NotFound => Err(AppError::NotFound),
        EraseResult::LastManager => Err(AppError::Refused("last_manager")),
    }
}

pub async fn settings(state: &AppState, auth: &Auth) -> AppResult<GdprSettings> {
    Manager::of(auth)?;
    Ok(state.db.gdpr_settings(auth.user.org_id).await?)
}

/// What the erasure form shows an organization manager: the person and the organization's
/// erasure mode.
pub async fn erase_preview(
    state: &AppState,
    auth: &Auth,
    id: UserId,
) -> AppResult<(embarq_store::User, GdprSettings)> {
    let settings = settings(state, auth).await?;
    let person = super::members::profile(state, auth, id).await?;
    Ok((person, settings))
}

/// The settings as typed in a form or JSON: days as text ("" = keep forever).
pub struct SettingsInput<'a> {
    pub erase_mode: &'a str,
    pub message_days: Option<&'a str>,
    pub notification_days: Option<&'a str>,
    pub deactivated_days: Option<&'a str>,
}

fn days(field: &'static str, v: Option<&str>, errs: &mut Vec<FieldError>) -> Option<i64> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    match v.parse::<i64>() {
        Ok(n) if (1..=MAX_DAYS).contains(&n) => Some(n),
        Ok(_) => {
            errs.push(FieldError::new(field, "out_of_range"));
            None
        }
        Err(_) => {
            errs.push(FieldError::new(field, "not_a_number"));
            None
        }
    }
}

pub async fn update_settings(
    state: &AppState,
    auth: &Auth,
    input: SettingsInput<'_>,
) -> AppResult<GdprSettings> {
    Manager::of(auth)?;
    let mut errs = Vec::new();
    let erase_mode = match EraseMode::parse(input.erase_mode.trim()) {
        Some(m) => m,
        None => {
            errs.push(FieldError::new("erase_mode", "invalid_choice"));
            EraseMode::Anonymize
        }
    };
    let s = GdprSettings {
        erase_mode,
        message_days: days("message_days", input.message_days, &mut errs),
        notification_days: days("notification_days", input.notification_days, &mut errs),
        deactivated_days: days("deactivated_days", input.deactivated_days, &mut errs),
    };
    if !errs.is_empty() {
        return Err(AppError::Validation(errs));
    }
    let audit = super::admin_audit::by(
        auth,
        "gdpr.settings",
        "organization",
        Some(auth.user.org_id.0),
        serde_json::json!({
            "erase_mode": s.erase_mode.as_str(),
            "message_days": s.message_days,
            "notification_days": s.notification_days,
            "deactivated_days": s.deactivated_days,
        }),
    );
    state
        .db
        .set_gdpr_settings(auth.user.org_id, &s, now_ms(), &audit)
        .await?;
    Ok(s)
}

/// The retention job: deletes private messages and notifications older than each
/// organization's limits and erases long-deactivated accounts. Every step is idempotent and
/// each erasure claims its account in the database, so concurrent processes never apply
/// anything twice. Returns the number of rows deleted or accounts erased.
pub async fn apply_retention(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut n = 0usize;
    for (org, s) in state.db.gdpr_retention_orgs().await? {
        if let Some(d) = s.message_days {
            n += state.db.gdpr_purge_messages(org, now - d * DAY_MS).await? as usize;
        }
        if let Some(d) = s.notification_days {
            n += state
                .db
                .gdpr_purge_notifications(org, now - d * DAY_MS)
                .await? as usize;
        }
        if let Some(d) = s.deactivated_days {
            for id in state
                .db
                .gdpr_stale_deactivated(org, now - d * DAY_MS, ERASE_BATCH)
                .await?
            {
                match erase_as(state, org, id, s.erase_mode, None).await {
                    Ok(_) => n += 1,
                    // Already erased by another process, or refused: nothing to do.
                    Err(AppError::NotFound | AppError::Refused(_)) => {}
                    Err(e) => return Err(anyhow::anyhow!("{e}")),
                }
            }
        }
    }
    Ok(n)
}
