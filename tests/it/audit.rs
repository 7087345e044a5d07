//! The audit log of administrative actions: roles, invitations, deactivation, imports,
//! rollout, champions, API tokens and settings each leave an entry with the right actor and
//! target; the log is searchable and only managers read it (UI and API).
use embarq_domain::Id;
use embarq_domain::UserId;
use embarq_testkit::{Browser, TestApp, api, last_id, spawn_app};
use reqwest::Method;
use serde_json::Value;

const TZ: &str = "Europe/Paris";

/// The newest entry of `action`, through the API, as the manager `b`.
async fn entry(b: &Browser, action: &str) -> Value {
    let (s, page) = api(
        b,
        Method::GET,
        &format!("/api/v1/audit?action={action}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    page["entries"][0].clone()
}

fn check(e: &Value, action: &str, actor: UserId, target: Option<Id>) {
    assert_eq!(e["action"], action, "{e}");
    assert_eq!(e["actor_id"], actor.to_string(), "{e}");
    if let Some(t) = target {
        assert_eq!(e["target_id"], t.to_string(), "{e}");
    }
}

fn future_date(days: i64) -> String {
    let now = chrono::Utc::now().timestamp_millis();
    let (d, _) = embarq_domain::rollout::utc_to_local(TZ, now + days * 24 * 3600 * 1000);
    d.to_string()
}

async fn upload(b: &Browser, csv: &str) -> u16 {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("hr-export.csv"),
        )
        .text("mode", "apply");
    b.client
        .post(b.url(&format!("/admin/import?_csrf={}", b.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn setup() -> (
    TestApp,
    Browser,
    embarq_domain::OrgId,
    UserId,
    UserId,
    Browser,
) {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    (app, mgr, org, alice, bob_id, bob)
}

#[tokio::test]
async fn administrative_actions_are_audited() {
    let (app, mgr, org, alice, bob_id, _) = setup().await;

    // Organization roles.
    let r = mgr
        .post_form(
            &format!("/admin/members/{bob_id}/role"),
            &[("role", "manager")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let e = entry(&mgr, "org.role").await;
    check(&e, "org.role", alice, Some(bob_id.into()));
    assert_eq!(e["details"]["from"], "member");
    assert_eq!(e["details"]["to"], "manager");
    mgr.post_redirect(
        &format!("/admin/members/{bob_id}/role"),
        &[("role", "member")],
    )
    .await;

    // Invitation, deactivation, reactivation.
    mgr.post_form("/admin/invite", &[("email", "dee@acme.test")])
        .await;
    let dee = app.user("dee@acme.test").await.id;
    check(
        &entry(&mgr, "member.invite").await,
        "member.invite",
        alice,
        Some(dee.into()),
    );
    mgr.post_redirect(&format!("/admin/members/{bob_id}/deactivate"), &[])
        .await;
    check(
        &entry(&mgr, "member.deactivate").await,
        "member.deactivate",
        alice,
        Some(bob_id.into()),
    );
    mgr.post_redirect(&format!("/admin/members/{bob_id}/reactivate"), &[])
        .await;
    check(
        &entry(&mgr, "member.reactivate").await,
        "member.reactivate",
        alice,
        Some(bob_id.into()),
    );

    // Sphere roles.
    let bob = app.login("bob@acme.test").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    let sphere_id = last_id(&sphere);
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    mgr.post_redirect(
        &format!("{sphere}/members/{bob_id}/role"),
        &[("role", "publisher")],
    )
    .await;
    let e = entry(&mgr, "sphere.role").await;
    check(&e, "sphere.role", alice, Some(bob_id.into()));
    assert_eq!(e["sphere_id"], sphere_id.to_string());
    assert_eq!(e["details"]["to"], "publisher");

    // Rollout plan and waves.
    let date = future_date(30);
    let r = mgr
        .post_form(
            "/admin/rollout/plan",
            &[
                ("launch_date", date.as_str()),
                ("launch_time", "09:00"),
                ("time_zone", TZ),
                ("early_access_days", "7"),
                ("announcement_title", "Bienvenue"),
                ("announcement_body", "Le réseau est ouvert."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let e = entry(&mgr, "rollout.plan").await;
    check(&e, "rollout.plan", alice, None);
    assert_eq!(e["details"]["early_access_days"], 7);
    let on = future_date(40);
    let r = mgr
        .post_form(
            "/admin/rollout/waves",
            &[
                ("dimension", "site"),
                ("value", "Lyon"),
                ("opens_on", &on),
                ("name", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let wave = app.db.rollout_waves(org).await.unwrap()[0].id;
    let e = entry(&mgr, "rollout.wave_add").await;
    check(&e, "rollout.wave_add", alice, Some(wave));
    assert_eq!(e["details"]["value"], "Lyon");
    mgr.post_redirect(&format!("/admin/rollout/waves/{wave}/delete"), &[])
        .await;
    check(
        &entry(&mgr, "rollout.wave_delete").await,
        "rollout.wave_delete",
        alice,
        Some(wave),
    );

    // Champions: confirmation and a role in a sphere.
    let r = mgr
        .post_form(
            "/admin/champions/confirm",
            &[("share", "50"), ("user_id", &bob_id.to_string())],
        )
        .await;
    assert_eq!(r.status(), 200);
    let e = entry(&mgr, "champions.confirm").await;
    check(&e, "champions.confirm", alice, None);
    assert_eq!(e["details"]["users"][0], bob_id.to_string());
    let sales = last_id(&mgr.create_sphere("Ventes", "open").await);
    let r = mgr
        .post_form(
            &format!("/admin/champions/{bob_id}/role"),
            &[("sphere_id", &sales.to_string()), ("role", "publisher")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let e = entry(&mgr, "champions.grant_role").await;
    check(&e, "champions.grant_role", alice, Some(bob_id.into()));
    assert_eq!(e["sphere_id"], sales.to_string());

    // API tokens, created and revoked (by the person themselves).
    let r = bob
        .post_form("/settings/tokens", &[("name", "script")])
        .await;
    assert_eq!(r.status(), 200);
    let token = app.db.api_tokens_of(bob_id).await.unwrap()[0].id;
    check(
        &entry(&mgr, "token.create").await,
        "token.create",
        bob_id,
        Some(token),
    );
    bob.post_redirect(&format!("/settings/tokens/{token}/delete"), &[])
        .await;
    check(
        &entry(&mgr, "token.revoke").await,
        "token.revoke",
        bob_id,
        Some(token),
    );

    // Organization settings: the video provider.
    let r = mgr
        .post_form(
            "/admin/video",
            &[
                ("provider", "external"),
                ("url_template", "https://meet.example.com/{room}"),
            ],
        )
        .await;
    assert!(
        r.status().is_redirection() || r.status() == 200,
        "{}",
        r.status()
    );
    let e = entry(&mgr, "settings.video").await;
    check(&e, "settings.video", alice, Some(org.0));
    assert_eq!(e["details"]["provider"], "external");

    // The page shows translated labels, in both languages.
    let (s, html) = mgr.get_text("/admin/audit").await;
    assert_eq!(s, 200);
    assert!(html.contains("Rollout wave added") || html.contains("Vague de déploiement ajoutée"));
    let fr = mgr.get_in("/admin/audit", "fr").await;
    assert!(
        fr.contains("Jeton d&#39;API révoqué") || fr.contains("Jeton d'API révoqué"),
        "{fr}"
    );
    // Details read as sentences with names: no JSON, no identifiers.
    let bob_id = app.user("bob@acme.test").await.id;
    assert!(
        fr.contains(&format!(r#"<a href="/people/{bob_id}">"#)),
        "the person by name"
    );
    assert!(
        fr.contains(r#"<span class="muted">Fournisseur :</span> external"#),
        "{fr}"
    );
    let table = &fr[fr.find("<table").unwrap()..fr.find("</table>").unwrap()];
    assert!(
        !table.contains("{&quot;") && !table.contains(r#"{""#),
        "no raw JSON: {table}"
    );
}

#[tokio::test]
async fn imports_are_audited_and_searchable_members_cannot_read() {
    let (app, mgr, org, alice, _bob_id, bob) = setup().await;
    let csv = "email,first_name,last_name\ncarol@acme.test,Carol,C\ndan@acme.test,Dan,D\n";
    assert_eq!(upload(&mgr, csv).await, 200);
    let e = entry(&mgr, "directory.import").await;
    check(&e, "directory.import", alice, None);
    assert_eq!(e["details"]["created"], 2);
    assert_eq!(e["details"]["via"], "ui");
    assert_eq!(e["details"]["file"], "hr-export.csv");

    // Through the API too; a dry run records nothing.
    let before = app.db.audit_actions(org, None).await.unwrap();
    assert!(before.contains(&"directory.import".to_string()));
    let r = mgr
        .client
        .post(mgr.url("/api/v1/members/import?dry_run=true"))
        .header("x-csrf-token", &mgr.csrf)
        .header("content-type", "text/csv")
        .body("email\nerin@acme.test\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, page) = api(
        &mgr,
        Method::GET,
        "/api/v1/audit?action=directory.import",
        None,
    )
    .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);

    // The `embarq import` command acts as the first manager and says so.
    let opts = embarq_web::service::members::ImportOptions {
        dry_run: false,
        deactivate_missing: false,
        send_invitations: false,
        via: "cli",
        file_name: Some("nightly.csv".into()),
    };
    embarq_web::service::members::import_cli(&app.state, None, b"email\nfay@acme.test\n", &opts)
        .await
        .unwrap();
    let e = entry(&mgr, "directory.import").await;
    check(&e, "directory.import", alice, None);
    assert_eq!(e["details"]["via"], "cli");
    assert_eq!(e["details"]["file"], "nightly.csv");
    assert_eq!(e["details"]["created"], 1);

    // Free-text search finds the import by its file name, case-insensitively, and a
    // search for nothing matching finds nothing; wildcards are taken literally.
    let (s, page) = api(&mgr, Method::GET, "/api/v1/audit?q=HR-EXPORT", None).await;
    assert_eq!(s, 200);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["action"], "directory.import");
    let (_, page) = api(&mgr, Method::GET, "/api/v1/audit?q=%25", None).await;
    assert!(page["entries"].as_array().unwrap().is_empty(), "{page}");
    let (s, html) = mgr.get_text("/admin/audit?q=hr-export").await;
    assert_eq!(s, 200);
    assert!(html.contains("hr-export.csv"));
    assert!(html.contains("Directory imported") || html.contains("Annuaire importé"));
    let (s, html) = mgr.get_text("/admin/audit?q=nothing-like-this").await;
    assert_eq!(s, 200);
    assert!(!html.contains("hr-export.csv"));
    let long = "x".repeat(201);
    let (s, _) = api(&mgr, Method::GET, &format!("/api/v1/audit?q={long}"), None).await;
    assert_eq!(s, 422);
    let (s, _) = mgr.get_text(&format!("/admin/audit?q={long}")).await;
    assert_eq!(s, 422);

    // A plain member reads neither the page nor the API.
    assert_eq!(bob.get("/admin/audit?q=import").await.status(), 403);
    let (s, _) = api(&bob, Method::GET, "/api/v1/audit?q=import", None).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn an_administrative_action_is_kept_with_its_audit_entry_or_not_at_all() {
    let (app, mgr, _org, _alice, bob_id, _) = setup().await;
    // The audit log cannot be written, as on a real fault.
    app.refuse_inserts("audit_log", None).await;
    let r = mgr
        .post_form(
            &format!("/admin/members/{bob_id}/role"),
            &[("role", "manager")],
        )
        .await;
    assert!(!r.status().is_success() && !r.status().is_redirection());
    app.allow_inserts("audit_log").await;
    // Before: the role was changed first and its entry written after, so Bob became a
    // manager with nothing in the log.
    assert_eq!(
        app.user("bob@acme.test").await.org_role,
        embarq_domain::OrgRole::Member
    );

    let r = mgr
        .post_form(
            &format!("/admin/members/{bob_id}/role"),
            &[("role", "manager")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.user("bob@acme.test").await.org_role,
        embarq_domain::OrgRole::Manager
    );
    let (s, log) = api(&mgr, Method::GET, "/api/v1/audit?action=org.role", None).await;
    assert_eq!(s, 200);
    assert_eq!(log["entries"].as_array().map(Vec::len), Some(1), "{log}");
}
