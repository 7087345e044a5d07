//! Hardening (issue 10): no input crashes or stalls the server, no redirect escapes the
//! site, security headers everywhere, no destructive action escapes its owner, credentials
//! end with the account, spreadsheets never run exported text, metrics stay private.
use crate::scim::{scim, token};
use embarq_testkit::{Browser, PASSWORD, TestApp, api, last_id, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

async fn login_location(app: &TestApp, next: &str) -> String {
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    let r = b
        .post_form(
            "/login",
            &[
                ("email", "alice@acme.test"),
                ("password", PASSWORD),
                ("next", next),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "next={next:?}");
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn redirects_after_sign_in_stay_on_the_site() {
    let app = spawn_app().await;
    let _ = app.setup("alice@acme.test").await;
    // Browsers drop tabs and newlines and read `\` as `/`: each of these would leave.
    for evil in [
        "/\t/evil.example/",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "/..//evil.example",
        "/.//evil.example",
        "javascript:alert(1)",
        " /x",
    ] {
        assert_eq!(login_location(&app, evil).await, "/", "next={evil:?}");
    }
    assert_eq!(
        login_location(&app, "/spheres?tab=mine#top").await,
        "/spheres?tab=mine#top"
    );
    assert_eq!(
        login_location(&app, "/search?q=caf%C3%A9 au lait").await,
        "/search?q=caf%C3%A9%20au%20lait"
    );
    // Already signed in: the same rule on GET /login.
    let b = app.login("alice@acme.test").await;
    let r = b.get("/login?next=/%09/evil.example/").await;
    assert_eq!(r.headers()["location"], "/");
}

/// Static files go out gzipped to browsers that accept it; pages and API answers never do,
/// since they carry CSRF tokens beside text the visitor typed (BREACH).
#[tokio::test]
async fn static_files_are_compressed_pages_are_not() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/static/htmx.min.js", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let zipped = r.bytes().await.unwrap();
    assert!(zipped.len() < 20_000, "{} bytes", zipped.len());
    let plain = client
        .get(format!("{}/static/htmx.min.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.bytes().await.unwrap().len() > 50_000);
    for path in ["/", "/search?q=secret", "/api/v1/me"] {
        let r = mgr.get_with(path, &[("accept-encoding", "gzip")]).await;
        assert!(r.headers().get("content-encoding").is_none(), "{path}");
    }
}

#[tokio::test]
async fn security_headers_on_every_page() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    for path in ["/", "/login", "/spheres", "/api/v1/me", "/static/app.js"] {
        let r = mgr.get(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over http"
        );
    }
    // No page carries inline script the policy would block.
    let inline_handler = regex::Regex::new(r#"\son[a-z]+="|hx-on"#).unwrap();
    for path in ["/", "/spheres", "/agenda", "/settings"] {
        let (_, html) = mgr.get_text(path).await;
        assert!(!html.contains("<script>"), "{path}");
        assert!(
            !inline_handler.is_match(&html),
            "{path} has an inline handler"
        );
    }
    let https = spawn_app_with(|c| c.base_url = "https://embarq.example".into()).await;
    let r = https.browser().get("/login").await;
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

#[tokio::test]
async fn scim_filters_are_bounded_in_depth_and_size() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let t = token(&mgr, "idp").await;
    let deep = format!("{}userName eq \"x\"{}", "(".repeat(1500), ")".repeat(1500));
    let nots = format!("{}userName eq \"x\"{}", "not(".repeat(500), ")".repeat(500));
    let wide = vec!["userName eq \"x\""; 200].join(" or ");
    for (what, filter) in [("parentheses", &deep), ("not", &nots), ("terms", &wide)] {
        for path in ["/Users", "/Groups"] {
            let q = format!("{path}?filter={}", urlencoding::encode(filter));
            let (s, v) = scim(&app, Some(&t), Method::GET, &q, None).await;
            assert_eq!(s, 400, "{what} on {path}: {v}");
            assert_eq!(v["scimType"], "invalidFilter", "{what}");
        }
        let (s, v) = scim(
            &app,
            Some(&t),
            Method::POST,
            "/.search",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": filter
            })),
        )
        .await;
        assert_eq!((s, v["scimType"].as_str()), (400, Some("invalidFilter")));
    }
    // The server is still up and a reasonable filter works.
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::GET,
        "/Users?filter=userName%20eq%20%22alice%40acme.test%22",
        None,
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn markdown_beyond_the_bounds_is_refused_with_a_message() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Atelier", "open").await);
    let path = format!("/api/v1/spheres/{sphere}/posts");
    for body in [
        ">".repeat(19_999),
        format!("{}a", "- ".repeat(9_999)),
        format!("{}a", "1. ".repeat(6_000)),
    ] {
        let (s, v) = api(&mgr, Method::POST, &path, Some(json!({ "body": body }))).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["errors"][0]["field"], "body");
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("at most"), "{message}");
    }
    // The same text through the form: the page says why (in French, the default), and
    // nothing is published.
    let r = mgr
        .post_form(
            "/posts",
            &[
                ("sphere_id", sphere.to_string().as_str()),
                ("body", ">".repeat(19_999).as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("imbrique trop de citations"), "{page}");
    let (_, feed) = api(&mgr, Method::GET, &path, None).await;
    assert_eq!(feed["items"].as_array().map(Vec::len), Some(0), "{feed}");
    // Ordinary nesting still renders.
    let (s, v) = api(
        &mgr,
        Method::POST,
        &path,
        Some(json!({"body": "> quote\n> - item\n>   - sub"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert!(v["body_html"].as_str().unwrap().contains("<blockquote>"));
}

#[tokio::test]
async fn metrics_are_private_and_bounded() {
    let app = spawn_app().await;
    let anon = app.browser();
    assert_eq!(anon.get("/metrics").await.status(), 404, "off by default");
    let app = spawn_app_with(|c| c.metrics_token = Some("s3cret-metrics".into())).await;
    let client = reqwest::Client::new();
    let url = format!("{}{}", app.base, "/metrics");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        client
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Made-up methods do not create series.
    for i in 0..200 {
        let m = Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
        let _ = client
            .request(m, format!("{}{}", app.base, "/"))
            .send()
            .await
            .unwrap();
    }
    let text = client
        .get(&url)
        .bearer_auth("s3cret-metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(
        !text.contains("method=\"X1"),
        "one series per made-up method"
    );
    let series = text
        .lines()
        .filter(|l| l.starts_with("embarq_http_requests_total"))
        .count();
    assert!(series < 10, "{series} series:\n{text}");
    // The dedicated listener (EMBARQ_METRICS_BIND) serves them without a token.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = embarq_web::ops::metrics_router(app.state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let r = client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("embarq_http_requests"));
}

async fn task_list(b: &Browser, sphere: &str, name: &str) -> String {
    let (s, v) = api(
        b,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/task-lists"),
        Some(json!({ "name": name })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn task(b: &Browser, list: &str, title: &str) -> String {
    let (s, v) = api(
        b,
        Method::POST,
        &format!("/api/v1/task-lists/{list}/tasks"),
        Some(json!({ "title": title })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn deleting_a_task_list_takes_the_right_to_delete_its_tasks() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Atelier", "open").await).to_string();
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    for b in [&bob, &carol] {
        let (s, _) = api(
            b,
            Method::POST,
            &format!("/api/v1/spheres/{sphere}/join"),
            None,
        )
        .await;
        assert!(s == 200 || s == 204, "join: {s}");
    }
    let list = task_list(&bob, &sphere, "Bob's list").await;
    let carols = task(&carol, &list, "Carol's task").await;
    // Carol's task cannot be deleted by Bob, so neither can the list holding it.
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/tasks/{carols}"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/task-lists/{list}"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(&bob, Method::GET, &format!("/api/v1/tasks/{carols}"), None).await;
    assert_eq!(s, 200, "the task is still there");
    // A list of one's own tasks goes; the sphere's administrator deletes any list.
    let own = task_list(&bob, &sphere, "Mine").await;
    task(&bob, &own, "Mine too").await;
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/task-lists/{own}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/task-lists/{list}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = api(&bob, Method::GET, &format!("/api/v1/tasks/{carols}"), None).await;
    assert_eq!(s, 404);
}

/// Posts a directory file to the import API as `b`.
async fn bearer_status(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}{}", app.base, "/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn credentials(app: &TestApp, b: &Browser) -> (String, String) {
    let (s, v) = api(
        b,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "cli"})),
    )
    .await;
    assert_eq!(s, 201);
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(bearer_status(app, &token).await, 200);
    let (s, v) = api(b, Method::POST, "/api/v1/calendar-feed", None).await;
    assert_eq!(s, 201);
    let url = v["url"].as_str().unwrap();
    let feed = url[url.find("/calendar/").unwrap()..].to_string();
    assert_eq!(app.browser().get(&feed).await.status(), 200);
    (token, feed)
}

#[tokio::test]
async fn credentials_end_with_a_password_reset_and_a_deactivation() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;

    // A password reset ends sessions, API tokens and the calendar feed.
    let (token, feed) = credentials(&app, &bob).await;
    let mut anon = app.browser();
    anon.refresh_csrf("/forgot").await;
    anon.post_form("/forgot", &[("email", "bob@acme.test")])
        .await;
    let link = app.mail_links("bob@acme.test").await.pop().unwrap();
    let r = anon
        .post_form(
            link.trim_start_matches(&app.base),
            &[
                ("password", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(bearer_status(&app, &token).await, 401);
    assert_eq!(app.browser().get(&feed).await.status(), 404);
    assert_eq!(bob.get("/").await.status(), 303, "the session ended");

    // Deactivated by the directory import, then reactivated: nothing comes back.
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (token, feed) = credentials(&app, &carol).await;
    let csv = "email\nalice@acme.test\nbob@acme.test\n";
    let r = mgr
        .post_csv(
            "/api/v1/members/import?dry_run=false&deactivate_missing=true",
            csv,
        )
        .await;
    assert_eq!(r.status(), 200);
    let carol_id = app.user("carol@acme.test").await.id;
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/members/{carol_id}/reactivate"),
        None,
    )
    .await;
    assert!(s == 200 || s == 204, "reactivate: {s}");
    assert_eq!(bearer_status(&app, &token).await, 401);
    assert_eq!(app.browser().get(&feed).await.status(), 404);
}

#[tokio::test]
async fn exported_csv_cells_never_run_as_formulas() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let (s, v) = api(
        &bob,
        Method::PATCH,
        "/api/v1/me",
        Some(json!({ "department": evil })),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, csv) = mgr.get_text("/admin/analytics.csv?by=department").await;
    assert_eq!(s, 200);
    assert!(csv.contains("\"'=HYPERLINK("), "{csv}");
    assert!(
        !csv.lines()
            .any(|l| l.starts_with('=') || l.starts_with("\"=")),
        "{csv}"
    );
}

#[tokio::test]
async fn import_line_numbers_match_the_file_with_crlf_endings() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let mut csv = String::from("email;department\r\n");
    for i in 0..1000 {
        csv.push_str(&format!("p{i}@acme.test;Logistique\r\n"));
    }
    csv.push_str("not-an-address;Logistique\r\n");
    let r = mgr
        .post_csv("/api/v1/members/import?dry_run=true", csv)
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["line"], 1002, "{}", v["errors"]);
}

/// Sign-in as seen from `client_ip` through the trusted proxy 127.0.0.1.
async fn sign_in_from(b: &Browser, client_ip: &str, password: &str) -> u16 {
    b.client
        .post(b.url("/login"))
        .header("x-forwarded-for", client_ip)
        .form(&[
            ("email", "alice@acme.test"),
            ("password", password),
            ("_csrf", b.csrf.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn guessing_cannot_lock_out_the_owner() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.sign_in_first_delay_ms = 60_000;
    })
    .await;
    let _ = app.setup("alice@acme.test").await;
    let mut attacker = app.browser();
    attacker.refresh_csrf("/login").await;
    for _ in 0..5 {
        assert_eq!(
            sign_in_from(&attacker, "198.51.100.9", "wrong guess!").await,
            422
        );
    }
    // The guesser now waits, even with the right password...
    assert_eq!(
        sign_in_from(&attacker, "198.51.100.9", "still guessing").await,
        429
    );
    assert_eq!(sign_in_from(&attacker, "198.51.100.9", PASSWORD).await, 429);
    // ...but the owner, from their own address, signs in at once.
    let mut owner = app.browser();
    owner.refresh_csrf("/login").await;
    assert_eq!(sign_in_from(&owner, "203.0.113.20", PASSWORD).await, 303);
    // Guesses spread over many accounts from one address are throttled per address.
    let mut sprayer = app.browser();
    sprayer.refresh_csrf("/login").await;
    let mut statuses = Vec::new();
    for i in 0..60 {
        let s = sprayer
            .client
            .post(sprayer.url("/login"))
            .header("x-forwarded-for", "192.0.2.77")
            .form(&[
                ("email", format!("user{i}@acme.test").as_str()),
                ("password", "password1234"),
                ("_csrf", sprayer.csrf.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        statuses.push(s);
    }
    assert_eq!(embarq_testkit::count(&statuses, 422), 50);
    assert_eq!(embarq_testkit::count(&statuses, 429), 10);

    // Without a trusted proxy, X-Forwarded-For is ignored: the guesser cannot pose as
    // someone else to escape their own throttle.
    let app = spawn_app_with(|c| c.sign_in_first_delay_ms = 60_000).await;
    let _ = app.setup("alice@acme.test").await;
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    for i in 0..5 {
        let ip = format!("198.51.100.{i}");
        assert_eq!(sign_in_from(&b, &ip, "wrong guess!").await, 422);
    }
    assert_eq!(sign_in_from(&b, "198.51.100.99", PASSWORD).await, 429);
}
