//! File box: streamed uploads and downloads with safe headers, folders, rename/move/delete
//! rights, the size limit and the organization quota (also under concurrency), files whose
//! content contradicts their name, image thumbnails, secret spheres, two servers sharing
//! the object store.
use embarq_testkit::{Browser, TestApp, api, last_id, spawn_app, spawn_app_with};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

/// Uploads through the API on `base` (another server when given).
async fn upload_to(
    b: &Browser,
    base: &str,
    sphere: &str,
    name: &str,
    bytes: Vec<u8>,
    lang: &str,
) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    let r = b
        .client
        .post(format!("{base}/api/v1/spheres/{sphere}/files"))
        .header("x-csrf-token", &b.csrf)
        .header("accept-language", lang)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn upload(b: &Browser, sphere: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    upload_to(b, &b.base, sphere, name, bytes, "en").await
}

/// Number of files under the object store's directory.
fn stored_objects(app: &TestApp) -> usize {
    fn walk(p: &std::path::Path) -> usize {
        match std::fs::read_dir(p) {
            Ok(rd) => rd
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { walk(&p) } else { 1 }
                })
                .sum(),
            Err(_) => 0,
        }
    }
    walk(&app.data_dir.join("files"))
}

fn png_bytes(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn upload_download_round_trip_with_safe_headers() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = last_id(&mgr.create_sphere("Marketing", "open").await).to_string();

    // Empty state first.
    let (s, page) = mgr.get_text(&format!("/spheres/{sphere}/files")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("No file shared") || page.contains("Aucun fichier"),
        "{page}"
    );
    assert!(
        page.contains("upload-progress"),
        "the upload form has a progress bar"
    );

    let content = "Compte rendu de la réunion\n".repeat(500).into_bytes();
    let (s, f) = upload(&mgr, &sphere, "Compte rendu été.txt", content.clone()).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["content_type"], "text/plain; charset=utf-8");
    assert_eq!(f["size_bytes"], content.len() as i64);
    let id = f["id"].as_str().unwrap().to_string();

    let r = mgr.get(&format!("/files/{id}")).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''Compte%20rendu%20%C3%A9t%C3%A9.txt"),
        "{cd}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), content);
    // The API's download answers the same bytes and headers.
    let r = mgr.get(&format!("/api/v1/files/{id}/content")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");

    // Listed with its size, date and uploader.
    let (_, page) = mgr.get_text(&format!("/spheres/{sphere}/files")).await;
    assert!(
        page.contains("Compte rendu été.txt")
            && page.contains("KiB")
            && page.contains("Alice Manager")
    );

    // Folders: create, upload into it through the UI form (multipart, CSRF in the query).
    let loc = mgr
        .post_redirect(
            &format!("/spheres/{sphere}/folders"),
            &[("name", "Contrats"), ("parent", "")],
        )
        .await;
    assert!(loc.contains("/files"), "{loc}");
    let (_, folders) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/folders"),
        None,
    )
    .await;
    let folder = folders[0]["id"].as_str().unwrap().to_string();
    let form = Form::new().part(
        "file",
        Part::bytes(b"%PDF-1.4\n%fake".to_vec()).file_name("contrat.pdf"),
    );
    let r = mgr
        .client
        .post(mgr.url(&format!(
            "/spheres/{sphere}/files?_csrf={}&folder={folder}",
            mgr.csrf
        )))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, in_folder) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/files?folder_id={folder}"),
        None,
    )
    .await;
    assert_eq!(in_folder.as_array().unwrap().len(), 1);
    assert_eq!(in_folder[0]["content_type"], "application/pdf");
    let (_, top) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/files"),
        None,
    )
    .await;
    assert_eq!(top.as_array().unwrap().len(), 1);
    // A non-empty folder cannot be deleted.
    let (s, p) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/spheres/{sphere}/folders/{folder}"),
        None,
    )
    .await;
    assert_eq!((s, p["code"].as_str()), (422, Some("folder_not_empty")));

    // Rename and move: the uploader or an administrator, not another member.
    bob.post_redirect(&format!("/spheres/{sphere}/join"), &[])
        .await;
    let (s, _) = api(
        &bob,
        Method::PATCH,
        &format!("/api/v1/files/{id}"),
        Some(json!({"name": "x.txt"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(&bob, Method::DELETE, &format!("/api/v1/files/{id}"), None).await;
    assert_eq!(s, 403);
    let (s, f2) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/files/{id}"),
        Some(json!({"name": "CR.txt", "folder_id": folder})),
    )
    .await;
    assert_eq!(s, 200, "{f2}");
    assert_eq!(
        (f2["name"].as_str(), f2["folder_id"].as_str()),
        (Some("CR.txt"), Some(folder.as_str()))
    );
    // A rename cannot make a text file claim to be an image.
    let (s, p) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/files/{id}"),
        Some(json!({"name": "CR.png"})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("file_disguised"))
    );
    let (s, p) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/files/{id}"),
        Some(json!({"name": "a/b"})),
    )
    .await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("invalid_file_name"))
    );
    // Bob's own upload is his to delete.
    let (s, mine) = upload(&bob, &sphere, "bob.txt", b"hello".to_vec()).await;
    assert_eq!(s, 201);
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/files/{}", mine["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, 204);

    // Delete gives the bytes back and removes them from the store.
    let before = stored_objects(&app);
    let used = app.db.org_used_bytes(org).await.unwrap();
    let r = mgr.post_form(&format!("/files/{id}/delete"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(mgr.get(&format!("/files/{id}")).await.status(), 404);
    assert_eq!(
        app.db.org_used_bytes(org).await.unwrap(),
        used - content.len() as i64
    );
    assert_eq!(stored_objects(&app), before - 1);

    // Larger than any other request body (32 MiB): streamed to the store, streamed back.
    let big: Vec<u8> = (0..40 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let (s, f) = upload(&mgr, &sphere, "video brute.bin", big.clone()).await;
    assert_eq!(s, 201, "{f}");
    let r = mgr
        .get(&format!("/files/{}", f["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        r.headers()["content-length"],
        big.len().to_string().as_str()
    );
    assert!(r.bytes().await.unwrap().to_vec() == big);

    // Bad input: not multipart, no file.
    let r = mgr
        .client
        .post(mgr.url(&format!("/api/v1/spheres/{sphere}/files")))
        .header("x-csrf-token", &mgr.csrf)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let (s, _) = upload(&mgr, &sphere, "", b"abc".to_vec()).await;
    assert_eq!(s, 422);
    let (s, p) = upload(&mgr, &sphere, "empty.txt", Vec::new()).await;
    assert_eq!(
        (s, p["errors"][0]["code"].as_str()),
        (422, Some("file_empty"))
    );
}

#[tokio::test]
async fn oversized_file_is_refused_and_nothing_is_stored() {
    let app = spawn_app_with(|c| c.files.max_file_bytes = 64 * 1024).await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Marketing", "open").await).to_string();

    let (s, p) = upload(&mgr, &sphere, "big.bin", vec![7u8; 200 * 1024]).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["errors"][0]["code"], "file_too_large");
    assert!(p["detail"].as_str().unwrap().contains("too large"), "{p}");
    // Just over the limit, streamed in chunks (no Content-Length shortcut).
    let stream =
        futures::stream::iter((0..9).map(|_| Ok::<_, std::io::Error>(vec![1u8; 8 * 1024])));
    let form = Form::new().part(
        "file",
        Part::stream(reqwest::Body::wrap_stream(stream)).file_name("chunks.bin"),
    );
    let r = mgr
        .client
        .post(mgr.url(&format!("/api/v1/spheres/{sphere}/files")))
        .header("x-csrf-token", &mgr.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The web form says so in French.
    let form = Form::new().part(
        "file",
        Part::bytes(vec![7u8; 100 * 1024]).file_name("big.bin"),
    );
    let r = mgr
        .client
        .post(mgr.url(&format!("/spheres/{sphere}/files?_csrf={}", mgr.csrf)))
        .header("accept-language", "fr")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("trop volumineux"));

    assert_eq!(stored_objects(&app), 0);
    assert_eq!(app.db.org_used_bytes(org).await.unwrap(), 0);
    let (_, list) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/files"),
        None,
    )
    .await;
    assert!(list.as_array().unwrap().is_empty());
    // At the limit is fine.
    let (s, _) = upload(&mgr, &sphere, "ok.bin", vec![7u8; 64 * 1024]).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn quota_holds_even_for_concurrent_uploads() {
    let app = spawn_app_with(|c| c.files.org_quota_bytes = 100 * 1024).await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Marketing", "open").await).to_string();

    let (s, _) = upload(&mgr, &sphere, "a.bin", vec![1u8; 60 * 1024]).await;
    assert_eq!(s, 201);
    let (s, p) = upload(&mgr, &sphere, "b.bin", vec![1u8; 60 * 1024]).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("quota_exceeded")),
        "{p}"
    );
    assert!(p["detail"].as_str().unwrap().contains("quota"));
    assert_eq!(app.db.org_used_bytes(org).await.unwrap(), 60 * 1024);
    assert_eq!(stored_objects(&app), 1);

    // Six uploads of 15 KiB at once into the 40 KiB left: exactly two fit.
    let uploads = (0..6).map(|i| upload(&mgr, &sphere, "c.bin", vec![i as u8; 15 * 1024]));
    let results = futures::future::join_all(uploads).await;
    let ok = results.iter().filter(|(s, _)| *s == 201).count();
    assert!(
        results.iter().all(|(s, _)| *s == 201 || *s == 422),
        "{results:?}"
    );
    assert_eq!(ok, 2, "{results:?}");
    assert_eq!(app.db.org_used_bytes(org).await.unwrap(), 90 * 1024);
    assert_eq!(stored_objects(&app), 3);
}

#[tokio::test]
async fn disguised_files_are_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Marketing", "open").await).to_string();

    let html = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
        .to_vec();
    let (s, p) = upload_to(&mgr, &mgr.base, &sphere, "cat.png", html.clone(), "en").await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "file");
    assert_eq!(p["errors"][0]["code"], "file_disguised");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("does not match its name"),
        "{p}"
    );
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>".to_vec();
    let (s, _) = upload(&mgr, &sphere, "logo.png", svg).await;
    assert_eq!(s, 422);
    // A PDF named .jpg, a text named .png.
    let (s, _) = upload(&mgr, &sphere, "photo.jpg", b"%PDF-1.4 x".to_vec()).await;
    assert_eq!(s, 422);
    let (s, _) = upload(&mgr, &sphere, "photo.png", b"just text".to_vec()).await;
    assert_eq!(s, 422);
    // The form answers in French.
    let form = Form::new().part("file", Part::bytes(html.clone()).file_name("chat.png"));
    let r = mgr
        .client
        .post(mgr.url(&format!("/spheres/{sphere}/files?_csrf={}", mgr.csrf)))
        .header("accept-language", "fr")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("ne correspond pas à son nom")
    );

    // An honest HTML file is kept but only ever served as opaque bytes.
    let (s, f) = upload(&mgr, &sphere, "page.html", html).await;
    assert_eq!(s, 201);
    assert_eq!(f["content_type"], "application/octet-stream");
    assert!(f["preview_url"].is_null());
    let r = mgr
        .get(&format!("/files/{}", f["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let id = f["id"].as_str().unwrap();
    assert_eq!(mgr.get(&format!("/files/{id}/preview")).await.status(), 404);
}

#[tokio::test]
async fn images_get_a_server_made_thumbnail() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Marketing", "open").await).to_string();

    let (s, f) = upload(&mgr, &sphere, "photo.png", png_bytes(800, 600)).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["content_type"], "image/png");
    let id = f["id"].as_str().unwrap();
    assert_eq!(f["preview_url"], format!("/api/v1/files/{id}/preview"));
    for path in [
        format!("/files/{id}/preview"),
        format!("/api/v1/files/{id}/preview"),
    ] {
        let r = mgr.get(&path).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let thumb = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 240));
    }
    let (_, page) = mgr.get_text(&format!("/spheres/{sphere}/files")).await;
    assert!(
        page.contains(&format!("src=\"/files/{id}/preview\"")),
        "{page}"
    );
    // A corrupt PNG (right magic bytes, no image) is stored without a preview.
    let mut broken = png_bytes(10, 10);
    broken.truncate(40);
    let (s, f) = upload(&mgr, &sphere, "broken.png", broken).await;
    assert_eq!(s, 201);
    assert!(f["preview_url"].is_null());
}

#[tokio::test]
async fn secret_sphere_files_do_not_exist_for_outsiders() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, eve) = app.member(org, "eve@acme.test", "Eve").await;
    let sphere = last_id(&mgr.create_sphere("Projet Licorne", "secret").await).to_string();
    let (s, f) = upload(&mgr, &sphere, "plan.png", png_bytes(40, 40)).await;
    assert_eq!(s, 201);
    let id = f["id"].as_str().unwrap().to_string();
    let (s, folder) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/folders"),
        Some(json!({"name": "RH"})),
    )
    .await;
    assert_eq!(s, 201);
    let folder = folder["id"].as_str().unwrap().to_string();

    for path in [
        format!("/files/{id}"),
        format!("/files/{id}/preview"),
        format!("/spheres/{sphere}/files"),
        format!("/api/v1/files/{id}"),
        format!("/api/v1/files/{id}/content"),
        format!("/api/v1/files/{id}/preview"),
        format!("/api/v1/spheres/{sphere}/files"),
        format!("/api/v1/spheres/{sphere}/folders"),
    ] {
        assert_eq!(eve.get(&path).await.status(), 404, "{path}");
        assert_eq!(mgr.get(&path).await.status(), 200, "{path}");
    }
    let (s, _) = upload(&eve, &sphere, "x.txt", b"x".to_vec()).await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &eve,
        Method::PATCH,
        &format!("/api/v1/files/{id}"),
        Some(json!({"name": "y"})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(&eve, Method::DELETE, &format!("/api/v1/files/{id}"), None).await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &eve,
        Method::DELETE,
        &format!("/api/v1/spheres/{sphere}/folders/{folder}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(
        eve.post_form(&format!("/files/{id}/delete"), &[])
            .await
            .status(),
        404
    );
    // Unknown and malformed ids look the same.
    assert_eq!(eve.get("/files/not-an-id").await.status(), 404);
    assert_eq!(
        mgr.get(&format!("/files/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn two_servers_share_the_object_store() {
    let app = spawn_app().await;
    let peer = app.spawn_peer().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Marketing", "open").await).to_string();

    let (s, f) = upload(&mgr, &sphere, "a.txt", b"from the first server".to_vec()).await;
    assert_eq!(s, 201);
    let r = mgr
        .client
        .get(format!("{}/files/{}", peer.base, f["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "from the first server");

    let (s, f) = upload_to(&mgr, &peer.base, &sphere, "b.png", png_bytes(64, 64), "en").await;
    assert_eq!(s, 201, "{f}");
    let id = f["id"].as_str().unwrap();
    assert_eq!(mgr.get(&format!("/files/{id}/preview")).await.status(), 200);
    assert_eq!(
        mgr.get(&format!("/files/{id}"))
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        png_bytes(64, 64)
    );
}
