//! Activation analytics: exact funnel counts overall and per breakdown, the CSV export,
//! the daily series, and who may see them.
use embarq_domain::{OrgId, OrgRole, PostStatus, SphereKind, UserId, UserStatus};
use embarq_store::{NewMember, NewPost, ProfileUpdate, now_ms};
use embarq_testkit::{TestApp, spawn_app};
use serde_json::Value;

const DAY: i64 = 86_400_000;

/// Title, department, site, birth year, level.
pub type Profile<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
    Option<&'a str>,
);

/// A member created directly in the store with a directory profile.
pub async fn person(
    app: &TestApp,
    org: OrgId,
    email: &str,
    status: UserStatus,
    profile: Profile<'_>,
) -> UserId {
    let id = app
        .db
        .create_member(&NewMember {
            org_id: org,
            email: email.to_string(),
            display_name: email.split('@').next().unwrap().to_string(),
            password_hash: None,
            org_role: OrgRole::Member,
            status,
        })
        .await
        .unwrap();
    let (title, department, site, birth_year, level) = profile;
    app.db
        .update_profile(
            id,
            &ProfileUpdate {
                display_name: email.split('@').next().unwrap().to_string(),
                title: title.map(str::to_string),
                department: department.map(str::to_string),
                site: site.map(str::to_string),
                birth_year,
                level: level.map(str::to_string),
                locale: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    id
}

/// Confirms `who` as a champion of `org`, by manager `by`.
/// `who` attended a one-hour training session organized by `by` at `at`.
pub async fn attended_training(app: &TestApp, org: OrgId, by: UserId, who: UserId, at: i64) {
    let event = app
        .db
        .create_events(&[embarq_store::NewEvent {
            org_id: org,
            kind: "training",
            audience: "all",
            title: "Discovery".into(),
            description_md: String::new(),
            description_html: String::new(),
            starts_at: at,
            ends_at: at + 3_600_000,
            time_zone: "UTC".into(),
            place: None,
            video_url: None,
            capacity: None,
            series_id: None,
            created_by: by,
        }])
        .await
        .unwrap()[0];
    app.db
        .register_for_event(event, who, &Default::default())
        .await
        .unwrap();
    app.db.set_event_attendance(event, &[who]).await.unwrap();
}

pub async fn champion(app: &TestApp, org: OrgId, by: UserId, who: UserId) {
    app.db
        .confirm_champions(
            org,
            by,
            ("Champions", "The champions"),
            &[(who, "volunteer".to_string())],
            None,
            None,
        )
        .await
        .unwrap();
}

fn row<'a>(d: &'a Value, by: &str, key: Option<&str>) -> &'a Value {
    d["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["by"] == by)
        .unwrap()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"].as_str() == key)
        .unwrap_or_else(|| panic!("no row {key:?} in {by}: {d}"))
}

fn stages(v: &Value) -> [i64; 5] {
    [
        v["invited"].as_i64().unwrap(),
        v["activated"].as_i64().unwrap(),
        v["profile_completed"].as_i64().unwrap(),
        v["contributed"].as_i64().unwrap(),
        v["active_7d"].as_i64().unwrap(),
    ]
}

#[tokio::test]
async fn funnel_breakdowns_series_and_csv_are_exact() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let now = now_ms();
    let photo: &[u8] = b"\x89PNG fake";
    // m1 invited only; m2 activated with a complete profile, not seen this week; m3 goes all
    // the way (champion, trained); m5 activated and posting, without a photo; m4 deactivated
    // (not counted). Each stage counts on its own: m5 contributed without completing a
    // profile, and Alice is active without one.
    let m1 = person(
        &app,
        org,
        "m1@acme.test",
        UserStatus::Invited,
        (None, Some("Sales"), Some("Lyon"), Some(1970), Some("staff")),
    )
    .await;
    app.db
        .analytics_set_times(m1, Some(now - 5 * DAY), None, None)
        .await
        .unwrap();
    let m2 = person(
        &app,
        org,
        "m2@acme.test",
        UserStatus::Active,
        (
            Some("Buyer"),
            Some("Sales"),
            Some("Paris"),
            Some(1990),
            Some("staff"),
        ),
    )
    .await;
    app.db
        .analytics_set_times(
            m2,
            Some(now - 9 * DAY),
            Some(now - 2 * DAY),
            Some(now - 10 * DAY),
        )
        .await
        .unwrap();
    app.db.set_photo(m2, photo, "image/png").await.unwrap();
    let m3 = person(
        &app,
        org,
        "m3@acme.test",
        UserStatus::Active,
        (
            Some("Developer"),
            Some("IT"),
            Some("Lyon"),
            Some(1960),
            Some("manager"),
        ),
    )
    .await;
    app.db
        .analytics_set_times(m3, Some(now - 9 * DAY), Some(now - DAY), Some(now))
        .await
        .unwrap();
    app.db.set_photo(m3, photo, "image/png").await.unwrap();
    let m4 = person(
        &app,
        org,
        "m4@acme.test",
        UserStatus::Active,
        (Some("Gone"), Some("IT"), None, None, None),
    )
    .await;
    app.db
        .deactivate_user(org, m4, &Default::default())
        .await
        .unwrap();
    let m5 = person(
        &app,
        org,
        "m5@acme.test",
        UserStatus::Active,
        (Some("Writer"), None, None, None, None),
    )
    .await;
    app.db
        .analytics_set_times(m5, Some(now - 9 * DAY), Some(now), Some(now))
        .await
        .unwrap();
    champion(&app, org, alice, m3).await;
    attended_training(&app, org, alice, m3, now - DAY).await;
    let sphere = app
        .db
        .create_sphere(org, alice, "General", "", SphereKind::Open, false)
        .await
        .unwrap();
    for author in [m3, m5] {
        app.db
            .create_post(
                &NewPost {
                    id: embarq_domain::new_id(),
                    org_id: org,
                    sphere_id: sphere,
                    author_id: author,
                    body_md: "hi",
                    body_html: "<p>hi</p>",
                    status: PostStatus::Published,
                },
                &Default::default(),
            )
            .await
            .unwrap();
    }

    let r = mgr.get("/api/v1/analytics").await;
    assert_eq!(r.status(), 200);
    let d: Value = r.json().await.unwrap();
    // Alice (manager, activated at setup and seen now), m1, m2, m3, m5.
    assert_eq!(stages(&d["overall"]), [5, 4, 2, 2, 3]);
    assert_eq!(
        stages(row(&d, "department", Some("Sales"))),
        [2, 1, 1, 0, 0]
    );
    assert_eq!(stages(row(&d, "department", Some("IT"))), [1, 1, 1, 1, 1]);
    assert_eq!(stages(row(&d, "department", None)), [2, 2, 0, 1, 2]);
    assert_eq!(stages(row(&d, "site", Some("Lyon"))), [2, 1, 1, 1, 1]);
    assert_eq!(stages(row(&d, "site", Some("Paris"))), [1, 1, 1, 0, 0]);
    assert_eq!(stages(row(&d, "generation", Some("GenX"))), [1, 0, 0, 0, 0]);
    assert_eq!(
        stages(row(&d, "generation", Some("Millennials"))),
        [1, 1, 1, 0, 0]
    );
    assert_eq!(
        stages(row(&d, "generation", Some("BabyBoomers"))),
        [1, 1, 1, 1, 1]
    );
    assert_eq!(stages(row(&d, "generation", None)), [2, 2, 0, 1, 2]);
    assert_eq!(stages(row(&d, "level", Some("staff"))), [2, 1, 1, 0, 0]);
    assert_eq!(
        stages(row(&d, "champion", Some("champions"))),
        [1, 1, 1, 1, 1]
    );
    assert_eq!(stages(row(&d, "champion", Some("others"))), [4, 3, 1, 1, 2]);
    assert_eq!(
        stages(row(&d, "training", Some("attended"))),
        [1, 1, 1, 1, 1]
    );
    assert_eq!(
        stages(row(&d, "training", Some("not_attended"))),
        [4, 3, 1, 1, 2]
    );
    assert_eq!(
        row(&d, "department", Some("Sales"))["activation_rate"],
        50.0
    );

    // Daily series over 30 days: the last day is today.
    let series = d["series"].as_array().unwrap();
    assert_eq!(series.len(), 30);
    let today = &series[29];
    assert_eq!(
        today["activations"], 2,
        "Alice and m5 activated today: {today}"
    );
    assert_eq!(today["contributions"], 2);
    assert_eq!(today["contributors"], 2);
    // Only Alice came through the server today (the others were written to the store).
    assert_eq!(today["active_members"], 1);
    assert_eq!(series[28]["activations"], 1);
    assert_eq!(series[27]["activations"], 1);
    assert_eq!(
        series
            .iter()
            .map(|s| s["activations"].as_i64().unwrap())
            .sum::<i64>(),
        4
    );
    let r = mgr.get("/api/v1/analytics?days=90").await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["series"]
            .as_array()
            .unwrap()
            .len(),
        90
    );

    // CSV with a header row.
    let (status, csv) = mgr.get_text("/admin/analytics.csv?by=department").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "department,invited,activated,profile_completed,contributed,active_7d,activation_rate,active_rate"
    );
    assert_eq!(lines[1], "Sales,2,1,1,0,0,50.0,0.0");
    assert_eq!(lines[2], "IT,1,1,1,1,1,100.0,100.0");
    assert_eq!(lines[3], "Inconnu,2,2,0,1,2,100.0,100.0");
    assert_eq!(lines.len(), 4);
    let (_, overall) = mgr.get_text("/admin/analytics.csv").await;
    assert_eq!(overall.lines().nth(1), Some("5,4,2,2,3,80.0,60.0"));
    let (_, series_csv) = mgr.get_text("/admin/analytics.csv?by=series").await;
    assert_eq!(
        series_csv.lines().next(),
        Some("date,activations,contributions,active_members,contributors")
    );
    assert_eq!(series_csv.lines().count(), 31);

    // The page draws the charts and the tables behind them.
    let (status, html) = mgr.get_text("/admin/analytics").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"funnel\"")
            && html.contains("<polyline")
            && html.contains("id=\"table-department\"")
    );
    assert!(html.contains("Sales"));

    // The same CSV from the API.
    let (status, api_csv) = mgr.get_text("/api/v1/analytics.csv?by=department").await;
    assert_eq!(status, 200);
    assert_eq!(api_csv, csv);
    assert_eq!(
        mgr.get("/api/v1/analytics.csv?by=shoe_size").await.status(),
        422
    );

    // Bad input.
    assert_eq!(
        mgr.get("/admin/analytics.csv?by=shoe_size").await.status(),
        422
    );
    let r = mgr.get("/api/v1/analytics?days=7").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("analytics_days"));
}

#[tokio::test]
async fn only_managers_see_analytics_and_only_their_organization() {
    let app = spawn_app().await;
    let _mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    assert_eq!(bob.get("/admin/analytics").await.status(), 403);
    assert_eq!(bob.get("/admin/analytics.csv").await.status(), 403);
    assert_eq!(bob.get("/api/v1/analytics").await.status(), 403);
    // Another organization's manager sees only their own members.
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    let d: Value = gina.get("/api/v1/analytics").await.json().await.unwrap();
    assert_eq!(d["overall"]["invited"], 1);
    let r = gina
        .post_form("/admin/analytics/nudges", &[("days", "7, 3"), ("max", "2")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ordre croissant"));
    let r = bob
        .post_form("/admin/analytics/nudges", &[("days", "3"), ("max", "1")])
        .await;
    assert_eq!(r.status(), 403);
}
