use embarq_testkit::spawn_app;

#[tokio::test]
async fn health_readiness_metrics_and_static_assets() {
    let app = spawn_app().await;
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
