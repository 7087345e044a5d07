//! People named by typing their name: the suggestions (who may be offered where), mentions
//! stored as the person and named by the server, conversations started without an address,
//! and tasks assigned through the same search.
use embarq_domain::SphereRole;
use embarq_testkit::{api, last_as, last_id, spawn_app};
use reqwest::Method;
use serde_json::Value;

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|p| p["display_name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn people_are_offered_by_name_and_mentions_store_the_person() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (claire_id, claire) = app.member(org, "claire@acme.test", "Claire Martin").await;
    let (clement_id, _) = app.member(org, "clement@acme.test", "Clément Roux").await;
    let (helene_id, helene) = app.member(org, "helene@acme.test", "Hélène Dupont").await;
    let open = alice.create_sphere("Atelier", "open").await;
    let secret = alice.create_sphere("Comité", "secret").await;
    let (open_id, secret_id) = (last_id(&open), last_id(&secret));
    app.db
        .add_sphere_member(last_as(&secret), helene_id, SphereRole::Member)
        .await
        .unwrap();

    // Anyone active, by word prefix and without accents; never oneself.
    let (s, v) = api(&alice, Method::GET, "/api/v1/people/suggest?q=cl", None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(names(&v), ["Claire Martin", "Clément Roux"]);
    let first = &v[0];
    assert!(first["mention"].as_str().unwrap().starts_with("[@"));
    assert_eq!(first["initials"].as_str().unwrap().chars().count(), 2);
    let (_, v) = api(&alice, Method::GET, "/api/v1/people/suggest?q=helene", None).await;
    assert_eq!(names(&v), ["Hélène Dupont"]);
    let (_, v) = api(
        &claire,
        Method::GET,
        "/api/v1/people/suggest?q=claire",
        None,
    )
    .await;
    assert_eq!(names(&v), Vec::<String>::new(), "not oneself");
    let (_, v) = api(&alice, Method::GET, "/api/v1/people/suggest?q=", None).await;
    assert_eq!(v, serde_json::json!([]));

    // In an open sphere, anyone may be mentioned; in a secret one, only its members; and
    // the secret sphere does not exist for those outside it.
    let (_, v) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/people/suggest?q=cl&sphere={open_id}"),
        None,
    )
    .await;
    assert_eq!(names(&v).len(), 2);
    let (_, v) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/people/suggest?q=cl&sphere={open_id}&members=true"),
        None,
    )
    .await;
    assert_eq!(
        names(&v),
        Vec::<String>::new(),
        "only members can be assigned"
    );
    let secret_q = format!("/api/v1/people/suggest?q=h&sphere={secret_id}");
    let (_, v) = api(&alice, Method::GET, &secret_q.replace("q=h", "q=cl"), None).await;
    assert_eq!(
        names(&v),
        Vec::<String>::new(),
        "readers of the secret sphere only"
    );
    let (_, v) = api(&alice, Method::GET, &secret_q.replace("q=h", "q=hel"), None).await;
    assert_eq!(names(&v), ["Hélène Dupont"]);
    let (s, _) = api(&claire, Method::GET, &secret_q, None).await;
    assert_eq!(s, 404, "a secret sphere is invisible here too");
    let (s, _) = api(
        &alice,
        Method::GET,
        "/api/v1/people/suggest?q=cl&sphere=nope",
        None,
    )
    .await;
    assert_eq!(s, 422);

    // What the composer inserts is stored as the person, named by the server: a wrong
    // name is corrected, an unknown person stays text, and the person is told.
    let ghost = uuid::Uuid::now_v7();
    let body = format!("Merci [@La Boss](/people/{claire_id}) et [@Fantôme](/people/{ghost}) !");
    let post = alice
        .post_redirect(
            "/posts",
            &[("sphere_id", &open_id.to_string()), ("body", &body)],
        )
        .await;
    let (_, page) = claire.get_text(&post).await;
    assert!(
        page.contains(&format!(
            r#"<a href="/people/{claire_id}" rel="noopener noreferrer nofollow">@Claire Martin</a>"#
        )),
        "{page}"
    );
    assert!(!page.contains("La Boss") && page.contains("@Fantôme"));
    assert!(!page.contains(&ghost.to_string()));
    assert_eq!(
        app.db.unread_count(claire_id).await.unwrap(),
        1,
        "Claire is told"
    );
    assert_eq!(app.db.unread_count(clement_id).await.unwrap(), 0);

    // In the secret sphere, a mention of someone who cannot read it tells nobody.
    let sid = secret_id.to_string();
    let secret_post = alice
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &sid),
                (
                    "body",
                    &format!("[@C](/people/{clement_id}) [@H](/people/{helene_id})"),
                ),
            ],
        )
        .await;
    assert_eq!(app.db.unread_count(clement_id).await.unwrap(), 0);
    assert_eq!(app.db.unread_count(helene_id).await.unwrap(), 1);
    // A comment mentions the same way.
    helene
        .post_redirect(
            &format!("{secret_post}/comments"),
            &[(
                "body",
                &format!(
                    "Vu, [@A](/people/{}) !",
                    app.user("alice@acme.test").await.id
                ),
            )],
        )
        .await;
    let (_, page) = alice.get_text(&secret_post).await;
    assert!(page.contains("@Alice") || page.contains("@alice"), "{page}");

    // The composers offer the suggestions.
    let (_, home) = alice.get_text("/").await;
    assert!(
        home.contains("data-mentions="),
        "the home composer suggests people"
    );
    let (_, sphere_page) = alice.get_text(&open).await;
    assert!(sphere_page.contains(&format!(r#"data-sphere="{open_id}""#)));
}

#[tokio::test]
async fn a_conversation_starts_with_people_chosen_by_name() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (claire_id, claire) = app.member(org, "claire@acme.test", "Claire Martin").await;
    let (_, page) = alice.get_text("/messages").await;
    assert!(page.contains(r#"data-picker="member""#), "{page}");
    let conv = alice
        .post_redirect("/messages/new", &[("member", &claire_id.to_string())])
        .await;
    assert!(conv.starts_with("/messages/"));
    alice
        .post_redirect(&conv, &[("body", "Bonjour Claire")])
        .await;
    assert!(claire.get_text(&conv).await.1.contains("Bonjour Claire"));
    // The same person again: the same conversation.
    let again = alice
        .post_redirect("/messages/new", &[("member", &claire_id.to_string())])
        .await;
    assert_eq!(again, conv);
    // Typed addresses still work without JavaScript; an unknown one says so, in the form.
    let by_address = alice
        .post_redirect("/messages/new", &[("emails", "claire@acme.test")])
        .await;
    assert_eq!(by_address, conv);
    let r = alice
        .post_form("/messages/new", &[("emails", "nobody@acme.test")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"data-picker="member""#), "the form again");
    let r = alice.post_form("/messages/new", &[]).await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn task_assignees_are_searched_not_listed() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let sphere = alice.create_sphere("Atelier", "open").await;
    let sid = last_id(&sphere);
    let mut ids = Vec::new();
    for i in 0..30 {
        let (id, b) = app
            .member(org, &format!("m{i}@acme.test"), &format!("Membre {i:02}"))
            .await;
        b.post_redirect(&format!("{sphere}/join"), &[]).await;
        ids.push(id);
    }
    let r = alice
        .post_form(
            &format!("/spheres/{sid}/task-lists"),
            &[("name", "Lancement")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = alice.get_text(&format!("/spheres/{sid}/tasks")).await;
    assert!(page.contains(r#"data-picker="assignee""#) && page.contains("data-picker-members"));
    assert!(
        !page.contains("Membre 17"),
        "members are searched, not all listed"
    );
    let (_, v) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/people/suggest?q=membre&sphere={sid}&members=true"),
        None,
    )
    .await;
    assert_eq!(v.as_array().unwrap().len(), 8, "a handful at a time");
    let (_, v) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/people/suggest?q=alice&sphere={sid}&members=true"),
        None,
    )
    .await;
    assert_eq!(
        v.as_array().unwrap().len(),
        1,
        "one may take a task oneself: {v}"
    );
    let (_, v) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/people/suggest?q=membre+17&sphere={sid}&members=true"),
        None,
    )
    .await;
    assert_eq!(names(&v), ["Membre 17"]);
    // What the picker posts assigns, and the page shows the chosen as boxes to untick.
    let lists = |alice| async move {
        api(
            alice,
            Method::GET,
            &format!("/api/v1/spheres/{sid}/task-lists"),
            None,
        )
        .await
        .1
    };
    let list_id = lists(&alice).await[0]["id"].as_str().unwrap().to_string();
    alice
        .post_redirect(
            &format!("/task-lists/{list_id}/tasks"),
            &[
                ("title", "Former l'équipe"),
                ("assignee", &ids[17].to_string()),
            ],
        )
        .await;
    let task = format!(
        "/tasks/{}",
        lists(&alice).await[0]["tasks"][0]["id"].as_str().unwrap()
    );
    let (_, page) = alice.get_text(&task).await;
    assert!(
        page.contains(&format!(r#"name="assignee" value="{}" checked"#, ids[17])),
        "{page}"
    );
    assert!(page.contains("Membre 17") && !page.contains("Membre 16"));
}
