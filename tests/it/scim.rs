//! SCIM 2.0 provisioning of users over HTTP: bearer tokens from /admin/scim, discovery,
//! create/read/list with filters, sorting and pages, PUT, PATCH (RFC and Azure style),
//! uniqueness, deactivation ending sessions, the directory mapping, organization isolation.
use embarq_testkit::{Browser, TestApp, api, spawn_app, spawn_app_with};
use regex::Regex;
use reqwest::Method;
use serde_json::{Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const EMBARQ: &str = "urn:embarq:params:scim:schemas:extension:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const DEFAULT_SITE: &str = "urn:embarq:params:scim:schemas:extension:2.0:User:site";

/// Creates a SCIM token through /admin/scim as the manager `b` and returns its secret,
/// which the page shows once.
pub async fn token(b: &Browser, name: &str) -> String {
    let r = b.post_form("/admin/scim/tokens", &[("name", name)]).await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    Regex::new(r#"id="scim-secret-value" type="text" readonly value="([^"]+)""#)
        .unwrap()
        .captures(&html)
        .map(|c| c[1].to_string())
        .expect("the new token is shown")
}

/// A SCIM request with `token` (`None`: no Authorization header); the status and JSON body.
pub async fn scim(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new().request(method, format!("{}/scim/v2{path}", app.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    if status != 204 {
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert_eq!(ct, "application/scim+json", "{path}: SCIM media type");
    }
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A minimal user payload.
fn user(user_name: &str, email: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "emails": [{"value": email, "type": "work", "primary": true}],
    })
}

async fn create(app: &TestApp, t: &str, body: Value) -> Value {
    let (s, v) = scim(app, Some(t), Method::POST, "/Users", Some(body)).await;
    assert_eq!(s, 201, "{v}");
    v
}

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_string())
        .collect()
}

async fn names(app: &TestApp, t: &str, query: &str) -> Vec<String> {
    let (s, v) = scim(app, Some(t), Method::GET, &format!("/Users?{query}"), None).await;
    assert_eq!(s, 200, "{query}: {v}");
    let mut n = ids(&v);
    n.retain(|u| u != "boss@acme.test");
    n
}

fn scim_error(v: &Value, status: &str, scim_type: Option<&str>) {
    assert_eq!(v["schemas"][0], ERROR, "{v}");
    assert_eq!(v["status"], status, "{v}");
    if let Some(t) = scim_type {
        assert_eq!(v["scimType"], t, "{v}");
    }
}

#[tokio::test]
async fn tokens_authenticate_and_discovery_answers() {
    let app = spawn_app().await;
    let boss = app.setup("boss@acme.test").await;
    let (s, v) = scim(&app, None, Method::GET, "/Users", None).await;
    assert_eq!(s, 401);
    scim_error(&v, "401", None);
    let (s, _) = scim(&app, Some("scim_nope"), Method::GET, "/Users", None).await;
    assert_eq!(s, 401);
    // A session cookie is no SCIM credential.
    let r = boss.get("/scim/v2/Users").await;
    assert_eq!(r.status(), 401);

    let t = token(&boss, "Entra ID").await;
    let (s, v) = scim(&app, Some(&t), Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(s, 200);
    assert_eq!(v["patch"]["supported"], true);
    assert_eq!(v["filter"]["supported"], true);
    let (s, v) = scim(&app, Some(&t), Method::GET, "/ResourceTypes", None).await;
    assert_eq!(s, 200);
    assert!(
        v["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "User")
    );
    let (s, v) = scim(&app, Some(&t), Method::GET, "/ResourceTypes/User", None).await;
    assert_eq!((s, v["endpoint"].as_str()), (200, Some("/Users")));
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::GET,
        &format!("/Schemas/{USER}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        v["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "userName")
    );
    let (s, v) = scim(&app, Some(&t), Method::GET, "/Schemas/urn:nope", None).await;
    assert_eq!(s, 404);
    scim_error(&v, "404", None);
    let (s, _) = scim(&app, Some(&t), Method::GET, "/Nothing", None).await;
    assert_eq!(s, 404);
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::POST,
        "/ServiceProviderConfig",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 405);

    // The page lists the token (never its secret again), with its last use; revoking it
    // shuts the door.
    let (_, html) = boss.get_text("/admin/scim").await;
    assert!(html.contains("Entra ID") && !html.contains(&t));
    assert!(html.contains(&format!("{}/scim/v2", app.base)));
    let id = Regex::new(r#"/admin/scim/tokens/([0-9a-f-]+)/revoke"#)
        .unwrap()
        .captures(&html)
        .unwrap()[1]
        .to_string();
    let r = boss
        .post_form(&format!("/admin/scim/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (s, v) = scim(&app, Some(&t), Method::GET, "/Users", None).await;
    assert_eq!(s, 401);
    scim_error(&v, "401", None);
    let (_, audit) = boss.get_text("/admin/audit").await;
    assert!(audit.contains("scim.token_created") && audit.contains("scim.token_revoked"));

    // Members cannot manage SCIM.
    let org = app.org_id("boss@acme.test").await;
    let (_, member) = app.member(org, "m@acme.test", "M").await;
    let r = member
        .post_form("/admin/scim/tokens", &[("name", "x")])
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn users_are_created_read_filtered_sorted_and_paged() {
    let app = spawn_app().await;
    let boss = app.setup("boss@acme.test").await;
    let t = token(&boss, "idp").await;
    let people = [
        ("Anna.Lopez", "Anna", "Lopez", "Sales", 1980, "ext-1"),
        ("bruno.martin", "Bruno", "Martin", "R&D", 1975, "ext-2"),
        ("celia_ng", "Célia", "Ng", "Sales", 1990, "EXT-3"),
        ("dan%o", "Dan", "O'Neil", "Ops", 1985, "ext-4"),
    ];
    let mut created = Vec::new();
    for (u, g, f, d, y, x) in people {
        let v = create(
            &app,
            &t,
            json!({
                "schemas": [USER, ENTERPRISE, EMBARQ],
                "userName": u,
                "externalId": x,
                "name": {"givenName": g, "familyName": f},
                "emails": [{"value": format!("{}@acme.test", u.to_lowercase().replace('%', "")), "type": "work", "primary": true}],
                ENTERPRISE: {"department": d, "employeeNumber": format!("E{y}")},
                EMBARQ: {"birthYear": y, "site": "Paris"},
            }),
        )
        .await;
        created.push(v);
    }
    let anna = &created[0];
    assert_eq!(anna["userName"], "Anna.Lopez");
    // Unassigned attributes stay unassigned (the directory still gets a display name).
    assert!(anna.get("displayName").is_none() && anna.get("active").is_none());
    assert_eq!(
        app.user("anna.lopez@acme.test").await.display_name,
        "Anna Lopez"
    );
    assert_eq!(anna[ENTERPRISE]["department"], "Sales");
    assert_eq!(anna[EMBARQ]["birthYear"], 1980);
    assert!(
        anna["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with(anna["id"].as_str().unwrap())
    );
    let id = anna["id"].as_str().unwrap();
    let (s, v) = scim(&app, Some(&t), Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["name"]["familyName"], "Lopez");
    // Provisioned members are invited members of the organization.
    let m = app.user("anna.lopez@acme.test").await;
    assert_eq!(
        (m.status.as_str(), m.birth_year, m.site.as_deref()),
        ("invited", Some(1980), Some("Paris"))
    );
    let (s, _) = scim(&app, Some(&t), Method::GET, "/Users/not-an-id", None).await;
    assert_eq!(s, 404);

    // Every operator, case-insensitive where the attribute is.
    let q = |f: &str| {
        reqwest::Url::parse_with_params("http://x/", &[("filter", f)])
            .unwrap()
            .query()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        names(&app, &t, &q(r#"userName eq "anna.lopez""#)).await,
        ["Anna.Lopez"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"USERNAME Eq "ANNA.LOPEZ""#)).await,
        ["Anna.Lopez"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"externalId eq "ext-3""#)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app, &t, &q(r#"externalId eq "EXT-3""#)).await,
        ["celia_ng"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"name.familyName co "ART""#)).await,
        ["bruno.martin"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"userName sw "b""#)).await,
        ["bruno.martin"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"userName ew "_NG""#)).await,
        ["celia_ng"]
    );
    // Values are bound, never spliced into SQL; LIKE wildcards in values are literal.
    assert!(
        names(
            &app,
            &t,
            &q(r#"userName eq "x' OR '1'='1" or displayName co "\" OR 1=1 --""#)
        )
        .await
        .is_empty()
    );
    assert_eq!(names(&app, &t, &q(r#"userName co "%""#)).await, ["dan%o"]);
    assert_eq!(
        names(&app, &t, &q(r#"userName co "_""#)).await,
        ["celia_ng"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"externalId sw "EXT""#)).await,
        ["celia_ng"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department ne "Sales""#)).await,
        ["bruno.martin", "dan%o"]
    );
    assert_eq!(
        names(
            &app,
            &t,
            &q(r#"urn:embarq:params:scim:schemas:extension:2.0:User:birthYear gt 1980"#)
        )
        .await,
        ["celia_ng", "dan%o"]
    );
    assert_eq!(names(&app, &t, &q(r#"urn:embarq:params:scim:schemas:extension:2.0:User:birthYear ge 1980 and urn:embarq:params:scim:schemas:extension:2.0:User:birthYear lt 1990"#)).await, ["Anna.Lopez", "dan%o"]);
    assert_eq!(names(&app, &t, &q(r#"urn:embarq:params:scim:schemas:extension:2.0:User:birthYear le 1975 or name.givenName eq "dan""#)).await, ["bruno.martin", "dan%o"]);
    assert_eq!(
        names(
            &app,
            &t,
            &q(r#"not (externalId pr) or userName eq "dan%o""#)
        )
        .await,
        ["dan%o"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"emails[value eq "bruno.martin@acme.test"]"#)).await,
        ["bruno.martin"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"emails.value co "celia""#)).await,
        ["celia_ng"]
    );
    assert_eq!(
        names(&app, &t, &q(r#"active eq true and title pr"#)).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app, &t, &q(&format!(r#"id eq "{id}""#))).await,
        ["Anna.Lopez"]
    );
    let since = anna["meta"]["created"].as_str().unwrap();
    assert_eq!(
        names(&app, &t, &q(&format!(r#"meta.created lt "{since}""#))).await,
        Vec::<String>::new()
    );
    for bad in [
        r#"userName eq"#,
        r#"userName zz "x""#,
        r#"(userName eq "x""#,
        r#"nickName eq "x""#,
    ] {
        let (s, v) = scim(
            &app,
            Some(&t),
            Method::GET,
            &format!("/Users?{}", q(bad)),
            None,
        )
        .await;
        assert_eq!(s, 400, "{bad}");
        scim_error(&v, "400", Some("invalidFilter"));
    }

    // Sorting and pages.
    let all = ["Anna.Lopez", "bruno.martin", "celia_ng", "dan%o"];
    assert_eq!(names(&app, &t, "sortBy=userName").await, all);
    let mut rev = all.to_vec();
    rev.reverse();
    assert_eq!(
        names(&app, &t, "sortBy=userName&sortOrder=descending").await,
        rev
    );
    assert_eq!(
        names(&app, &t, "sortBy=name.familyName&sortOrder=descending").await,
        ["dan%o", "celia_ng", "bruno.martin", "Anna.Lopez"]
    );
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::GET,
        "/Users?sortBy=userName&startIndex=2&count=2",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            v["totalResults"].as_i64(),
            v["startIndex"].as_i64(),
            v["itemsPerPage"].as_i64()
        ),
        (Some(5), Some(2), Some(2))
    );
    assert_eq!(ids(&v), ["boss@acme.test", "bruno.martin"]);
    let (_, v) = scim(&app, Some(&t), Method::GET, "/Users?count=0", None).await;
    assert_eq!(
        (
            v["totalResults"].as_i64(),
            v["Resources"].as_array().map(Vec::len)
        ),
        (Some(5), Some(0))
    );
    // Attribute projection and POST /.search.
    let (_, v) = scim(
        &app,
        Some(&t),
        Method::GET,
        &format!("/Users/{id}?attributes=userName"),
        None,
    )
    .await;
    assert!(v.get("name").is_none() && v["userName"] == "Anna.Lopez" && v["id"] == id);
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::POST,
        "/Users/.search",
        Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName sw \"c\"", "excludedAttributes": ["emails"]})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&v), ["celia_ng"]);
    assert!(v["Resources"][0].get("emails").is_none());
}

#[tokio::test]
async fn put_patch_uniqueness_and_delete() {
    let app = spawn_app().await;
    let boss = app.setup("boss@acme.test").await;
    let t = token(&boss, "idp").await;
    let v = create(&app, &t, user("jo@acme.test", "jo@acme.test")).await;
    let id = v["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");

    // Uniqueness: userName case-insensitively, e-mail across the instance.
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::POST,
        "/Users",
        Some(user("JO@acme.test", "other@acme.test")),
    )
    .await;
    assert_eq!(s, 409);
    scim_error(&v, "409", Some("uniqueness"));
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::POST,
        "/Users",
        Some(user("someone", "boss@acme.test")),
    )
    .await;
    assert_eq!(s, 409);
    // Bad input: never a 500, never half applied.
    let raw = reqwest::Client::new()
        .post(format!("{}/scim/v2/Users", app.base))
        .bearer_auth(&t)
        .header("content-type", "application/scim+json")
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    scim_error(&raw.json().await.unwrap(), "400", Some("invalidSyntax"));
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::POST,
        "/Users",
        Some(json!({"schemas": [USER]})),
    )
    .await;
    assert_eq!(s, 400);
    scim_error(&v, "400", Some("invalidValue"));
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::POST,
        "/Users",
        Some(user("x", "not-an-address")),
    )
    .await;
    assert_eq!(s, 400);

    // PUT replaces: what is not sent is cleared.
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::PUT,
        &path,
        Some(json!({
            "schemas": [USER], "userName": "jo@acme.test", "title": "Engineer",
            "name": {"givenName": "Jo", "familyName": "Doe"}, "displayName": "Jo D.",
            "emails": [{"value": "jo@acme.test", "primary": true}],
        })),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["title"].as_str(), v["displayName"].as_str()),
        (Some("Engineer"), Some("Jo D."))
    );
    let (_, v) = scim(
        &app,
        Some(&t),
        Method::PUT,
        &path,
        Some(user("jo@acme.test", "jo@acme.test")),
    )
    .await;
    assert!(v.get("title").is_none() && v.get("name").is_none(), "{v}");

    // PATCH add / replace / remove with paths, and value filters.
    let patch = |ops: Value| json!({"schemas": [PATCH_OP], "Operations": ops});
    let (s, v) = scim(&app, Some(&t), Method::PATCH, &path, Some(patch(json!([
        {"op": "add", "path": "title", "value": "Lead"},
        {"op": "add", "path": "emails", "value": [{"value": "jo.home@acme.test", "type": "home"}]},
        {"op": "replace", "path": "name.givenName", "value": "Joanna"},
    ])))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["title"], "Lead");
    assert_eq!(v["name"]["givenName"], "Joanna");
    assert_eq!(v["emails"].as_array().unwrap().len(), 2);
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::PATCH,
        &path,
        Some(patch(json!([
            {"op": "remove", "path": "emails[type eq \"home\"]"},
            {"op": "replace", "path": "emails[primary eq true].value", "value": "joanna@acme.test"},
            {"op": "remove", "path": "title"},
        ]))),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["emails"],
        json!([{"value": "joanna@acme.test", "type": "work", "primary": true}])
    );
    assert!(v.get("title").is_none());
    assert_eq!(app.user("joanna@acme.test").await.id.to_string(), id);
    // Azure AD style: capitalized op, no path, URN-qualified keys, "False" as a string.
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::PATCH,
        &path,
        Some(patch(json!([
            {"op": "Replace", "value": {
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Finance",
                "displayName": "Joanna Doe",
            }},
            {"op": "Replace", "path": "active", "value": "False"},
        ]))),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["active"], false);
    assert_eq!(v[ENTERPRISE]["department"], "Finance");
    assert_eq!(v["displayName"], "Joanna Doe");
    let (_, audit) = boss.get_text("/admin/audit").await;
    assert!(audit.contains("scim.user_deactivated"));
    // A PATCH that fails applies nothing.
    let (s, v) = scim(
        &app,
        Some(&t),
        Method::PATCH,
        &path,
        Some(patch(json!([
            {"op": "replace", "path": "title", "value": "Never"},
            {"op": "remove"},
        ]))),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    let (_, v) = scim(&app, Some(&t), Method::GET, &path, None).await;
    assert!(v.get("title").is_none());
    // Renaming onto a taken userName is a conflict.
    create(&app, &t, user("kim", "kim@acme.test")).await;
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::PATCH,
        &path,
        Some(patch(
            json!([{"op": "replace", "path": "userName", "value": "KIM"}]),
        )),
    )
    .await;
    assert_eq!(s, 409);

    // DELETE erases the account: 404 afterwards, its e-mail is free again.
    let (s, _) = scim(&app, Some(&t), Method::DELETE, &path, None).await;
    assert_eq!(s, 204);
    let (s, v) = scim(&app, Some(&t), Method::GET, &path, None).await;
    assert_eq!(s, 404);
    scim_error(&v, "404", None);
    let (s, _) = scim(&app, Some(&t), Method::DELETE, &path, None).await;
    assert_eq!(s, 404);
    create(&app, &t, user("joanna@acme.test", "joanna@acme.test")).await;
    // The organization's last manager can be neither deactivated nor deleted.
    let boss_id = app.user("boss@acme.test").await.id;
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::PATCH,
        &format!("/Users/{boss_id}"),
        Some(patch(
            json!([{"op": "replace", "path": "active", "value": false}]),
        )),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::DELETE,
        &format!("/Users/{boss_id}"),
        None,
    )
    .await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn deactivation_ends_sessions_and_mapping_feeds_the_directory() {
    let app = spawn_app_with(|c| c.webhook_allow_private = true).await;
    let boss = app.setup("boss@acme.test").await;
    let t = token(&boss, "idp").await;
    let org = app.org_id("boss@acme.test").await;
    let (uid, member) = app.member(org, "sam@acme.test", "Sam").await;
    assert_eq!(member.get("/").await.status(), 200);
    // Existing members are users too, found by userName (their e-mail).
    let (_, v) = scim(
        &app,
        Some(&t),
        Method::GET,
        "/Users?filter=userName%20eq%20%22SAM@acme.test%22",
        None,
    )
    .await;
    assert_eq!(v["Resources"][0]["id"], uid.to_string());
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::PATCH,
        &format!("/Users/{uid}"),
        Some(json!({
            "schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}],
        })),
    )
    .await;
    assert_eq!(s, 200);
    let r = member.get("/").await;
    assert_ne!(r.status(), 200, "the session was ended");
    let (s, v) = scim(&app, Some(&t), Method::GET, &format!("/Users/{uid}"), None).await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(false)));
    let (s, v) = scim(&app, Some(&t), Method::PATCH, &format!("/Users/{uid}"), Some(json!({
        "schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": "True"}],
    }))).await;
    assert_eq!((s, v["active"].as_bool()), (200, Some(true)));
    assert_eq!(
        app.user("sam@acme.test").await.status,
        embarq_domain::UserStatus::Active
    );

    // Mapping: site <- enterprise division, level <- title, birth year <- nothing.
    let r = boss
        .post_form(
            "/admin/scim/settings",
            &[
                ("site_source", &format!("{ENTERPRISE}:division")),
                ("birth_year_source", ""),
                ("level_source", "title"),
                ("group_kind", "closed"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = boss
        .post_form(
            "/admin/scim/settings",
            &[("site_source", "nickName"), ("group_kind", "closed")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let v = create(
        &app,
        &t,
        json!({
            "schemas": [USER, ENTERPRISE, EMBARQ],
            "userName": "lea@acme.test",
            "title": "Senior",
            ENTERPRISE: {"division": "Lyon plant"},
            EMBARQ: {"site": "ignored", "birthYear": 1870},
        }),
    )
    .await;
    assert_eq!(v[EMBARQ]["birthYear"], 1870, "kept as sent");
    let id = v["id"].as_str().unwrap();
    let (s, m) = api(&boss, Method::GET, &format!("/api/v1/members/{id}"), None).await;
    assert_eq!(s, 200, "{m}");
    assert_eq!(
        (m["site"].as_str(), m["level"].as_str()),
        (Some("Lyon plant"), Some("Senior"))
    );
    assert!(m["birth_year"].is_null());
    // The mapped attribute is filterable through its column; an unmapped one is refused.
    let (_, l) = scim(&app, Some(&t), Method::GET, "/Users?filter=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division%20eq%20%22lyon%20plant%22", None).await;
    assert_eq!(ids(&l), ["lea@acme.test"]);
    let (s, _) = scim(
        &app,
        Some(&t),
        Method::GET,
        "/Users?filter=urn:embarq:params:scim:schemas:extension:2.0:User:site%20eq%20%22x%22",
        None,
    )
    .await;
    assert_eq!(s, 400);
    // No invitation mail while the setting is off...
    assert!(app.outbox_to("lea@acme.test").await.is_empty());
    // ...one when it is on; the member.invited webhook fires either way.
    let r = boss
        .post_form(
            "/admin/webhooks",
            &[
                ("url", "http://127.0.0.1:9/hook"),
                ("events", "member.invited"),
            ],
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = boss
        .post_form(
            "/admin/scim/settings",
            &[
                ("site_source", DEFAULT_SITE),
                ("birth_year_source", ""),
                ("level_source", ""),
                ("group_kind", "open"),
                ("send_invitations", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    create(&app, &t, user("noa@acme.test", "noa@acme.test")).await;
    assert_eq!(app.mail_links("noa@acme.test").await.len(), 1);
    let (_, html) = boss.get_text("/admin/webhooks").await;
    let hook_id = Regex::new(r#"/admin/webhooks/([0-9a-f-]+)""#)
        .unwrap()
        .captures(&html)
        .unwrap()[1]
        .to_string();
    let (_, log) = boss.get_text(&format!("/admin/webhooks/{hook_id}")).await;
    // The delivery log lists one row per delivery (not the subscribed events' line).
    let table = log.split(r#"id="deliveries""#).nth(1).unwrap_or_default();
    assert!(table.contains("<code>member.invited</code>"), "{log}");
    let (_, page) = boss.get_text("/admin/scim").await;
    assert!(page.contains(r#"<option value="open" selected>"#));
}

#[tokio::test]
async fn organizations_are_isolated() {
    let app = spawn_app().await;
    let boss = app.setup("boss@acme.test").await;
    let ta = token(&boss, "a").await;
    app.other_org("Globex", "hank@globex.test").await;
    let hank = app.login("hank@globex.test").await;
    let tb = token(&hank, "b").await;
    let b_user = create(&app, &tb, user("zed@globex.test", "zed@globex.test")).await;
    let bid = b_user["id"].as_str().unwrap();
    let (s, _) = scim(&app, Some(&ta), Method::GET, &format!("/Users/{bid}"), None).await;
    assert_eq!(s, 404);
    let (s, _) = scim(
        &app,
        Some(&ta),
        Method::PUT,
        &format!("/Users/{bid}"),
        Some(user("zed@globex.test", "zed@globex.test")),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = scim(
        &app,
        Some(&ta),
        Method::DELETE,
        &format!("/Users/{bid}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (_, l) = scim(
        &app,
        Some(&ta),
        Method::GET,
        "/Users?filter=userName%20eq%20%22zed@globex.test%22",
        None,
    )
    .await;
    assert_eq!(l["totalResults"], 0);
    let (_, l) = scim(&app, Some(&ta), Method::GET, "/Users", None).await;
    assert_eq!(ids(&l), ["boss@acme.test"]);
    // A manager of another organization cannot be referenced.
    let (s, _) = scim(&app, Some(&ta), Method::POST, "/Users", Some(json!({
        "schemas": [USER, ENTERPRISE], "userName": "x@acme.test", ENTERPRISE: {"manager": {"value": bid}},
    }))).await;
    assert_eq!(s, 400);
    // The same userName may exist in both organizations (e-mails stay unique).
    let (s, _) = scim(
        &app,
        Some(&ta),
        Method::POST,
        "/Users",
        Some(user("zed@globex.test", "zed2@acme.test")),
    )
    .await;
    assert_eq!(s, 201);
}

/// A CSV import naming an address another member holds as SCIM userName refuses that row
/// with a clear error instead of failing the whole import on the unique index.
#[tokio::test]
async fn import_refuses_an_address_held_as_a_scim_user_name() {
    let app = spawn_app().await;
    let boss = app.setup("boss@acme.test").await;
    let t = token(&boss, "Okta").await;
    create(&app, &t, user("bob@acme.test", "robert@acme.test")).await;
    let r = boss
        .client
        .post(boss.url("/api/v1/members/import?dry_run=false"))
        .header("x-csrf-token", &boss.csrf)
        .header("content-type", "text/csv")
        .body("email\nbob@acme.test\ncarol@acme.test\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v.to_string().contains("email_taken"), "{v}");
    let (_, list) = api(&boss, Method::GET, "/api/v1/members", None).await;
    let emails: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"carol@acme.test"), "{emails:?}");
    assert!(!emails.contains(&"bob@acme.test"), "{emails:?}");
}
