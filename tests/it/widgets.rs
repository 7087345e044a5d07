//! Sphere widgets: the side panel ordered by administrators (forms and API), useful links,
//! sanitized notes, videos from allow-listed hosts or the file box, and secrecy.
use embarq_testkit::{Browser, api, last_id, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;

async fn create_sphere(b: &Browser, name: &str, kind: &str) -> String {
    b.post_redirect(
        "/spheres",
        &[("name", name), ("description", "desc"), ("kind", kind)],
    )
    .await
}

fn positions(page: &str, titles: &[&str]) -> Vec<usize> {
    titles
        .iter()
        .map(|t| {
            page.find(&format!("<h2>{t}</h2>"))
                .unwrap_or_else(|| panic!("{t} missing"))
        })
        .collect()
}

#[tokio::test]
async fn administrators_order_the_side_panel() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = last_id(&create_sphere(&mgr, "Marketing", "open").await).to_string();
    bob.post_redirect(&format!("/spheres/{sphere}/join"), &[])
        .await;

    let (s, page) = mgr.get_text(&format!("/spheres/{sphere}/widgets")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("No widget yet") || page.contains("Aucun widget"),
        "{page}"
    );

    let manage = format!("/spheres/{sphere}/widgets");
    mgr.post_redirect(
        &manage,
        &[
            ("kind", "links"),
            ("title", "Liens utiles"),
            (
                "links",
                "Intranet | https://intranet.example.com\nhttps://wiki.example.com/page",
            ),
        ],
    )
    .await;
    mgr.post_redirect(
        &manage,
        &[
            ("kind", "note"),
            ("title", "Bienvenue"),
            ("body", "**Hello** <script>alert(1)</script>"),
        ],
    )
    .await;
    mgr.post_redirect(
        &manage,
        &[
            ("kind", "video"),
            ("title", "Présentation"),
            ("video_url", "https://youtu.be/dQw4w9WgXcQ"),
        ],
    )
    .await;

    let (_, page) = bob.get_text(&format!("/spheres/{sphere}")).await;
    assert!(page.contains("<aside class=\"sphere-widgets\""));
    let p = positions(&page, &["Liens utiles", "Bienvenue", "Présentation"]);
    assert!(p[0] < p[1] && p[1] < p[2], "{p:?}");
    assert!(
        page.contains("href=\"https://intranet.example.com/\"")
            && page.contains(">wiki.example.com<")
    );
    assert!(page.contains("<strong>Hello</strong>") && !page.contains("<script>alert(1)"));
    assert!(page.contains("src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\""));
    assert!(
        !page.contains(&format!("href=\"/spheres/{sphere}/widgets\"")),
        "members do not manage"
    );

    // Move the video to the top with the keyboard-accessible buttons.
    let (_, list) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        None,
    )
    .await;
    let ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(list[0]["kind"], "links");
    assert!(!list[1]["body_html"].as_str().unwrap().contains("<script"));
    for _ in 0..2 {
        mgr.post_redirect(&format!("{manage}/{}/up", ids[2]), &[])
            .await;
    }
    mgr.post_redirect(&format!("{manage}/{}/up", ids[2]), &[])
        .await; // already first: no change
    let (_, page) = mgr.get_text(&format!("/spheres/{sphere}")).await;
    let p = positions(&page, &["Présentation", "Liens utiles", "Bienvenue"]);
    assert!(p[0] < p[1] && p[1] < p[2], "{p:?}");
    mgr.post_redirect(&format!("{manage}/{}/down", ids[0]), &[])
        .await;
    let (_, list) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        None,
    )
    .await;
    let order: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["title"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["Présentation", "Bienvenue", "Liens utiles"]);

    // The API sets the whole order; it must name every widget once.
    let (s, list) = api(
        &mgr,
        Method::PUT,
        &format!("/api/v1/spheres/{sphere}/widgets/order"),
        Some(json!({"ids": [ids[1], ids[0], ids[2]]})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(list[0]["title"], "Bienvenue");
    let (s, p) = api(
        &mgr,
        Method::PUT,
        &format!("/api/v1/spheres/{sphere}/widgets/order"),
        Some(json!({"ids": [ids[1], ids[0]]})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("order_mismatch"))
    );

    // Members cannot change the panel.
    assert_eq!(
        bob.post_form(&format!("{manage}/{}/up", ids[2]), &[])
            .await
            .status(),
        403
    );
    assert_eq!(bob.get(&manage).await.status(), 403);
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        Some(json!({"kind": "note", "title": "x", "body": "y"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/spheres/{sphere}/widgets/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(s, 403);

    // Edit and delete.
    let (s, w) = api(
        &mgr,
        Method::PUT,
        &format!("/api/v1/spheres/{sphere}/widgets/{}", ids[1]),
        Some(json!({"title": "Welcome", "body": "_hi_"})),
    )
    .await;
    assert_eq!(s, 200, "{w}");
    assert!(w["body_html"].as_str().unwrap().contains("<em>hi</em>"));
    let (s, _) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/spheres/{sphere}/widgets/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (_, list) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        None,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Bad input: plain http links, unknown kinds, empty titles.
    let r = mgr
        .post_form(
            &manage,
            &[
                ("kind", "links"),
                ("title", "L"),
                ("links", "http://insecure.example.com"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("https://"));
    let (s, p) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        Some(json!({"kind": "clock", "title": "x"})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("invalid_choice"))
    );
    let (s, p) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        Some(json!({"kind": "note", "title": " ", "body": ""})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn videos_come_from_allow_listed_hosts_or_the_file_box() {
    let app = spawn_app_with(|c| c.files.peertube_hosts = vec!["tube.example.org".into()]).await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = last_id(&create_sphere(&mgr, "Marketing", "open").await).to_string();
    let path = format!("/api/v1/spheres/{sphere}/widgets");

    for (url, embed) in [
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        (
            "https://vimeo.com/76979871",
            "https://player.vimeo.com/video/76979871",
        ),
        (
            "https://www.dailymotion.com/video/x7tgad0",
            "https://www.dailymotion.com/embed/video/x7tgad0",
        ),
        (
            "https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv",
            "https://tube.example.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv",
        ),
    ] {
        let (s, w) = api(
            &mgr,
            Method::POST,
            &path,
            Some(json!({"kind": "video", "title": "V", "video_url": url})),
        )
        .await;
        assert_eq!(s, 201, "{url}: {w}");
        assert_eq!(w["video_url"], embed);
    }
    let (s, p) = api(&mgr, Method::POST, &path,
        Some(json!({"kind": "video", "title": "V", "video_url": "https://videos.evil.example/watch/1"}))).await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("video_host_not_allowed"))
    );
    assert!(p["detail"].as_str().unwrap().contains("not allowed"));
    let r = mgr
        .client
        .post(mgr.url(&format!("/spheres/{sphere}/widgets")))
        .header("accept-language", "fr")
        .form(&[
            ("_csrf", mgr.csrf.as_str()),
            ("kind", "video"),
            ("title", "V"),
            ("video_url", "https://evil.example/v.mp4"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("pas autorisé"));
    let (s, p) = api(
        &mgr,
        Method::POST,
        &path,
        Some(json!({"kind": "video", "title": "V", "video_url": "javascript:alert(1)"})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("invalid_url"))
    );

    // An uploaded video of the sphere's file box.
    let mut mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    mp4.extend_from_slice(&[0u8; 2048]);
    let (s, f) = mgr.upload(&sphere, "clip.mp4", mp4).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["content_type"], "video/mp4");
    let fid = f["id"].as_str().unwrap();
    let (s, w) = api(
        &mgr,
        Method::POST,
        &path,
        Some(json!({"kind": "video", "title": "Clip", "video_file_id": fid})),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    let (_, page) = mgr.get_text(&format!("/spheres/{sphere}")).await;
    assert!(page.contains(&format!(
        "<video controls preload=\"metadata\" src=\"/files/{fid}\""
    )));
    // A file that is not a video is refused.
    let (_, txt) = mgr.upload(&sphere, "notes.txt", b"notes".to_vec()).await;
    let (s, p) = api(
        &mgr,
        Method::POST,
        &path,
        Some(json!({"kind": "video", "title": "V", "video_file_id": txt["id"]})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("not_a_video"))
    );
    // Once the video file is deleted the widget says so.
    let (s, _) = api(&mgr, Method::DELETE, &format!("/api/v1/files/{fid}"), None).await;
    assert_eq!(s, 204);
    let (_, page) = mgr.get_text(&format!("/spheres/{sphere}")).await;
    assert!(
        page.contains("This video was deleted") || page.contains("Cette vidéo a été supprimée")
    );
}

#[tokio::test]
async fn secret_sphere_widgets_do_not_leak() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, eve) = app.member(org, "eve@acme.test", "Eve").await;
    let sphere = last_id(&create_sphere(&mgr, "Projet Licorne", "secret").await).to_string();
    let (s, w) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/widgets"),
        Some(json!({"kind": "note", "title": "Code secret", "body": "42"})),
    )
    .await;
    assert_eq!(s, 201);
    let wid = w["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/spheres/{sphere}/widgets"),
        format!("/api/v1/spheres/{sphere}/widgets/{wid}"),
        format!("/spheres/{sphere}/widgets"),
    ] {
        assert_eq!(eve.get(&path).await.status(), 404, "{path}");
    }
    assert_eq!(
        eve.post_form(&format!("/spheres/{sphere}/widgets/{wid}/up"), &[])
            .await
            .status(),
        404
    );
    let (s, _) = api(
        &eve,
        Method::DELETE,
        &format!("/api/v1/spheres/{sphere}/widgets/{wid}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (_, page) = mgr.get_text(&format!("/spheres/{sphere}")).await;
    assert!(page.contains("Code secret"));
}
