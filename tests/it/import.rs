use embarq_testkit::{Browser, spawn_app};

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
    let marie = app
        .db
        .user_by_email("marie.durand@acme.test")
        .await
        .unwrap()
        .unwrap();
    let paul = app
        .db
        .user_by_email("paul.martin@acme.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        marie.manager_id,
        Some(paul.id),
        "a manager listed later in the file is linked"
    );
    assert_eq!(marie.department.as_deref(), Some("Finance"));
    assert_eq!(marie.status, "invited");

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
        app.db
            .user_by_email("paul.martin@acme.test")
            .await
            .unwrap()
            .unwrap()
            .status,
        "deactivated"
    );
    assert_eq!(
        app.db
            .user_by_email("alice@acme.test")
            .await
            .unwrap()
            .unwrap()
            .status,
        "active",
        "the manager is never deactivated"
    );
    assert_eq!(
        app.db
            .user_by_email("marie.durand@acme.test")
            .await
            .unwrap()
            .unwrap()
            .site
            .as_deref(),
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
