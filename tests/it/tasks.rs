//! Sphere tasks: lists, tasks, assignment notifications, "my tasks" grouped by urgency,
//! inline status changes, comments, permissions, bad input, and secret spheres that leak
//! nothing through pages, the API or "my tasks" after leaving.
use embarq_domain::SphereRole;
use embarq_domain::UserId;
use embarq_domain::recurrence::{ms_to_local, parse_zone};
use embarq_store::now_ms;
use embarq_testkit::{Browser, TestApp, api, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const DAY: i64 = 24 * 3600 * 1000;

/// A local date `days` from now in the organization's default zone (Europe/Paris).
fn date_in(days: i64) -> String {
    ms_to_local(parse_zone("Europe/Paris").unwrap(), now_ms() + days * DAY)
        .date()
        .format("%Y-%m-%d")
        .to_string()
}

async fn sphere(b: &Browser, name: &str, kind: &str) -> String {
    let (s, v) = api(
        b,
        Method::POST,
        "/api/v1/spheres",
        Some(json!({"name": name, "kind": kind})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn add(app: &TestApp, sphere: &str, user: UserId) {
    app.db
        .add_sphere_member(
            embarq_domain::parse_as(sphere).unwrap(),
            user,
            SphereRole::Member,
        )
        .await
        .unwrap();
}

async fn list(b: &Browser, sphere: &str, name: &str) -> String {
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

async fn task(b: &Browser, list: &str, body: Value) -> Value {
    let (s, v) = api(
        b,
        Method::POST,
        &format!("/api/v1/task-lists/{list}/tasks"),
        Some(body),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v
}

fn titles(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_string(),
                        e["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn tasks_in_a_secret_sphere() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, mut bob) = app.member(org, "bob@acme.test", "Bob Martin").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol Petit").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave Outsider").await;
    let s = sphere(&alice, "Launch team", "secret").await;
    add(&app, &s, bob_id).await;
    add(&app, &s, carol_id).await;

    // A list through the form, then tasks through the API.
    let r = alice
        .post_form(&format!("/spheres/{s}/task-lists"), &[("name", "Launch")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, lists) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/spheres/{s}/task-lists"),
        None,
    )
    .await;
    assert_eq!(lists[0]["name"], "Launch");
    let l = lists[0]["id"].as_str().unwrap().to_string();

    let t1 = task(
        &alice,
        &l,
        json!({"title": "Book the room", "description": "Big **one**<script>alert(1)</script>",
               "due_date": date_in(-1), "assignee_ids": [bob_id]}),
    )
    .await;
    assert!(
        t1["description_html"]
            .as_str()
            .unwrap()
            .contains("<strong>one</strong>")
    );
    assert!(!t1["description_html"].as_str().unwrap().contains("<script"));
    assert_eq!(t1["group"], "overdue");
    let t1_id = t1["id"].as_str().unwrap().to_string();
    task(&alice, &l, json!({"title": "Print badges", "due_date": date_in(3), "assignee_ids": [bob_id, carol_id]})).await;
    task(
        &alice,
        &l,
        json!({"title": "Order cake", "due_date": date_in(30), "assignee_ids": [bob_id]}),
    )
    .await;
    task(
        &alice,
        &l,
        json!({"title": "Think about it", "assignee_ids": [bob_id]}),
    )
    .await;
    task(&alice, &l, json!({"title": "Nobody's task"})).await;

    // Bob was notified once per task, with a link to it.
    let (_, n) = api(&bob, Method::GET, "/api/v1/notifications", None).await;
    let assigned: Vec<&Value> = n["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "task_assigned")
        .collect();
    assert_eq!(assigned.len(), 4);
    assert!(
        assigned
            .iter()
            .any(|i| i["link"] == format!("/tasks/{t1_id}"))
    );
    let live = app.db.live_events_after(bob_id, 0).await.unwrap();
    assert!(live.iter().any(|e| e.kind == "notification"));
    assert!(live.iter().any(|e| e.kind == "task"));
    let (_, page) = bob.get_text("/notifications").await;
    assert!(page.contains(&format!("/tasks/{t1_id}")));

    // My tasks, grouped.
    let (s200, mine) = api(&bob, Method::GET, "/api/v1/me/tasks", None).await;
    assert_eq!(s200, 200);
    assert_eq!(titles(&mine["overdue"]), vec!["Book the room"]);
    assert_eq!(titles(&mine["soon"]), vec!["Print badges"]);
    assert_eq!(titles(&mine["later"]), vec!["Order cake"]);
    assert_eq!(titles(&mine["no_date"]), vec!["Think about it"]);
    let (_, html) = bob.get_text("/tasks").await;
    for t in [
        "Book the room",
        "Print badges",
        "Order cake",
        "Think about it",
    ] {
        assert!(html.contains(t), "{t} missing from my tasks");
    }
    assert!(!html.contains("Nobody&#x27;s task") && !html.contains("Nobody's task"));

    // Inline status change (htmx answers the row), then done moves to its own group.
    bob.refresh_csrf("/tasks").await;
    let r = bob
        .post_htmx(
            &format!("/tasks/{t1_id}/status"),
            &[("status", "in_progress"), ("context", "mine")],
            false,
        )
        .await;
    assert_eq!(r.status(), 200);
    let row = r.text().await.unwrap();
    assert!(row.contains(&format!("id=\"task-{t1_id}\"")));
    assert!(row.contains("value=\"in_progress\" selected"));
    let (st, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/tasks/{t1_id}/status"),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!((st, v["status"].as_str()), (200, Some("done")));
    let (_, mine) = api(&bob, Method::GET, "/api/v1/me/tasks", None).await;
    assert_eq!(titles(&mine["done"]), vec!["Book the room"]);
    assert!(titles(&mine["overdue"]).is_empty());

    // Comments.
    let (st, _) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/tasks/{t1_id}/comments"),
        Some(json!({"body": "Room **B12**"})),
    )
    .await;
    assert_eq!(st, 201);
    let (_, d) = api(&alice, Method::GET, &format!("/api/v1/tasks/{t1_id}"), None).await;
    assert!(
        d["comments"][0]["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>B12</strong>")
    );
    let (st, page) = carol.get_text(&format!("/tasks/{t1_id}")).await;
    assert_eq!(st, 200);
    assert!(page.contains("B12") && page.contains("Book the room"));

    // Someone outside the secret sphere sees nothing, anywhere.
    for path in [
        format!("/tasks/{t1_id}"),
        format!("/spheres/{s}/tasks"),
        format!("/task-lists/{l}/items"),
    ] {
        assert_eq!(dave.get(&path).await.status(), 404, "{path}");
    }
    for (m, path, body) in [
        (Method::GET, format!("/api/v1/tasks/{t1_id}"), None),
        (Method::GET, format!("/api/v1/spheres/{s}/task-lists"), None),
        (
            Method::POST,
            format!("/api/v1/spheres/{s}/task-lists"),
            Some(json!({"name": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/task-lists/{l}/tasks"),
            Some(json!({"title": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tasks/{t1_id}/status"),
            Some(json!({"status": "todo"})),
        ),
        (
            Method::POST,
            format!("/api/v1/tasks/{t1_id}/comments"),
            Some(json!({"body": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/tasks/{t1_id}"), None),
    ] {
        let (st, v) = api(&dave, m, &path, body).await;
        assert_eq!(st, 404, "{path}: {v}");
        assert!(!v.to_string().contains("Launch"));
    }
    // ... nor can be assigned there.
    let (st, v) = api(
        &alice,
        Method::PUT,
        &format!("/api/v1/tasks/{t1_id}/assignees"),
        Some(json!({"user_ids": [bob_id, dave_id]})),
    )
    .await;
    assert_eq!(st, 422);
    assert_eq!(
        field_codes(&v),
        vec![("task_assignees".into(), "task_not_a_member".into())]
    );
    let (_, mine) = api(&dave, Method::GET, "/api/v1/me/tasks", None).await;
    assert!(!mine.to_string().contains("Book the room"));

    // Bob leaves: his tasks of that sphere vanish from every path he has.
    bob.refresh_csrf(&format!("/spheres/{s}")).await;
    let r = bob.post_form(&format!("/spheres/{s}/leave"), &[]).await;
    let st = r.status();
    assert_eq!(st, 303, "{}", r.text().await.unwrap());
    let (_, mine) = api(&bob, Method::GET, "/api/v1/me/tasks", None).await;
    for g in ["overdue", "soon", "later", "no_date", "done"] {
        assert!(mine[g].as_array().unwrap().is_empty(), "{g}: {mine}");
    }
    let (_, html) = bob.get_text("/tasks").await;
    assert!(!html.contains("Print badges"));
    assert_eq!(bob.get(&format!("/tasks/{t1_id}")).await.status(), 404);
    let (_, n) = api(&bob, Method::GET, "/api/v1/notifications", None).await;
    assert!(!n.to_string().contains("task_assigned"));
}

#[tokio::test]
async fn task_permissions_and_bad_input() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob Martin").await;
    let (_, reader) = app.member(org, "rita@acme.test", "Rita Reader").await;
    let s = sphere(&alice, "Open house", "open").await;
    add(&app, &s, bob_id).await;
    let l = list(&bob, &s, "Chores").await;

    // A reader of an open sphere who is not a member reads but does not act.
    let (st, v) = api(
        &reader,
        Method::GET,
        &format!("/api/v1/spheres/{s}/task-lists"),
        None,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = api(
        &reader,
        Method::POST,
        &format!("/api/v1/spheres/{s}/task-lists"),
        Some(json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(st, 403);
    let t = task(&bob, &l, json!({"title": "Water plants"})).await;
    let tid = t["id"].as_str().unwrap();
    let (st, _) = api(
        &reader,
        Method::POST,
        &format!("/api/v1/tasks/{tid}/status"),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(
        reader.get(&format!("/spheres/{s}/tasks")).await.status(),
        200
    );

    // Bad input: clear field errors, nothing written.
    for (body, field, code) in [
        (json!({"title": "  "}), "task_title", "required"),
        (json!({"title": "x".repeat(201)}), "task_title", "too_long"),
        (
            json!({"title": "Ok", "due_date": "31/12/2027"}),
            "task_due_date",
            "task_invalid_date",
        ),
        (
            json!({"title": "Ok", "due_date": "2027-02-30"}),
            "task_due_date",
            "task_invalid_date",
        ),
        (json!({"title": 12}), "body", "invalid_json"),
    ] {
        let (st, v) = api(
            &bob,
            Method::POST,
            &format!("/api/v1/task-lists/{l}/tasks"),
            Some(body),
        )
        .await;
        assert_eq!(st, 422, "{v}");
        assert!(
            field_codes(&v).contains(&(field.to_string(), code.to_string())),
            "{v}"
        );
    }
    let (st, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/tasks/{tid}/status"),
        Some(json!({"status": "finished"})),
    )
    .await;
    assert_eq!(
        (st, field_codes(&v)),
        (422, vec![("task_status".into(), "invalid_choice".into())])
    );
    let (st, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/spheres/{s}/task-lists"),
        Some(json!({"name": ""})),
    )
    .await;
    assert_eq!(st, 422);
    // The form answers a page with the message, never a 500.
    let r = bob
        .post_form(
            &format!("/task-lists/{l}/tasks"),
            &[("title", ""), ("assignee", "not-an-id")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let (_, lists) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/spheres/{s}/task-lists"),
        None,
    )
    .await;
    assert_eq!(lists[0]["tasks"].as_array().unwrap().len(), 1);

    // Edits, moves and renames by members; deletion by the creator or moderators only.
    let l2 = list(&alice, &s, "Later").await;
    let (st, v) = api(
        &alice,
        Method::PATCH,
        &format!("/api/v1/tasks/{tid}"),
        Some(json!({"list_id": l2, "due_date": "2031-05-01", "title": "Water all plants"})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["list_name"].as_str(), v["due_date"].as_str()),
        (Some("Later"), Some("2031-05-01"))
    );
    let (st, v) = api(
        &bob,
        Method::PATCH,
        &format!("/api/v1/task-lists/{l2}"),
        Some(json!({"name": "Someday"})),
    )
    .await;
    assert_eq!((st, v["name"].as_str()), (200, Some("Someday")));
    let mine = task(&alice, &l2, json!({"title": "Alice's own"})).await;
    let (st, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/tasks/{}", mine["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = api(&bob, Method::DELETE, &format!("/api/v1/tasks/{tid}"), None).await;
    assert_eq!(st, 204);
    // Nor the list that holds it (its tasks would go with it); Alice may.
    let (st, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/task-lists/{l2}"),
        None,
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = api(
        &alice,
        Method::DELETE,
        &format!("/api/v1/task-lists/{l2}"),
        None,
    )
    .await;
    assert_eq!(st, 204);
    let (_, lists) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/spheres/{s}/task-lists"),
        None,
    )
    .await;
    assert_eq!(lists.as_array().unwrap().len(), 1);
    // Unknown and malformed ids are 404.
    assert_eq!(
        api(&bob, Method::GET, "/api/v1/tasks/nope", None).await.0,
        404
    );
    assert_eq!(
        bob.get("/tasks/0190c3c0-0000-7000-8000-000000000000")
            .await
            .status(),
        404
    );
    // The sphere's tab and page link.
    let (_, page) = alice.get_text(&format!("/spheres/{s}/tasks")).await;
    assert!(page.contains(&format!("/spheres/{s}/tasks\" aria-current=\"page\"")));
}
