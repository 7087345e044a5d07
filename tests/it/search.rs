//! Full-text search: French and English stemming, accents, FTS operators and quotes typed
//! as plain words, the feed's visibility rules (secret and closed spheres, hidden posts,
//! deactivated members), every kind of result (publications, comments, spheres, members,
//! files), and the index following inserts, updates and deletes — through the web page, the
//! live box and the JSON API.
use embarq_domain::moderation::{ModerationAction, ReportTarget};
use embarq_domain::{SphereId, new_id, parse_id};
use embarq_store::{Moderation, NewFile, ProfileUpdate};
use embarq_testkit::{Browser, last_as, last_id, spawn_app};
use serde_json::Value;

async fn create_sphere(b: &Browser, name: &str, kind: &str) -> String {
    b.post_redirect(
        "/spheres",
        &[
            ("name", name),
            ("description", "Espace d'équipe"),
            ("kind", kind),
        ],
    )
    .await
}

async fn publish(b: &Browser, sphere: &str, body: &str) -> String {
    b.post_redirect(
        "/posts",
        &[("sphere_id", &last_id(sphere).to_string()), ("body", body)],
    )
    .await
}

/// GET /api/v1/search with these query parameters: (status, body).
async fn api(b: &Browser, params: &[(&str, &str)]) -> (u16, Value) {
    let r = b
        .client
        .get(b.url("/api/v1/search"))
        .query(params)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn find(b: &Browser, q: &str) -> Value {
    let (status, v) = api(b, &[("q", q)]).await;
    assert_eq!(status, 200, "{q:?}: {v}");
    v
}

fn group<'a>(v: &'a Value, kind: &str) -> &'a Vec<Value> {
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} group in {v}"))["items"]
        .as_array()
        .unwrap()
}

fn ids(v: &Value, kind: &str) -> Vec<String> {
    group(v, kind)
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn stems_french_and_english_ignores_accents_and_treats_operators_as_words() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let sphere = create_sphere(&alice, "Comité de direction", "open").await;
    let reunion = last_id(
        &publish(
            &alice,
            &sphere,
            "La réunion mensuelle est reportée à jeudi.",
        )
        .await,
    )
    .to_string();
    let meeting =
        last_id(&publish(&alice, &sphere, "Team meeting notes are online.").await).to_string();
    let budget =
        last_id(&publish(&alice, &sphere, "Budget <b>2027</b> & prévisions").await).to_string();

    // French plural, accents or not, any case; English plural.
    for q in ["réunions", "reunion", "REUNIONS", "Réunion"] {
        assert_eq!(
            ids(&find(&alice, q).await, "posts"),
            vec![reunion.clone()],
            "{q}"
        );
    }
    for q in ["meetings", "meeting"] {
        assert_eq!(
            ids(&find(&alice, q).await, "posts"),
            vec![meeting.clone()],
            "{q}"
        );
    }
    // Every word must match.
    assert_eq!(
        ids(&find(&alice, "réunion jeudi").await, "posts"),
        vec![reunion.clone()]
    );
    assert!(ids(&find(&alice, "réunion meeting").await, "posts").is_empty());

    // Snippets: escaped HTML, matched words in <mark>.
    let v = find(&alice, "réunions").await;
    let snippet = group(&v, "posts")[0]["snippet_html"].as_str().unwrap();
    assert!(snippet.contains("<mark>réunion</mark>"), "{snippet}");
    let v = find(&alice, "budget").await;
    let hit = &group(&v, "posts")[0];
    assert_eq!(hit["id"], budget.as_str());
    let snippet = hit["snippet_html"].as_str().unwrap();
    assert!(
        snippet.contains("<mark>Budget</mark> &lt;b&gt;2027&lt;/b&gt; &amp;"),
        "{snippet}"
    );
    assert_eq!(hit["url"], format!("/posts/{budget}"));

    // Comments.
    let r = alice
        .post_form(
            &format!("/posts/{meeting}/comments"),
            &[("body", "Les comptes rendus des réunions sont partagés.")],
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    let v = find(&alice, "compte partagé").await;
    assert_eq!(group(&v, "comments").len(), 1);
    assert!(
        group(&v, "comments")[0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/posts/{meeting}#comment-"))
    );
    assert!(group(&v, "posts").is_empty());

    // FTS syntax is plain text: never an error, never a 500.
    for q in [
        "\"réunion",
        "réunion\"",
        "\"\"",
        "réunion AND",
        "OR",
        "NOT réunion",
        "NEAR(réunion budget)",
        "réunion*",
        "*",
        "-réunion",
        "body_md:réunion",
        "{body_md}: réunion",
        "(réunion",
        "^réunion",
        "réunion' OR 1=1 --",
        "'; DROP TABLE posts; --",
        "réunion\u{0}",
        "%_\\",
        "&<>",
    ] {
        let (status, v) = api(&alice, &[("q", q)]).await;
        assert!(status == 200 || status == 422, "{q:?} gave {status}: {v}");
        let page = alice.get(&format!("/search?q={}", urlencoding(q))).await;
        assert_eq!(page.status(), 200, "{q:?}");
        let live = alice
            .get(&format!("/search/live?q={}", urlencoding(q)))
            .await;
        assert_eq!(live.status(), 200, "{q:?}");
    }
    // Operators are words: "réunion*" finds réunion; "NOT réunion" needs the word "not".
    assert_eq!(
        ids(&find(&alice, "réunion*").await, "posts"),
        vec![reunion.clone()]
    );
    assert!(ids(&find(&alice, "NOT réunion").await, "posts").is_empty());
    assert_eq!(
        ids(&find(&alice, "\"réunion\"").await, "posts"),
        vec![reunion.clone()]
    );

    // Empty and too-long queries: a clear field error.
    for q in ["", "   ", "*** \"\" ()"] {
        let (status, v) = api(&alice, &[("q", q)]).await;
        assert_eq!(status, 422, "{q:?}");
        assert_eq!(v["errors"][0]["field"], "q");
        assert_eq!(v["errors"][0]["code"], "required");
    }
    let long = "réunion ".repeat(30);
    let (status, v) = api(&alice, &[("q", &long)]).await;
    assert_eq!(status, 422);
    assert_eq!(v["errors"][0]["code"], "too_long");
    let page = alice
        .get_text(&format!("/search?q={}", urlencoding(&long)))
        .await
        .1;
    assert!(page.contains("200"), "the page says the limit");
    let (status, v) = api(&alice, &[("q", "réunion"), ("type", "nope"), ("page", "0")]).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["type", "page"]);

    // The page: grouped results with highlights, filters, and the live box's fragment.
    let (status, html) = alice.get_text("/search?q=r%C3%A9unions").await;
    assert_eq!(status, 200);
    assert!(html.contains("<mark>réunion</mark>"));
    assert!(html.contains("id=\"search-group-posts\""));
    let live = alice.get_text("/search/live?q=meetings").await.1;
    assert!(live.contains("<mark>meeting</mark>") && !live.contains("<html"));
    assert!(live.contains("/search?q=meetings"));
    // One kind, paged.
    let (status, v) = api(
        &alice,
        &[("q", "réunion"), ("type", "posts"), ("page", "1")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["groups"].as_array().unwrap().len(), 1);
    assert_eq!(v["groups"][0]["has_next"], false);
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn respects_visibility_like_the_feed() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice_id = app.user("alice@acme.test").await.id;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob Martin").await;

    let open = create_sphere(&alice, "Licorne ouverte", "open").await;
    let closed = create_sphere(&alice, "Licorne fermée", "closed").await;
    let secret = create_sphere(&alice, "Licorne secrète", "secret").await;
    let p_open = last_id(&publish(&alice, &open, "Plan licorne pour tous").await).to_string();
    let p_closed = last_id(&publish(&alice, &closed, "Plan licorne des membres").await).to_string();
    let p_secret =
        last_id(&publish(&alice, &secret, "Plan licorne confidentiel").await).to_string();
    for p in [&p_open, &p_closed, &p_secret] {
        alice
            .post_form(
                &format!("/posts/{p}/comments"),
                &[("body", "Commentaire sur la licorne")],
            )
            .await;
    }

    // The member of everything sees everything.
    let v = find(&alice, "licornes").await;
    assert_eq!(group(&v, "posts").len(), 3);
    assert_eq!(group(&v, "comments").len(), 3);
    assert_eq!(group(&v, "spheres").len(), 3);

    // Bob: open content; closed sphere listed but its content not; secret nowhere.
    let v = find(&bob, "licorne").await;
    assert_eq!(ids(&v, "posts"), vec![p_open.clone()]);
    assert_eq!(group(&v, "comments").len(), 1);
    let spheres = ids(&v, "spheres");
    assert!(spheres.contains(&last_id(&open).to_string()));
    assert!(spheres.contains(&last_id(&closed).to_string()));
    assert!(!spheres.contains(&last_id(&secret).to_string()));
    let body = v.to_string();
    assert!(
        !body.contains("confidentiel")
            && !body.contains("secrète")
            && !body.contains("des membres")
    );
    let html = bob.get_text("/search?q=licorne").await.1;
    assert!(!html.contains("confidentiel") && !html.contains("secrète"));
    let live = bob.get_text("/search/live?q=confidentiel").await.1;
    assert!(!live.contains("Plan licorne") && !live.contains("<mark>"));

    // Sphere filter: a secret sphere answers exactly like an unknown one.
    let (s1, v1) = api(
        &bob,
        &[("q", "licorne"), ("sphere", &last_id(&secret).to_string())],
    )
    .await;
    let (s2, v2) = api(&bob, &[("q", "licorne"), ("sphere", &new_id().to_string())]).await;
    let (s3, _) = api(
        &bob,
        &[("q", "licorne"), ("sphere", &last_id(&closed).to_string())],
    )
    .await;
    assert_eq!((s1, s2, s3), (422, 422, 422));
    assert_eq!(v1["errors"], v2["errors"]);
    let (s, v) = api(
        &alice,
        &[("q", "licorne"), ("sphere", &last_id(&closed).to_string())],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v, "posts"), vec![p_closed.clone()]);
    let (s, v) = api(
        &bob,
        &[("q", "licorne"), ("sphere", &last_id(&open).to_string())],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v, "posts"), vec![p_open.clone()]);

    // A hidden publication disappears for everyone, moderators included; unhidden, it returns.
    let hide = |action| Moderation {
        org_id: org,
        sphere_id: last_as(&open),
        actor_id: alice_id,
        action,
        target: ReportTarget::Post,
        target_id: parse_id(&p_open).unwrap(),
        post_id: parse_id(&p_open).unwrap(),
        user_id: None,
        until: None,
        details: "{}",
    };
    app.db
        .moderate(&hide(ModerationAction::Hide), &Default::default())
        .await
        .unwrap();
    assert!(ids(&find(&bob, "licorne").await, "posts").is_empty());
    assert!(!ids(&find(&alice, "licorne").await, "posts").contains(&p_open));
    // Its comments go with it.
    assert!(group(&find(&bob, "licorne").await, "comments").is_empty());
    app.db
        .moderate(&hide(ModerationAction::Unhide), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        ids(&find(&bob, "licorne").await, "posts"),
        vec![p_open.clone()]
    );

    // Deactivated members are not found.
    let (carol_id, _) = app.member(org, "carol@acme.test", "Carole Licorne").await;
    assert_eq!(
        ids(&find(&bob, "carole").await, "members"),
        vec![carol_id.to_string()]
    );
    app.db
        .deactivate_user(org, carol_id, &Default::default())
        .await
        .unwrap();
    assert!(ids(&find(&bob, "carole").await, "members").is_empty());
}

#[tokio::test]
async fn members_spheres_and_files_follow_updates_and_deletes() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice_id = app.user("alice@acme.test").await.id;
    let (helene, bob) = app.member(org, "helene@acme.test", "Hélène Dupont").await;

    // Members: by name without accents, by job title (stemmed), updated in place.
    app.db
        .update_profile(
            helene,
            &ProfileUpdate {
                display_name: "Hélène Dupont".into(),
                title: Some("Responsable des expéditions".into()),
                department: Some("Opérations".into()),
                site: Some("Lyon".into()),
                birth_year: None,
                level: None,
                locale: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    for q in ["helene", "HÉLÈNE dupont", "expedition", "operations lyon"] {
        assert_eq!(
            ids(&find(&alice, q).await, "members"),
            vec![helene.to_string()],
            "{q}"
        );
    }
    let v = find(&alice, "helene").await;
    assert_eq!(
        group(&v, "members")[0]["title_html"],
        "<mark>Hélène</mark> Dupont"
    );
    assert_eq!(group(&v, "members")[0]["url"], format!("/people/{helene}"));
    app.db
        .update_profile(
            helene,
            &ProfileUpdate {
                display_name: "Hélène Martin".into(),
                title: None,
                department: None,
                site: None,
                birth_year: None,
                level: None,
                locale: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    assert!(ids(&find(&alice, "dupont").await, "members").is_empty());
    assert!(ids(&find(&alice, "expeditions").await, "members").is_empty());
    assert_eq!(
        ids(&find(&alice, "martin").await, "members"),
        vec![helene.to_string()]
    );

    // Spheres: by name and description, renamed through the settings form.
    let sphere = create_sphere(&alice, "Atelier qualité", "open").await;
    let sphere_id = last_as::<SphereId>(&sphere);
    assert_eq!(
        ids(&find(&bob, "ateliers").await, "spheres"),
        vec![sphere_id.to_string()]
    );
    assert_eq!(
        ids(&find(&bob, "equipes").await, "spheres"),
        vec![sphere_id.to_string()]
    );
    let r = alice
        .post_form(
            &format!("{sphere}/settings"),
            &[
                ("name", "Cercle sécurité"),
                ("description", "Prévention"),
                ("kind", "open"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert!(ids(&find(&bob, "atelier").await, "spheres").is_empty());
    assert_eq!(
        ids(&find(&bob, "securite").await, "spheres"),
        vec![sphere_id.to_string()]
    );

    // Publications: a deleted one leaves the index.
    let post = publish(&alice, &sphere, "Inventaire des extincteurs").await;
    assert_eq!(ids(&find(&bob, "extincteur").await, "posts").len(), 1);
    let r = alice.post_form(&format!("{post}/delete"), &[]).await;
    assert!(r.status().is_redirection() || r.status().is_success());
    assert!(ids(&find(&bob, "extincteur").await, "posts").is_empty());

    // Files: by name pieces, only in readable spheres, renamed and deleted.
    let secret = last_as::<SphereId>(&create_sphere(&alice, "Direction", "secret").await);
    let file = |sphere_id, name: &str| NewFile {
        id: new_id(),
        org_id: org,
        sphere_id,
        folder_id: None,
        name: name.into(),
        content_type: "application/pdf".into(),
        size_bytes: 2048,
        storage_key: format!("test/{}", new_id()),
        uploaded_by: alice_id,
    };
    let open_file = file(sphere_id, "Rapport_annuel-2027.pdf");
    let secret_file = file(secret, "Rapport confidentiel.pdf");
    assert!(
        app.db
            .insert_file_within_quota(&open_file, i64::MAX / 2)
            .await
            .unwrap()
    );
    assert!(
        app.db
            .insert_file_within_quota(&secret_file, i64::MAX / 2)
            .await
            .unwrap()
    );
    let v = find(&bob, "rapports annuels").await;
    assert_eq!(ids(&v, "files"), vec![open_file.id.to_string()]);
    assert_eq!(
        group(&v, "files")[0]["url"],
        format!("/files/{}", open_file.id)
    );
    assert_eq!(
        ids(&find(&bob, "rapport").await, "files"),
        vec![open_file.id.to_string()]
    );
    assert_eq!(
        find(&alice, "rapport")
            .await
            .to_string()
            .matches("/files/")
            .count(),
        2
    );
    app.db
        .update_file(open_file.id, "Bilan 2027.pdf", None)
        .await
        .unwrap();
    assert!(ids(&find(&bob, "rapport").await, "files").is_empty());
    assert_eq!(
        ids(&find(&bob, "bilans").await, "files"),
        vec![open_file.id.to_string()]
    );
    app.db.delete_file(open_file.id).await.unwrap();
    assert!(ids(&find(&bob, "bilan").await, "files").is_empty());
}

#[tokio::test]
async fn ranks_recent_matches_and_pages_through_them() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let sphere = create_sphere(&alice, "Logistique", "open").await;
    let mut posts = Vec::new();
    for i in 0..25 {
        posts.push(
            last_id(&publish(&alice, &sphere, &format!("Livraison numéro {i} du dépôt")).await)
                .to_string(),
        );
    }
    let (s, p1) = api(&alice, &[("q", "livraisons"), ("type", "posts")]).await;
    assert_eq!(s, 200);
    assert_eq!(group(&p1, "posts").len(), 20);
    assert_eq!(p1["groups"][0]["has_next"], true);
    // Equal relevance: newest first.
    assert_eq!(group(&p1, "posts")[0]["id"], posts[24].as_str());
    let (_, p2) = api(
        &alice,
        &[("q", "livraisons"), ("type", "posts"), ("page", "2")],
    )
    .await;
    assert_eq!(group(&p2, "posts").len(), 5);
    assert_eq!(p2["groups"][0]["has_next"], false);
    let mut all: Vec<String> = ids(&p1, "posts");
    all.extend(ids(&p2, "posts"));
    all.sort();
    let mut expected = posts.clone();
    expected.sort();
    assert_eq!(all, expected);
    // Relevance first: a publication about the word beats an older-by-seconds passing mention.
    let focused = last_id(
        &publish(
            &alice,
            &sphere,
            "Inventaire : inventaire du stock, inventaires mensuels.",
        )
        .await,
    )
    .to_string();
    let passing = last_id(
        &publish(
            &alice,
            &sphere,
            "Compte rendu du comité : sécurité, formation, planning des équipes, congés, \
             parking, cantine, badges, et enfin un mot sur l'inventaire.",
        )
        .await,
    )
    .to_string();
    let v = find(&alice, "inventaire").await;
    assert_eq!(ids(&v, "posts"), vec![focused, passing]);

    // The overview shows 5 per kind and links to the rest.
    let v = find(&alice, "livraison").await;
    assert_eq!(group(&v, "posts").len(), 5);
    let html = alice.get_text("/search?q=livraison").await.1;
    assert!(html.contains("type=posts\""), "a link to every publication");
}

/// Search as you type: the last word is a prefix ("covoitur" finds "covoiturage"), and
/// people and spheres are found by the start of their name, accents or not ("hél", "helene").
#[tokio::test]
async fn the_last_word_typed_matches_as_a_prefix_of_words_and_names() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (helene, _) = app.member(org, "helene@acme.test", "Hélène Durand").await;
    let sphere = create_sphere(&alice, "Covoiturage Lille", "open").await;
    let post = last_id(
        &publish(
            &alice,
            &sphere,
            "Qui propose du covoiturage vendredi depuis Roubaix ?",
        )
        .await,
    )
    .to_string();
    for q in [
        "covoitur",
        "covoiturage",
        "COVOIT",
        "vendredi covoit",
        "roubai",
    ] {
        assert_eq!(
            ids(&find(&alice, q).await, "posts"),
            vec![post.clone()],
            "{q}"
        );
    }
    assert_eq!(
        ids(&find(&alice, "covoit").await, "spheres"),
        vec![last_id(&sphere).to_string()]
    );
    // Only the last word is a prefix: a finished word still has to match a whole word.
    assert!(ids(&find(&alice, "covoit vendredi").await, "posts").is_empty());
    for q in ["hél", "hel", "helene", "Hélène", "durand", "hélène dur"] {
        assert_eq!(
            ids(&find(&alice, q).await, "members"),
            vec![helene.to_string()],
            "{q}"
        );
    }
    // One letter is not a prefix search (it would match nearly everything).
    assert!(ids(&find(&alice, "h").await, "members").is_empty());
}
