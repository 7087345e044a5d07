//! /admin/webhooks: the organization's subscriptions (managers), the secret shown once on
//! creation, and per subscription its delivery log with "redeliver", "send test ping",
//! "pause"/"resume" and "remove"; each delivery's page lists all its attempts.
use super::{Page, PathId, PathIds, St, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::webhooks as svc;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::validate::FieldError;
use embarq_store::{Webhook, WebhookAttempt, WebhookDelivery};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/webhooks", get(list_page).post(create))
        .route("/admin/webhooks/{id}", get(show))
        .route("/admin/webhooks/{id}/ping", post(ping))
        .route("/admin/webhooks/{id}/delete", post(delete))
        .route("/admin/webhooks/{id}/pause", post(pause))
        .route("/admin/webhooks/{id}/resume", post(resume))
        .route("/admin/webhooks/{id}/deliveries/{delivery}", get(delivery))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(redeliver),
        )
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct ListPage {
    p: Page,
    hooks: Vec<Webhook>,
    /// Every event type and whether it is ticked.
    events: Vec<(&'static str, bool)>,
    url: String,
    /// The new subscription's secret, shown once.
    secret: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    status: StatusCode,
    url: String,
    chosen: Vec<String>,
    secret: Option<String>,
    errors: &[FieldError],
) -> AppResult<Response> {
    let hooks = svc::list(state, auth).await?;
    let p = Page::new(state, lang, csrf, Some(auth), "webhooks-title")
        .await
        .with_errors(errors);
    Ok(render_status(
        status,
        &ListPage {
            p,
            hooks,
            events: svc::EVENTS
                .iter()
                .map(|e| (*e, chosen.iter().any(|c| c == e)))
                .collect(),
            url,
            secret,
        },
    ))
}

async fn list_page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    render_list(
        &state,
        lang,
        &csrf,
        &auth,
        StatusCode::OK,
        String::new(),
        Vec::new(),
        None,
        &[],
    )
    .await
}

async fn create(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let url = fields
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let events: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    match svc::create(&state, &auth, &url, &events).await {
        Ok((_, secret)) => {
            render_list(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::CREATED,
                String::new(),
                Vec::new(),
                Some(secret),
                &[],
            )
            .await
        }
        Err(AppError::Validation(errs)) => {
            render_list(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                url,
                events,
                None,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_webhook.html")]
struct ShowPage {
    p: Page,
    hook: Webhook,
    deliveries: Vec<WebhookDelivery>,
}

async fn render_show(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: embarq_domain::Id,
    notice: Option<String>,
) -> AppResult<Response> {
    let hook = svc::get(state, auth, id).await?;
    let deliveries = svc::deliveries(state, auth, id).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "webhooks-title").await;
    p.notice = notice;
    Ok(render_status(
        StatusCode::OK,
        &ShowPage {
            p,
            hook,
            deliveries,
        },
    ))
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    render_show(&state, lang, &csrf, &auth, id, None).await
}

async fn ping(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    svc::ping(&state, &auth, id).await?;
    let notice = i18n::tr(lang, "webhooks-queued");
    render_show(&state, lang, &csrf, &auth, id, Some(notice)).await
}

async fn delete(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    svc::delete(&state, &auth, id).await?;
    Ok(see_other("/admin/webhooks"))
}

async fn redeliver(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathIds(id, delivery): PathIds,
) -> AppResult<Response> {
    svc::redeliver(&state, &auth, delivery).await?;
    let notice = i18n::tr(lang, "webhooks-queued");
    render_show(&state, lang, &csrf, &auth, id, Some(notice)).await
}

async fn pause(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    svc::set_active(&state, &auth, id, false).await?;
    let notice = i18n::tr(lang, "webhooks-paused-notice");
    render_show(&state, lang, &csrf, &auth, id, Some(notice)).await
}

async fn resume(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    svc::set_active(&state, &auth, id, true).await?;
    let notice = i18n::tr(lang, "webhooks-resumed-notice");
    render_show(&state, lang, &csrf, &auth, id, Some(notice)).await
}

#[derive(Template)]
#[template(path = "admin_webhook_delivery.html")]
struct DeliveryPage {
    p: Page,
    hook: Webhook,
    d: WebhookDelivery,
    attempts: Vec<WebhookAttempt>,
}

async fn delivery(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathIds(id, delivery): PathIds,
) -> AppResult<Response> {
    let hook = svc::get(&state, &auth, id).await?;
    let (d, attempts) = svc::delivery(&state, &auth, id, delivery).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "webhooks-delivery-title").await;
    Ok(render_status(
        StatusCode::OK,
        &DeliveryPage {
            p,
            hook,
            d,
            attempts,
        },
    ))
}
