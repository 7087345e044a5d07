use embarq_testkit::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_readiness_metrics_and_static_assets() {
    let app = spawn_app_with(|c| c.metrics_token = Some("metrics-token".into())).await;
    let c = reqwest::Client::new();
    assert_eq!(
        c.get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ready"
    );
    let _ = c.get(format!("{}/login", app.base)).send().await.unwrap();
    let m = c
        .get(format!("{}/metrics", app.base))
        .bearer_auth("metrics-token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("embarq_http_requests_total"), "{m}");
    assert!(m.contains("route=\"/login\""));
    let js = c
        .get(format!("{}/static/htmx.min.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("htmx"));
}

#[tokio::test]
async fn huge_bodies_are_refused() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let body = vec![b'a'; 40 * 1024 * 1024];
    let r = mgr
        .client
        .post(mgr.url("/posts"))
        .header("x-csrf-token", &mgr.csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await;
    match r {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
}

/// The real binary: serves, logs JSON when asked, and exits cleanly on SIGTERM.
#[tokio::test]
async fn the_binary_serves_and_stops_gracefully_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("embarq-bin-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_embarq"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("EMBARQ_DATA_DIR", &dir)
        .env("EMBARQ_LOG_FORMAT", "json")
        .env_remove("EMBARQ_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if reqwest::get(format!("{url}/readyz"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not start");
    assert!(
        dir.join("embarq.db").exists(),
        "SQLite under the data directory by default"
    );
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        "/setup",
        "an empty database starts with the setup form"
    );
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || {
        let status = child.wait().unwrap();
        let mut out = String::new();
        std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
        (status, out)
    });
    let (status, out) = tokio::time::timeout(std::time::Duration::from_secs(10), status)
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit after SIGTERM: {status:?}");
    let first = out.lines().next().unwrap_or_default();
    assert!(
        serde_json::from_str::<serde_json::Value>(first).is_ok(),
        "JSON logs: {first}"
    );
    assert!(out.contains("shutting down"));
    let _ = std::fs::remove_dir_all(&dir);
}
