//! Daily activity: what people do is recorded once per person, day and kind, and the
//! presence figures, stickiness and cohort retention of the dashboard are read from it.
use crate::analytics::{attended_training, champion, person};
use embarq_domain::UserStatus;
use embarq_domain::activity::{Activity, cohort_of, cohort_start, day_of};
use embarq_store::now_ms;
use embarq_testkit::{api, concurrently, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;

fn bits(kinds: &[Activity]) -> i32 {
    kinds.iter().map(|k| k.bit()).sum()
}

#[tokio::test]
async fn what_people_do_is_recorded_once_a_day() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Général", "open").await;
    let sid = sphere.rsplit('/').next().unwrap();
    let today = day_of(now_ms());

    // Signing in lands Bob on his feed: he visited and read.
    assert_eq!(
        app.db.activity_of(bob_id, today).await.unwrap(),
        vec![(today, bits(&[Activity::Visited, Activity::Read]))]
    );
    // Then he joins a sphere, posts, comments, reacts and writes to Alice.
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/spheres/{sid}/join"),
        None,
    )
    .await;
    assert!(s < 300, "join: {s}");
    let (s, post) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/spheres/{sid}/posts"),
        Some(json!({"body": "Bonjour"})),
    )
    .await;
    assert_eq!(s, 201, "{post}");
    let post_id = post["id"].as_str().unwrap();
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/comments"),
        Some(json!({"body": "Et bienvenue"})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/reactions"),
        Some(json!({"emoji": "👍"})),
    )
    .await;
    assert_eq!(s, 200);
    let alice = app.user("alice@acme.test").await.id;
    let (s, conv) = api(
        &bob,
        Method::POST,
        "/api/v1/conversations",
        Some(json!({"members": [alice]})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!(
            "/api/v1/conversations/{}/messages",
            conv["id"].as_str().unwrap()
        ),
        Some(json!({"body": "Salut"})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        app.db.activity_of(bob_id, today).await.unwrap(),
        vec![(today, bits(Activity::ALL))],
        "one row for the day, with every kind"
    );

    // The process remembers what it recorded today: once the row is gone, more of the same
    // writes nothing (the hot path costs a lookup in memory).
    app.run_sql(
        "DELETE FROM daily_activity WHERE user_id = $1",
        Some(bob_id.into()),
    )
    .await;
    for path in ["/", "/settings"] {
        assert_eq!(bob.get(path).await.status(), 200);
    }
    let (s, _) = api(&bob, Method::GET, "/api/v1/feed", None).await;
    assert_eq!(s, 200);
    assert!(app.db.activity_of(bob_id, today).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_records_of_one_day_all_count() {
    let app = spawn_app().await;
    let _mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let bob = app.user("alice@acme.test").await.id;
    let day = day_of(now_ms()) - 3;
    // Several processes recording different kinds of the same day at once: one insert wins,
    // the others add their kinds; nothing fails and nothing is lost.
    let db = app.db.clone();
    let results = concurrently(12, |i| {
        let db = db.clone();
        async move {
            let kind = Activity::ALL[i % Activity::ALL.len()];
            db.record_activity(org, bob, day, kind.bit()).await
        }
    })
    .await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(
        results.iter().filter(|r| *r.as_ref().unwrap()).count(),
        Activity::ALL.len(),
        "each kind is new once"
    );
    assert_eq!(
        app.db.activity_of(bob, day).await.unwrap()[0],
        (day, bits(Activity::ALL))
    );
    let count = |rows: Vec<embarq_store::DayCount>| rows.iter().find(|r| r.day == 0).map(|r| r.n);
    assert_eq!(
        count(app.db.analytics_active_by_day(org, day).await.unwrap()),
        Some(1),
        "the day counts her once"
    );
    // Twelve people's first activity of another day at once: the day's count is exact.
    let mut people = Vec::new();
    for i in 0..12 {
        let email = format!("p{i}@acme.test");
        let none = (None, None, None, None, None);
        people.push(person(&app, org, &email, UserStatus::Active, none).await);
    }
    let results = concurrently(12, |i| {
        let db = db.clone();
        let who = people[i];
        async move {
            db.record_activity(org, who, day - 1, Activity::Read.bit())
                .await
        }
    })
    .await;
    assert!(results.iter().all(|r| matches!(r, Ok(true))), "{results:?}");
    assert_eq!(
        count(app.db.analytics_active_by_day(org, day - 1).await.unwrap()),
        Some(12)
    );
}

#[tokio::test]
async fn days_older_than_thirteen_months_are_forgotten_but_still_counted() {
    let app = spawn_app().await;
    let _mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let now = now_ms();
    let today = day_of(now);
    let old = today - embarq_domain::activity::DAYS_KEPT - 1;
    let kept = today - embarq_domain::activity::DAYS_KEPT;
    for day in [old, kept] {
        app.db
            .record_activity(org, alice, day, Activity::Read.bit())
            .await
            .unwrap();
    }
    let report = embarq_web::jobs::run_due(&app.state, now).await;
    assert_eq!(report.count("prune_activity"), 1);
    let days: Vec<i64> = app
        .db
        .activity_of(alice, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    assert!(!days.contains(&old) && days.contains(&kept), "{days:?}");
    // The day stays counted: the totals hold no one.
    let totals = app.db.analytics_active_by_day(org, old).await.unwrap();
    assert_eq!(totals.iter().find(|t| t.day == 0).map(|t| t.n), Some(1));
    assert_eq!(
        embarq_web::jobs::run_due(&app.state, now)
            .await
            .count("prune_activity"),
        0
    );
}

fn shares(v: &Value) -> Vec<Option<f64>> {
    v.as_array().unwrap().iter().map(|x| x.as_f64()).collect()
}

#[tokio::test]
async fn presence_stickiness_and_cohort_retention() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let now = now_ms();
    let today = day_of(now);
    // Ana (a champion) and Ben were activated on the Monday of the week three weeks ago.
    let cohort = cohort_of(today) - 3;
    let monday = cohort_start(cohort);
    let activated = monday * DAY + 9 * 3_600_000;
    let none = (None, None, None, None, None);
    let ana = person(&app, org, "ana@acme.test", UserStatus::Active, none).await;
    let ben = person(&app, org, "ben@acme.test", UserStatus::Active, none).await;
    // Cleo was invited and never came.
    let _cleo = person(&app, org, "cleo@acme.test", UserStatus::Invited, none).await;
    app.db
        .analytics_set_times(ana, Some(activated), Some(activated), Some(now - 3 * DAY))
        .await
        .unwrap();
    app.db
        .analytics_set_times(ben, Some(activated), Some(activated), Some(now - 20 * DAY))
        .await
        .unwrap();
    champion(&app, org, alice, ana).await;
    // Ben attended a training session.
    attended_training(&app, org, alice, ben, activated + DAY).await;
    // Ana came back in weeks 1 and 2 after her activation, Ben in week 1 only.
    let visit = Activity::Visited.bit();
    for (who, day) in [(ana, monday + 7), (ana, monday + 14), (ben, monday + 8)] {
        assert!(app.db.record_activity(org, who, day, visit).await.unwrap());
    }
    // A second record of the same day changes nothing.
    assert!(
        !app.db
            .record_activity(org, ben, monday + 8, visit)
            .await
            .unwrap()
    );

    let (s, d) = api(&mgr, Method::GET, "/api/v1/analytics", None).await;
    assert_eq!(s, 200);
    // Alice is seen now (this request), Ana 3 days ago, Ben 20 days ago; Cleo never.
    let p = &d["presence"];
    assert_eq!(
        (
            &p["members"],
            &p["daily_active"],
            &p["weekly_active"],
            &p["monthly_active"]
        ),
        (&json!(4), &json!(1), &json!(2), &json!(3)),
        "{p}"
    );
    // 3 active days over the 30 full days before today, against 3 people active in the month.
    assert_eq!(p["stickiness"], 3.3);
    // The headline: active this week / invited.
    assert_eq!(d["overall"]["active_7d"], 2);
    assert_eq!(d["overall"]["active_rate"], 50.0);

    let r = &d["retention"];
    assert_eq!(r["weeks"], json!([1, 2, 4, 8]));
    let overall = r["overall"].as_array().unwrap();
    let theirs = overall
        .iter()
        .find(|c| c["size"] == 2)
        .unwrap_or_else(|| panic!("no cohort of Ana and Ben: {r}"));
    // Week 4 and 8 have not come for this cohort.
    assert_eq!(
        shares(&theirs["retention"]),
        vec![Some(100.0), Some(50.0), None, None]
    );
    let monday_date = chrono::DateTime::from_timestamp_millis(monday * DAY)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(theirs["week_of"], monday_date);
    assert_eq!(
        shares(&r["champions"][0]["retention"]),
        vec![Some(100.0), Some(100.0), None, None]
    );
    // Alice's cohort (this week) has reached no week yet, so it does not weigh on averages.
    assert_eq!(
        shares(&r["overall_average"]),
        vec![Some(100.0), Some(50.0), None, None]
    );
    assert_eq!(
        shares(&r["others_average"]),
        vec![Some(100.0), Some(0.0), None, None]
    );
    // Training against retention: Ben (trained) came back in week 1 only.
    assert_eq!(
        shares(&r["trained"][0]["retention"]),
        vec![Some(100.0), Some(0.0), None, None]
    );
    assert_eq!(
        r["trained"].as_array().unwrap().len(),
        1,
        "only Ben's cohort"
    );
    assert_eq!(
        shares(&r["untrained_average"]),
        vec![Some(100.0), Some(100.0), None, None],
        "Ana; Alice's cohort has reached no week"
    );

    // The series counts people active each day, whatever they did.
    let series = d["series"].as_array().unwrap();
    let day_of_ben = (monday + 8 - (today - 29)) as usize;
    assert_eq!(series[day_of_ben]["active_members"], 1);
    assert_eq!(series[29]["active_members"], 1, "Alice, today");

    // The page shows the headline, the presence figures and the cohorts.
    let (status, html) = mgr.get_text("/admin/analytics").await;
    assert_eq!(status, 200);
    for id in [
        "active-rate",
        "daily-active",
        "stickiness",
        "retention-overall",
        "retention-average",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    assert!(html.contains(&monday_date));
    let (status, csv) = mgr.get_text("/admin/analytics.csv?by=retention").await;
    assert_eq!(status, 200);
    assert_eq!(
        csv.lines().next(),
        Some("group,week_of,size,week_1,week_2,week_4,week_8")
    );
    assert!(csv.contains(&format!("overall,{monday_date},2,100.0,50.0,,")));
    assert!(csv.contains(&format!("trained,{monday_date},1,100.0,0.0,,")));

    // Erasure takes a person's days with it.
    app.db
        .erase_user(
            org,
            ben,
            embarq_store::gdpr::EraseMode::Anonymize,
            Some(alice),
            now,
        )
        .await
        .unwrap();
    assert!(app.db.activity_of(ben, 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn teams_with_a_champion_are_compared_with_the_others() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    // Two teams: Bea's, whose member Dan is a champion, and Oto's, without one.
    let r = mgr
        .post_csv(
            "/api/v1/members/import?dry_run=false",
            "email,first_name,last_name,manager_email\n\
             bea@acme.test,Bea,Lead,\n\
             dan@acme.test,Dan,Dev,bea@acme.test\n\
             eve@acme.test,Eve,Dev,bea@acme.test\n\
             oto@acme.test,Oto,Lead,\n\
             pat@acme.test,Pat,Ops,oto@acme.test\n\
             quy@acme.test,Quy,Ops,oto@acme.test\n\
             rae@acme.test,Rae,Ops,oto@acme.test\n"
                .to_string(),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let id = async |e: &str| app.user(e).await.id;
    let now = now_ms();
    champion(&app, org, alice, id("dan@acme.test").await).await;
    // Dan and Eve came (Eve this week); in Oto's team only Pat came, a month ago.
    for (who, seen) in [
        ("dan@acme.test", now - 10 * DAY),
        ("eve@acme.test", now - DAY),
        ("pat@acme.test", now - 30 * DAY),
    ] {
        app.db
            .analytics_set_times(
                id(who).await,
                Some(now - 40 * DAY),
                Some(now - 35 * DAY),
                Some(seen),
            )
            .await
            .unwrap();
    }
    let (s, d) = api(&mgr, Method::GET, "/api/v1/analytics", None).await;
    assert_eq!(s, 200);
    let teams = d["levers"]["teams"].as_array().unwrap();
    let figures: Vec<(bool, i64, i64, i64, f64, f64)> = teams
        .iter()
        .map(|t| {
            (
                t["with_champion"].as_bool().unwrap(),
                t["teams"].as_i64().unwrap(),
                t["people"].as_i64().unwrap(),
                t["activated"].as_i64().unwrap(),
                t["activation_rate"].as_f64().unwrap(),
                t["active_rate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![(true, 1, 2, 2, 100.0, 50.0), (false, 1, 3, 1, 33.3, 0.0)]
    );
    // No reminder was sent: the page says so, and shows both teams.
    let (status, html) = mgr.get_text("/admin/analytics").await;
    assert_eq!(status, 200);
    assert!(html.contains("Aucune relance envoyée"));
    assert!(html.contains("id=\"levers-teams\"") && html.contains("Équipes sans membre impliqué"));
    let (status, csv) = mgr.get_text("/admin/analytics.csv?by=levers").await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("team_without_champion,Équipes sans membre impliqué,3,1,33.3,0.0"),
        "{csv}"
    );
}
