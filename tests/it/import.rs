use embarq_testkit::{Browser, api, spawn_app};

async fn upload(b: &Browser, csv: &str, mode: &str, deactivate: bool) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("members.csv"),
        )
        .text("mode", mode.to_string());
    if deactivate {
        form = form.text("deactivate_missing", "true");
    }
    let r = b
        .client
        .post(b.url(&format!("/admin/import?_csrf={}", b.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

fn count(html: &str, id: &str) -> usize {
    let re = regex::Regex::new(&format!(r#"id="{id}">(\d+)<"#)).unwrap();
    re.captures(html)
        .unwrap_or_else(|| panic!("no {id} in {html}"))[1]
        .parse()
        .unwrap()
}

const CSV: &str = "\u{feff}email;first_name;last_name;department;site;birth_year;level;manager_email;title\n\
    Marie.Durand@acme.test;Marie;Durand;Finance;Lyon;1985;Cadre;paul.martin@acme.test;Contrôleuse\n\
    not-an-email;X;Y;Finance;Lyon;1985;Cadre;;\n\
    jean@acme.test;Jean;Petit;Production;Lille;19x0;Ouvrier;;\n\
    paul.martin@acme.test;Paul;Martin;Finance;Lyon;1970;Direction;;DAF\n";

#[tokio::test]
async fn dry_run_reports_lines_and_writes_nothing_then_import_upserts() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (status, html) = upload(&mgr, CSV, "dry_run", false).await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "n-create"), 2);
    assert_eq!(count(&html, "n-errors"), 2);
    assert!(
        html.contains("<td>3</td>") && html.contains("<td>4</td>"),
        "bad rows are reported with their line numbers"
    );
    assert!(
        app.db
            .user_by_email("marie.durand@acme.test")
            .await
            .unwrap()
            .is_none(),
        "a dry run writes nothing"
    );
    assert_eq!(app.db.count_members(org).await.unwrap(), 1);

    let (_, html) = upload(&mgr, CSV, "apply", false).await;
    assert_eq!(count(&html, "n-create"), 2);
    let marie = app.user("marie.durand@acme.test").await;
    let paul = app.user("paul.martin@acme.test").await;
    assert_eq!(
        marie.manager_id,
        Some(paul.id),
        "a manager listed later in the file is linked"
    );
    assert_eq!(marie.department.as_deref(), Some("Finance"));
    assert_eq!(marie.status, embarq_domain::UserStatus::Invited);

    // Idempotent: the same file again changes nothing.
    let (_, html) = upload(&mgr, CSV, "apply", false).await;
    assert_eq!(count(&html, "n-create"), 0);
    assert_eq!(count(&html, "n-update"), 0);
    assert_eq!(count(&html, "n-unchanged"), 2);

    // A new version: Marie moves to Paris, Paul is gone and gets deactivated.
    let v2 = "email,first_name,last_name,department,site,birth_year\nmarie.durand@acme.test,Marie,Durand,Finance,Paris,1985\n";
    let (_, html) = upload(&mgr, v2, "apply", true).await;
    assert_eq!(count(&html, "n-update"), 1);
    assert_eq!(count(&html, "n-deactivate"), 1);
    assert_eq!(
        app.user("paul.martin@acme.test").await.status,
        embarq_domain::UserStatus::Deactivated
    );
    assert_eq!(
        app.user("alice@acme.test").await.status,
        embarq_domain::UserStatus::Active,
        "the manager is never deactivated"
    );
    assert_eq!(
        app.user("marie.durand@acme.test").await.site.as_deref(),
        Some("Paris")
    );
}

#[tokio::test]
async fn unusable_files_are_explained() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let (status, html) = upload(&mgr, "name;site\nx;y\n", "apply", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("email"), "{html}");
    let (_, html) = upload(&mgr, "", "apply", false).await;
    assert!(html.contains("empty") || html.contains("vide"));
    // Members cannot import.
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (status, _) = upload(&bob, CSV, "apply", false).await;
    assert_eq!(status, 403);
    assert!(
        app.db
            .user_by_email("paul.martin@acme.test")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn addresses_of_another_organization_are_refused_by_row() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    app.other_org("Globex", "eve@globex.test").await;
    let (_, html) = upload(
        &mgr,
        "email,first_name\nnew@acme.test,New\nEVE@globex.test,Eve\n",
        "apply",
        false,
    )
    .await;
    assert_eq!(count(&html, "n-create"), 1);
    assert_eq!(count(&html, "n-errors"), 1);
    assert!(html.contains("<td>3</td>"));
    let eve = app.user("eve@globex.test").await;
    assert_eq!(
        eve.display_name, "Globex",
        "the other organization's account is untouched"
    );
    assert_ne!(
        eve.org_id,
        app.org_id("alice@acme.test").await,
        "Eve stays in her organization"
    );
}

/// `embarq import` from the command line: dry run, then the real import, on a SQLite file.
#[tokio::test]
async fn command_line_import() {
    let dir = std::env::temp_dir().join(format!("embarq-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("cli.db").display());
    let db = embarq_store::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_embarq"))
            .args(args)
            .env("EMBARQ_DATABASE_URL", &url)
            .env("EMBARQ_DATA_DIR", &dir)
            .env("EMBARQ_LOG", "error")
            .output()
            .unwrap()
    };
    let csv = dir.join("members.csv");
    std::fs::write(&csv, CSV).unwrap();
    let out = run(&["import", csv.to_str().unwrap(), "--dry-run"]);
    assert!(
        !out.status.success(),
        "no organization yet: a clear refusal"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("setup"));
    db.create_organization(
        "Acme",
        embarq_store::NewMember {
            org_id: embarq_domain::OrgId(embarq_domain::Id::nil()),
            email: "alice@acme.test".into(),
            display_name: "Alice".into(),
            password_hash: None,
            org_role: embarq_domain::OrgRole::Manager,
            status: embarq_domain::UserStatus::Active,
        },
    )
    .await
    .unwrap();
    let out = run(&["import", csv.to_str().unwrap(), "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("2 members would be created"), "{text}");
    assert!(
        text.contains("line 3:") && text.contains("line 4:"),
        "{text}"
    );
    assert!(text.contains("nothing was written"));
    assert!(
        db.user_by_email("paul.martin@acme.test")
            .await
            .unwrap()
            .is_none()
    );
    let out = run(&["import", csv.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 members were created"));
    assert!(
        db.user_by_email("paul.martin@acme.test")
            .await
            .unwrap()
            .is_some()
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Status of `GET /api/v1/me` with a personal access token.
async fn me_with_token(app: &embarq_testkit::TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_member_the_file_deactivates_comes_back_without_old_credentials() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, t) = api(
        &bob,
        reqwest::Method::POST,
        "/api/v1/tokens",
        Some(serde_json::json!({"name": "script"})),
    )
    .await;
    assert_eq!(s, 201, "{t}");
    let token = t["token"].as_str().unwrap().to_string();
    assert_eq!(me_with_token(&app, &token).await, 200);

    // The HR file no longer lists Bob: deactivated, every credential ended.
    let alice_only = "email,first_name,last_name\nalice@acme.test,Alice,Manager\n";
    let (s, _) = upload(&mgr, alice_only, "apply", true).await;
    assert_eq!(s, 200);
    assert_eq!(
        app.user("bob@acme.test").await.status,
        embarq_domain::UserStatus::Deactivated
    );
    assert_eq!(me_with_token(&app, &token).await, 401);

    // Listed again: Bob is back (he has a password, so active), but what he held before
    // stays ended: neither his API token nor his browser session let him in.
    let both =
        "email,first_name,last_name\nalice@acme.test,Alice,Manager\nbob@acme.test,Bob,Martin\n";
    let (s, _) = upload(&mgr, both, "apply", true).await;
    assert_eq!(s, 200);
    assert_eq!(
        app.user("bob@acme.test").await.status,
        embarq_domain::UserStatus::Active
    );
    assert_eq!(me_with_token(&app, &token).await, 401);
    let (s, _) = api(&bob, reqwest::Method::GET, "/api/v1/me", None).await;
    assert_eq!(s, 401, "the old session is gone too");
    // A fresh sign-in works.
    let again = app.login("bob@acme.test").await;
    assert_eq!(
        api(&again, reqwest::Method::GET, "/api/v1/me", None)
            .await
            .0,
        200
    );
}
