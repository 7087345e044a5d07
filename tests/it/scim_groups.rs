//! SCIM Groups (spheres created by SCIM) and Bulk, over HTTP with a SCIM bearer token.
use embarq_domain::{OrgId, SphereId, UserId};
use embarq_testkit::{TestApp, api, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

async fn token(app: &TestApp, org: OrgId) -> String {
    let t = format!("scim-test-{}", uuid::Uuid::new_v4().simple());
    app.db
        .scim_create_token(
            org,
            "tests",
            &embarq_web::auth::token_hash(&t),
            None,
            |_| Default::default(),
        )
        .await
        .unwrap();
    t
}

/// Calls /scim/v2 with the token; the body as JSON (`Null` when empty).
async fn scim(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .request(method, format!("{}/scim/v2{path}", app.base))
        .bearer_auth(token);
    if let Some(b) = body {
        r = r
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn member_values(g: &Value) -> Vec<String> {
    let mut v: Vec<String> = g["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn sorted(ids: &[UserId]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn scim_group_is_a_sphere_whose_members_follow_the_group() {
    let app = spawn_app().await;
    let _mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob, bob_b) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol, carol_b) = app.member(org, "carol@acme.test", "Carol").await;
    let (dan, dan_b) = app.member(org, "dan@acme.test", "Dan").await;
    let t = token(&app, org).await;

    let (s, g) = scim(
        &app,
        &t,
        Method::POST,
        "/Groups",
        Some(
            json!({"schemas": [GROUP], "displayName": "Finance", "externalId": "fin-1",
            "members": [{"value": bob.to_string()}, {"value": carol.to_string()}]}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_str().unwrap().to_string();
    assert_eq!(g["displayName"], "Finance");
    assert_eq!(g["externalId"], "fin-1");
    assert_eq!(g["meta"]["resourceType"], "Group");
    assert!(g["meta"]["location"].as_str().unwrap().ends_with(&id));
    assert_eq!(member_values(&g), sorted(&[bob, carol]));
    assert_eq!(g["members"][0]["type"], "User");

    // A closed sphere (the default kind) its members see as theirs in the API.
    let (s, sphere) = api(&bob_b, Method::GET, &format!("/api/v1/spheres/{id}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(sphere["name"], "Finance");
    assert_eq!(sphere["kind"], "closed");
    assert_eq!(sphere["my_role"], "member");
    let (_, dan_view) = api(&dan_b, Method::GET, &format!("/api/v1/spheres/{id}"), None).await;
    assert_eq!(dan_view["my_role"], Value::Null);

    // PATCH add (Okta style) and remove by filter (Azure/Okta style).
    let (s, _) = scim(
        &app,
        &t,
        Method::PATCH,
        &format!("/Groups/{id}"),
        Some(json!({"schemas": [PATCH], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": dan.to_string()}]}]})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, dan_view) = api(&dan_b, Method::GET, &format!("/api/v1/spheres/{id}"), None).await;
    assert_eq!(dan_view["my_role"], "member");
    let (s, _) = scim(
        &app,
        &t,
        Method::PATCH,
        &format!("/Groups/{id}"),
        Some(json!({"schemas": [PATCH], "Operations": [
            {"op": "remove", "path": format!("members[value eq \"{bob}\"]")}]})),
    )
    .await;
    assert_eq!(s, 204);
    let (_, bob_view) = api(&bob_b, Method::GET, &format!("/api/v1/spheres/{id}"), None).await;
    assert_eq!(bob_view["my_role"], Value::Null);
    let (_, members) = api(
        &carol_b,
        Method::GET,
        &format!("/api/v1/spheres/{id}/members"),
        None,
    )
    .await;
    let mut in_sphere: Vec<String> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap().to_string())
        .collect();
    in_sphere.sort();
    assert_eq!(in_sphere, sorted(&[carol, dan]));

    // Azure's remove with a value, and a rename through a path-less replace, in one PATCH;
    // with `attributes` the PATCH answers 200 and the Group.
    let (s, g) = scim(
        &app,
        &t,
        Method::PATCH,
        &format!("/Groups/{id}?attributes=displayName,members"),
        Some(json!({"schemas": [PATCH], "Operations": [
            {"op": "Remove", "path": "members", "value": [{"value": carol.to_string()}]},
            {"op": "Replace", "value": {"displayName": "Finance & Control"}}]})),
    )
    .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["displayName"], "Finance & Control");
    assert_eq!(member_values(&g), sorted(&[dan]));
    assert!(g.get("externalId").is_none(), "not asked for: {g}");

    // PUT replaces the whole member list.
    let (s, g) = scim(
        &app,
        &t,
        Method::PUT,
        &format!("/Groups/{id}"),
        Some(json!({"schemas": [GROUP], "displayName": "Finance",
            "members": [{"value": bob.to_string()}]})),
    )
    .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(member_values(&g), sorted(&[bob]));
    assert!(
        g.get("externalId").is_none(),
        "PUT without externalId clears it"
    );
    // A member's display name is returned on request only.
    assert!(g["members"][0].get("display").is_none(), "{g}");
    let (_, g) = scim(
        &app,
        &t,
        Method::GET,
        &format!("/Groups/{id}?attributes=members.display"),
        None,
    )
    .await;
    assert_eq!(g["members"][0]["display"], "Bob", "{g}");
    assert_eq!(
        api(&dan_b, Method::GET, &format!("/api/v1/spheres/{id}"), None)
            .await
            .1["my_role"],
        Value::Null
    );

    // Refusals: a malformed member, a member of nobody, an empty name, an unknown op.
    for body in [
        json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": "nope"}]}]}),
        json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": uuid::Uuid::now_v7().to_string()}]}]}),
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": ""}]}),
    ] {
        let (s, e) = scim(
            &app,
            &t,
            Method::PATCH,
            &format!("/Groups/{id}"),
            Some(body),
        )
        .await;
        assert_eq!(s, 400, "{e}");
        assert_eq!(e["scimType"], "invalidValue", "{e}");
    }
    let (s, e) = scim(
        &app,
        &t,
        Method::PATCH,
        &format!("/Groups/{id}"),
        Some(json!({"schemas": [PATCH], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": carol.to_string()}]},
            {"op": "add", "path": "members", "value": [{"value": "bad"}]}]})),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    // Nothing of a refused PATCH is applied.
    let (_, g) = scim(&app, &t, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(member_values(&g), sorted(&[bob]));
    assert_eq!(g["displayName"], "Finance");

    // DELETE: the Group is gone, the sphere and its members stay (content is kept).
    let (s, _) = scim(&app, &t, Method::DELETE, &format!("/Groups/{id}"), None).await;
    assert_eq!(s, 204);
    let (s, e) = scim(&app, &t, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(s, 404, "{e}");
    let (s, _) = scim(&app, &t, Method::DELETE, &format!("/Groups/{id}"), None).await;
    assert_eq!(s, 404);
    let (s, sphere) = api(&bob_b, Method::GET, &format!("/api/v1/spheres/{id}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(sphere["my_role"], "member");
    // Creation and removal are in the audit log.
    let actions: Vec<String> = app
        .db
        .audit_actions(org, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.starts_with("scim.group"))
        .collect();
    assert!(
        actions.contains(&"scim.group_created".to_string())
            && actions.contains(&"scim.group_deleted".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn scim_groups_filter_sort_page_and_project() {
    let app = spawn_app().await;
    app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob, _) = app.member(org, "bob@acme.test", "Bob").await;
    let t = token(&app, org).await;
    let mut ids = Vec::new();
    for (name, ext, members) in [
        ("Sales France", "s-fr", vec![bob]),
        ("Sales Spain", "s-es", vec![]),
        ("Engineering", "eng", vec![bob]),
    ] {
        let members: Vec<Value> = members
            .iter()
            .map(|m| json!({"value": m.to_string()}))
            .collect();
        let (s, g) = scim(
            &app,
            &t,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": name, "externalId": ext, "members": members})),
        )
        .await;
        assert_eq!(s, 201, "{g}");
        ids.push(g["id"].as_str().unwrap().to_string());
    }
    let names = |list: &Value| -> Vec<String> {
        list["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["displayName"].as_str().unwrap().to_string())
            .collect()
    };
    let q = |f: &str| format!("/Groups?filter={}", urlencode(f));
    let (s, l) = scim(
        &app,
        &t,
        Method::GET,
        &q("displayName eq \"sales france\""),
        None,
    )
    .await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(names(&l), ["Sales France"]);
    assert_eq!(l["totalResults"], 1);
    let (_, l) = scim(&app, &t, Method::GET, &q("externalId eq \"eng\""), None).await;
    assert_eq!(names(&l), ["Engineering"]);
    // externalId is case-exact.
    let (_, l) = scim(&app, &t, Method::GET, &q("externalId eq \"ENG\""), None).await;
    assert_eq!(l["totalResults"], 0);
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        &q(&format!("id eq \"{}\"", ids[1])),
        None,
    )
    .await;
    assert_eq!(names(&l), ["Sales Spain"]);
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        &format!(
            "{}&sortBy=displayName",
            q(&format!("members.value eq \"{bob}\""))
        ),
        None,
    )
    .await;
    assert_eq!(names(&l), ["Engineering", "Sales France"]);
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        &format!(
            "{}&sortBy=displayName&sortOrder=descending",
            q("displayName sw \"sales\" and not (members pr)")
        ),
        None,
    )
    .await;
    assert_eq!(names(&l), ["Sales Spain"]);
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        &q("meta.created ge \"2000-01-01T00:00:00Z\" and meta.lastModified gt \"2000-01-01T00:00:00Z\""),
        None,
    )
    .await;
    assert_eq!(l["totalResults"], 3);

    // Pagination (1-based) and projection.
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        "/Groups?sortBy=displayName&startIndex=2&count=1&excludedAttributes=members",
        None,
    )
    .await;
    assert_eq!(l["totalResults"], 3);
    assert_eq!(l["startIndex"], 2);
    assert_eq!(l["itemsPerPage"], 1);
    assert_eq!(names(&l), ["Sales France"]);
    assert!(l["Resources"][0].get("members").is_none(), "{l}");
    assert!(l["Resources"][0].get("externalId").is_some());
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        "/Groups?attributes=displayName&count=0",
        None,
    )
    .await;
    assert_eq!(l["totalResults"], 3);
    assert_eq!(l["Resources"].as_array().unwrap().len(), 0);
    let (_, g) = scim(
        &app,
        &t,
        Method::GET,
        &format!("/Groups/{}?attributes=displayName", ids[0]),
        None,
    )
    .await;
    assert_eq!(g["displayName"], "Sales France");
    assert!(
        g.get("members").is_none() && g.get("externalId").is_none(),
        "{g}"
    );
    assert_eq!(g["id"], ids[0]);

    // POST .search.
    let (s, l) = scim(
        &app,
        &t,
        Method::POST,
        "/Groups/.search",
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "displayName co \"spain\"", "excludedAttributes": ["members"]}),
        ),
    )
    .await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(names(&l), ["Sales Spain"]);

    // Bad filters and sorts.
    for bad in [
        q("displayName eq"),
        q("title eq \"x\""),
        "/Groups?sortBy=members".to_string(),
        "/Groups?sortOrder=sideways".to_string(),
    ] {
        let (s, e) = scim(&app, &t, Method::GET, &bad, None).await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(
            e["scimType"] == "invalidFilter" || e["scimType"] == "invalidValue",
            "{e}"
        );
    }
}

fn urlencode(s: &str) -> String {
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
async fn scim_groups_stay_within_their_organization() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob, bob_b) = app.member(org, "bob@acme.test", "Bob").await;
    let other = app.other_org("Globex", "gina@globex.test").await;
    let gina = app.user("gina@globex.test").await.id;
    let t = token(&app, org).await;
    let t_other = token(&app, other).await;

    // A member from another organization is refused.
    let (s, e) = scim(
        &app,
        &t,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "Mixed", "members": [{"value": gina.to_string()}]})),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["scimType"], "invalidValue");

    // Spheres made in embarq (even secret ones) are not Groups.
    let secret = mgr.create_sphere("Board", "secret").await;
    let secret_id = embarq_testkit::last_id(&secret);
    let (s, _) = scim(&app, &t, Method::GET, &format!("/Groups/{secret_id}"), None).await;
    assert_eq!(s, 404);
    let (_, l) = scim(&app, &t, Method::GET, "/Groups", None).await;
    assert_eq!(l["totalResults"], 0, "{l}");

    // With the organization's SCIM settings asking for secret spheres, the Group is a secret
    // sphere: its members see it, nobody else does.
    let mut settings = app.db.scim_settings(org).await.unwrap();
    settings.group_kind = "secret".into();
    app.db
        .set_scim_settings(org, &settings, &Default::default())
        .await
        .unwrap();
    let (s, g) = scim(
        &app,
        &t,
        Method::POST,
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "Secret project", "members": [{"value": bob.to_string()}]})),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    let id = g["id"].as_str().unwrap();
    assert_eq!(
        api(&bob_b, Method::GET, &format!("/api/v1/spheres/{id}"), None)
            .await
            .1["kind"],
        "secret"
    );
    let (_, carol_b) = app.member(org, "carol@acme.test", "Carol").await;
    let (s, _) = api(
        &carol_b,
        Method::GET,
        &format!("/api/v1/spheres/{id}"),
        None,
    )
    .await;
    assert_eq!(s, 404);

    // Another organization's token sees none of it and changes nothing.
    let (s, _) = scim(&app, &t_other, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(s, 404);
    let (_, l) = scim(&app, &t_other, Method::GET, "/Groups", None).await;
    assert_eq!(l["totalResults"], 0);
    for (m, body) in [
        (
            Method::PUT,
            Some(json!({"schemas": [GROUP], "displayName": "Taken"})),
        ),
        (
            Method::PATCH,
            Some(
                json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": gina.to_string()}]}]}),
            ),
        ),
        (Method::DELETE, None),
    ] {
        let (s, _) = scim(&app, &t_other, m, &format!("/Groups/{id}"), body).await;
        assert_eq!(s, 404);
    }
    let (_, g) = scim(&app, &t, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(g["displayName"], "Secret project");
    assert_eq!(member_values(&g), sorted(&[bob]));
    // Without a token, nothing.
    let (s, _) = scim(&app, "wrong", Method::GET, "/Groups", None).await;
    assert_eq!(s, 401);
}

fn bulk_user(bulk_id: &str, name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": {
        "schemas": [USER], "userName": format!("{name}@acme.test"),
        "name": {"givenName": name, "familyName": "Bulk"},
        "emails": [{"value": format!("{name}@acme.test"), "primary": true}]}})
}

#[tokio::test]
async fn scim_bulk_resolves_bulk_ids_and_stops_on_errors() {
    let app = spawn_app().await;
    app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let t = token(&app, org).await;

    // The group comes first and names users created later in the same request.
    let (s, r) = scim(
        &app,
        &t,
        Method::POST,
        "/Bulk",
        Some(json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
                "schemas": [GROUP], "displayName": "Bulk team",
                "members": [{"value": "bulkId:u1"}, {"value": "bulkId:u2"}]}},
            bulk_user("u1", "ursula"),
            bulk_user("u2", "ulrich"),
            {"method": "PATCH", "path": "/Groups/bulkId:g1", "data": {"schemas": [PATCH], "Operations": [
                {"op": "remove", "path": "members[value eq \"bulkId:u2\"]"}]}},
        ]})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        r["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    let ops = r["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 4, "{r}");
    assert_eq!(ops[0]["bulkId"], "g1");
    assert_eq!(ops[0]["status"], "201", "{r}");
    assert_eq!(ops[1]["status"], "201", "{r}");
    assert_eq!(ops[2]["status"], "201", "{r}");
    assert!(
        ops[3]["status"] == "204" || ops[3]["status"] == "200",
        "{r}"
    );
    let group_loc = ops[0]["location"].as_str().unwrap();
    let group_id = group_loc.rsplit('/').next().unwrap();
    let ursula = ops[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let (_, g) = scim(&app, &t, Method::GET, &format!("/Groups/{group_id}"), None).await;
    assert_eq!(member_values(&g), vec![ursula.to_string()]);
    let ursula_db = app.user("ursula@acme.test").await;
    assert_eq!(ursula_db.id.to_string(), ursula);

    // failOnErrors: 1 stops after the first failure; later operations are not run.
    let (s, r) = scim(
        &app,
        &t,
        Method::POST,
        "/Bulk",
        Some(json!({"schemas": [BULK], "failOnErrors": 1, "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "bad", "data": {"schemas": [GROUP], "displayName": ""}},
            bulk_user("u3", "never"),
        ]})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let ops = r["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), 1, "{r}");
    assert_eq!(ops[0]["status"], "400");
    assert_eq!(ops[0]["response"]["scimType"], "invalidValue");
    assert!(
        app.db
            .user_by_email("never@acme.test")
            .await
            .unwrap()
            .is_none()
    );

    // Without failOnErrors, every operation runs; one naming a failed bulkId fails too.
    let (_, r) = scim(
        &app,
        &t,
        Method::POST,
        "/Bulk",
        Some(json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "bad", "data": {"schemas": [GROUP], "displayName": ""}},
            {"method": "PATCH", "path": "/Groups/bulkId:bad", "data": {"schemas": [PATCH], "Operations": [
                {"op": "replace", "path": "displayName", "value": "x"}]}},
            {"method": "DELETE", "path": format!("/Groups/{group_id}")},
            {"method": "DELETE", "path": "/Groups/bulkId:nowhere"},
        ]})),
    )
    .await;
    let ops = r["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["400", "409", "204", "409"], "{r}");
    let (s, _) = scim(&app, &t, Method::GET, &format!("/Groups/{group_id}"), None).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn scim_bulk_refuses_malformed_and_oversized_requests() {
    let app = spawn_app().await;
    app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let t = token(&app, org).await;
    let (_, config) = scim(&app, &t, Method::GET, "/ServiceProviderConfig", None).await;
    let max_ops = config["bulk"]["maxOperations"].as_u64().unwrap() as usize;
    let max_payload = config["bulk"]["maxPayloadSize"].as_u64().unwrap() as usize;
    assert!(config["bulk"]["supported"].as_bool().unwrap());

    for body in [
        json!({"Operations": []}),
        json!({"schemas": [BULK]}),
        json!({"schemas": [BULK], "Operations": {"method": "POST"}}),
        json!({"schemas": [BULK], "Operations": [{"method": "GET", "path": "/Users"}]}),
        json!({"schemas": [BULK], "Operations": ["nope"]}),
        json!({"schemas": [BULK], "failOnErrors": -1, "Operations": []}),
        json!({"schemas": [BULK], "Operations": [bulk_user("same", "a"), bulk_user("same", "b")]}),
    ] {
        let (s, e) = scim(&app, &t, Method::POST, "/Bulk", Some(body.clone())).await;
        assert_eq!(s, 400, "{body}: {e}");
        assert_eq!(e["scimType"], "invalidSyntax", "{e}");
    }
    let r = reqwest::Client::new()
        .post(format!("{}/scim/v2/Bulk", app.base))
        .bearer_auth(&t)
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Per-operation problems are reported per operation.
    let (s, r) = scim(
        &app,
        &t,
        Method::POST,
        "/Bulk",
        Some(json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "data": {"schemas": [GROUP], "displayName": "No bulkId"}},
            {"method": "POST", "path": "/Bulk", "bulkId": "x", "data": {}},
            {"method": "PUT", "path": "/Groups", "data": {}},
        ]})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    for o in r["Operations"].as_array().unwrap() {
        assert_eq!(o["status"], "400", "{r}");
    }
    let (_, l) = scim(&app, &t, Method::GET, "/Groups", None).await;
    assert_eq!(l["totalResults"], 0);

    // Limits: too many operations, too large a payload: 413 and nothing done.
    let many: Vec<Value> = (0..=max_ops)
        .map(|i| json!({"method": "DELETE", "path": format!("/Groups/{i}")}))
        .collect();
    let (s, e) = scim(
        &app,
        &t,
        Method::POST,
        "/Bulk",
        Some(json!({"schemas": [BULK], "Operations": many})),
    )
    .await;
    assert_eq!(s, 413, "{e}");
    assert_eq!(e["status"], "413");
    let big = "x".repeat(max_payload);
    let (s, _) = scim(
        &app,
        &t,
        Method::POST,
        "/Bulk",
        Some(json!({"schemas": [BULK], "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "big", "data": {"schemas": [GROUP], "displayName": big}}]})),
    )
    .await;
    assert_eq!(s, 413);
    let (_, l) = scim(&app, &t, Method::GET, "/Groups", None).await;
    assert_eq!(l["totalResults"], 0);
}

#[tokio::test]
async fn scim_group_membership_changes_are_set_based_beyond_one_statement() {
    let app = spawn_app().await;
    app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let t = token(&app, org).await;
    // More people than one statement binds (500), straight into the directory.
    let mut people = Vec::new();
    for i in 0..1203 {
        let id = app
            .db
            .create_member(&embarq_store::NewMember {
                org_id: org,
                email: format!("p{i}@acme.test"),
                display_name: format!("Person {i}"),
                password_hash: None,
                org_role: embarq_domain::OrgRole::Member,
                status: embarq_domain::UserStatus::Active,
            })
            .await
            .unwrap();
        people.push(id);
    }
    let members: Vec<Value> = people[..1200]
        .iter()
        .map(|p| json!({"value": p.to_string()}))
        .collect();
    let (s, g) = scim(
        &app,
        &t,
        Method::POST,
        "/Groups?excludedAttributes=members",
        Some(json!({"schemas": [GROUP], "displayName": "Everyone", "members": members})),
    )
    .await;
    assert_eq!(s, 201, "{g}");
    assert!(g.get("members").is_none());
    let id = g["id"].as_str().unwrap().to_string();
    let count = |app: &TestApp, id: &str| {
        let id = embarq_domain::parse_as::<SphereId>(id).unwrap();
        let db = app.db.clone();
        async move { db.sphere_members(id).await.unwrap().len() }
    };
    assert_eq!(count(&app, &id).await, 1200);

    // Remove 700 (Azure style, one operation) and add 3 more, in one PATCH.
    let gone: Vec<Value> = people[..700]
        .iter()
        .map(|p| json!({"value": p.to_string()}))
        .collect();
    let added: Vec<Value> = people[1200..]
        .iter()
        .map(|p| json!({"value": p.to_string()}))
        .collect();
    let (s, _) = scim(
        &app,
        &t,
        Method::PATCH,
        &format!("/Groups/{id}"),
        Some(json!({"schemas": [PATCH], "Operations": [
            {"op": "remove", "path": "members", "value": gone},
            {"op": "add", "path": "members", "value": added}]})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(count(&app, &id).await, 503);
    let (_, g) = scim(&app, &t, Method::GET, &format!("/Groups/{id}"), None).await;
    let mut expected: Vec<UserId> = people[700..].to_vec();
    expected.sort();
    assert_eq!(member_values(&g), sorted(&expected));
    // The list's membership filter sees the change.
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        &format!(
            "/Groups?excludedAttributes=members&filter={}",
            urlencode(&format!("members.value eq \"{}\"", people[1202]))
        ),
        None,
    )
    .await;
    assert_eq!(l["totalResults"], 1, "{l}");
    let (_, l) = scim(
        &app,
        &t,
        Method::GET,
        &format!(
            "/Groups?filter={}",
            urlencode(&format!("members.value eq \"{}\"", people[0]))
        ),
        None,
    )
    .await;
    assert_eq!(l["totalResults"], 0, "{l}");
}
