//! Sign-in with OpenID Connect: settings validation (managers only, https unless the switch,
//! discovery failures explained, secret write-only and audited without it), sign-in states
//! (forged, expired, replayed, not bound to the browser: refused with a page, never a 500),
//! and the rules of "local passwords off". The full flow against a real provider is
//! e2e/oidc.test.mjs.
use embarq_store::{AuditFilter, OidcSettings, now_ms};
use embarq_testkit::{Browser, PASSWORD, TestApp, spawn_app, spawn_app_with};
use embarq_web::auth::token_hash;

const MANAGER: &str = "alice@acme.test";
/// A port nothing listens on: discovery there fails fast.
const DEAD_ISSUER: &str = "http://127.0.0.1:9";

fn settings(org_id: embarq_domain::OrgId, passwords_disabled: bool) -> OidcSettings {
    OidcSettings {
        org_id,
        enabled: 1,
        issuer: DEAD_ISSUER.into(),
        client_id: "embarq".into(),
        client_secret: Some("s3cret-value".into()),
        scopes: "openid email profile".into(),
        claim_department: Some("department".into()),
        claim_site: None,
        claim_level: None,
        claim_display_name: None,
        jit_create: 1,
        link_by_email: 1,
        allowed_domains: String::new(),
        passwords_disabled: i64::from(passwords_disabled),
        updated_at: now_ms(),
    }
}

async fn post_en(b: &Browser, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    let r = b
        .client
        .post(b.url(path))
        .header("accept-language", "en")
        .form(&all)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn form<'a>(issuer: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("issuer", issuer),
        ("client_id", "embarq"),
        ("client_secret", "s3cret-value"),
        ("scopes", "openid email profile"),
        ("claim_department", "department"),
        ("action", "save"),
    ];
    f.extend_from_slice(extra);
    f
}

#[tokio::test]
async fn settings_are_validated_and_kept_for_managers_only() {
    let app = spawn_app().await;
    let boss = app.setup(MANAGER).await;
    let org = app.org_id(MANAGER).await;

    // Not a URL, then plain http without EMBARQ_OIDC_ALLOW_HTTP: refused, nothing saved.
    let (s, html) = post_en(
        &boss,
        "/admin/sso",
        &form("not a url", &[("enabled", "on")]),
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("Issuer URL: must be a web address"), "{html}");
    let (s, html) = post_en(
        &boss,
        "/admin/sso",
        &form(DEAD_ISSUER, &[("enabled", "on")]),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Issuer URL: must be a secure address starting with https://"),
        "{html}"
    );
    assert!(!html.contains("s3cret-value"), "the secret is never echoed");
    assert!(app.db.oidc_settings(org).await.unwrap().is_none());

    // Members cannot see or change the settings.
    let (_, member) = app.member(org, "bob@acme.test", "Bob").await;
    assert_eq!(member.get("/admin/sso").await.status(), 403);
    let (s, _) = post_en(&member, "/admin/sso", &form("https://idp.example", &[])).await;
    assert_eq!(s, 403);

    // Saved while disabled (no discovery needed): the secret is stored, never shown, and
    // kept when the field is left empty; the audit entry leaves it out.
    let loc = boss
        .post_redirect("/admin/sso", &form("https://idp.example", &[]))
        .await;
    assert_eq!(loc, "/admin/sso?saved=1");
    let saved = app.db.oidc_settings(org).await.unwrap().unwrap();
    assert_eq!(saved.enabled, 0);
    assert_eq!(saved.client_secret.as_deref(), Some("s3cret-value"));
    let (_, page) = boss.get_text("/admin/sso").await;
    assert!(page.contains("https://idp.example") && !page.contains("s3cret-value"));
    assert!(
        page.contains(&format!("{}/sso/callback", app.base)),
        "redirect URI shown"
    );
    let mut keep = form("https://idp2.example", &[]);
    keep.retain(|(k, _)| *k != "client_secret");
    boss.post_redirect("/admin/sso", &keep).await;
    let saved = app.db.oidc_settings(org).await.unwrap().unwrap();
    assert_eq!(saved.issuer, "https://idp2.example");
    assert_eq!(saved.client_secret.as_deref(), Some("s3cret-value"));
    let audit = app
        .db
        .audit_entries(&AuditFilter {
            action: Some("sso.settings_changed".into()),
            ..embarq_store::AuditFilter::of(org, 50)
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert!(
        audit.iter().all(|a| !a.details.contains("s3cret")),
        "{:?}",
        audit[0].details
    );
    assert!(audit.iter().any(|a| a.details.contains("idp2.example")));

    // Bad domains and scopes are field errors.
    let (s, html) = post_en(
        &boss,
        "/admin/sso",
        &form(
            "https://idp.example",
            &[("allowed_domains", "acme.test not_a domain!")],
        ),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Allowed e-mail domains"), "{html}");
}

#[tokio::test]
async fn discovery_failures_are_explained_when_http_is_allowed() {
    let app = spawn_app_with(|c| c.oidc_allow_http = true).await;
    let boss = app.setup(MANAGER).await;
    let org = app.org_id(MANAGER).await;
    for action in ["test", "save"] {
        let mut f = form(DEAD_ISSUER, &[("enabled", "on")]);
        f.retain(|(k, _)| *k != "action");
        f.push(("action", action));
        let (s, html) = post_en(&boss, "/admin/sso", &f).await;
        assert_eq!(s, 422, "{action}: {html}");
        assert!(
            html.contains("The provider could not be reached"),
            "{action}: {html}"
        );
    }
    assert!(
        app.db.oidc_settings(org).await.unwrap().is_none(),
        "nothing saved"
    );
}

/// A sign-in in flight written straight to the store: (state, browser secret).
async fn pending(app: &TestApp, org: embarq_domain::OrgId) -> (String, String) {
    let (state, browser) = (
        embarq_web::auth::random_token(),
        embarq_web::auth::random_token(),
    );
    app.db
        .create_oidc_state(
            &token_hash(&state),
            &token_hash(&browser),
            org,
            "nonce",
            "verifier-verifier-verifier-verifier-verifier-verifier",
            "/",
            10 * 60 * 1000,
        )
        .await
        .unwrap();
    (state, browser)
}

async fn callback(app: &TestApp, query: &str, cookie: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = client
        .get(format!("{}/sso/callback?{query}", app.base))
        .header("accept-language", "en");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("embarq_sso={c}"));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    assert!(
        r.headers().get("location").is_none(),
        "a refused callback never signs in"
    );
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn forged_expired_replayed_and_unbound_states_are_refused() {
    let app = spawn_app().await;
    app.setup(MANAGER).await;
    let org = app.org_id(MANAGER).await;
    app.db
        .save_oidc_settings(&settings(org, false), &Default::default())
        .await
        .unwrap();
    let invalid = "This sign-in link is not valid or was already used";

    // Forged: a state the server never issued.
    let (_, browser) = pending(&app, org).await;
    let (s, html) = callback(&app, "code=abc&state=forged-state", Some(&browser)).await;
    assert_eq!(s, 403);
    assert!(html.contains(invalid), "{html}");
    // No state at all.
    let (s, html) = callback(&app, "code=abc", Some(&browser)).await;
    assert_eq!(s, 403);
    assert!(html.contains(invalid));

    // Missing cookie: refused, and the state is spent (a replay with the cookie fails too).
    let (state, browser) = pending(&app, org).await;
    let (s, html) = callback(&app, &format!("code=abc&state={state}"), None).await;
    assert_eq!(s, 403);
    assert!(html.contains(invalid));
    let (s, _) = callback(&app, &format!("code=abc&state={state}"), Some(&browser)).await;
    assert_eq!(s, 403, "replayed");

    // Another browser's cookie.
    let (state, _) = pending(&app, org).await;
    let (_, other) = pending(&app, org).await;
    let (s, html) = callback(&app, &format!("code=abc&state={state}"), Some(&other)).await;
    assert_eq!(s, 403);
    assert!(html.contains(invalid));

    // Expired (moved into the past rather than waited for).
    let (state, browser) = pending(&app, org).await;
    app.db
        .set_oidc_state_expiry(&token_hash(&state), now_ms() - 1)
        .await
        .unwrap();
    let (s, html) = callback(&app, &format!("code=abc&state={state}"), Some(&browser)).await;
    assert_eq!(s, 403);
    assert!(html.contains("took too long and expired"), "{html}");

    // The provider refused (error=access_denied).
    let (state, browser) = pending(&app, org).await;
    let (s, html) = callback(
        &app,
        &format!("error=access_denied&state={state}"),
        Some(&browser),
    )
    .await;
    assert_eq!(s, 403);
    assert!(html.contains("did not let you sign in"), "{html}");

    // A valid state, but the provider cannot confirm the code: a clear page, not a 500.
    let (state, browser) = pending(&app, org).await;
    let (s, html) = callback(&app, &format!("code=abc&state={state}"), Some(&browser)).await;
    assert_eq!(s, 502);
    assert!(html.contains("could not confirm who you are"), "{html}");
    assert!(html.contains("href=\"/login\""));
}

#[tokio::test]
async fn starting_sso_needs_an_enabled_provider() {
    let app = spawn_app().await;
    app.setup(MANAGER).await;
    let org = app.org_id(MANAGER).await;
    let b = app.browser();
    let (s, html) = b.get_text(&format!("/sso/{org}/start")).await;
    assert_eq!(s, 403);
    assert!(
        html.contains("SSO") || html.contains("authentification unique"),
        "{html}"
    );
    // Enabled but unreachable: the provider error page, and no state left behind to reuse.
    app.db
        .save_oidc_settings(&settings(org, false), &Default::default())
        .await
        .unwrap();
    let (s, _) = b.get_text(&format!("/sso/{org}/start")).await;
    assert_eq!(s, 502);
    let login = b.get_in("/login", "en").await;
    assert!(login.contains(&format!("/sso/{org}/start")), "{login}");
    assert!(login.contains("Sign in with Acme SSO"), "{login}");
}

#[tokio::test]
async fn passwords_off_is_guarded_and_enforced() {
    let app = spawn_app_with(|c| c.oidc_allow_http = true).await;
    let boss = app.setup(MANAGER).await;
    let org = app.org_id(MANAGER).await;
    let manager = app.user(MANAGER).await;

    // Refused while SSO is off, then while the manager never signed in with the provider.
    let (s, html) = post_en(
        &boss,
        "/admin/sso",
        &form(DEAD_ISSUER, &[("passwords_disabled", "on")]),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("single sign-on must be enabled"), "{html}");
    let (s, html) = post_en(
        &boss,
        "/admin/sso",
        &form(
            DEAD_ISSUER,
            &[("enabled", "on"), ("passwords_disabled", "on")],
        ),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("sign in with this provider at least once"),
        "{html}"
    );
    // Once linked, that rule passes (and discovery is what stops this unreachable issuer).
    app.db
        .create_oidc_link(DEAD_ISSUER, "boss-subject", manager.id, org)
        .await
        .unwrap();
    let (s, html) = post_en(
        &boss,
        "/admin/sso",
        &form(
            DEAD_ISSUER,
            &[("enabled", "on"), ("passwords_disabled", "on")],
        ),
    )
    .await;
    assert_eq!(s, 422);
    assert!(!html.contains("at least once"));
    assert!(html.contains("The provider could not be reached"), "{html}");

    // A member with a password, an invitation and a reset link issued before the switch.
    let (_, _) = app.member(org, "bob@acme.test", "Bob").await;
    let r = boss
        .post_form(
            "/admin/invite",
            &[("email", "carol@acme.test"), ("display_name", "Carol")],
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        app.user("carol@acme.test").await.status,
        embarq_domain::UserStatus::Invited
    );
    let mut anon = app.browser();
    anon.refresh_csrf("/forgot").await;
    anon.post_form("/forgot", &[("email", "bob@acme.test")])
        .await;
    let reset = app
        .mail_links("bob@acme.test")
        .await
        .pop()
        .expect("reset link");
    let invite = app
        .mail_links("carol@acme.test")
        .await
        .pop()
        .expect("invite link");

    app.db
        .save_oidc_settings(&settings(org, true), &Default::default())
        .await
        .unwrap();

    // Password sign-in: refused with the pointer to SSO (after a correct password only).
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    let (s, html) = post_en(
        &b,
        "/login",
        &[("email", "bob@acme.test"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("Your organization signs in with single sign-on"),
        "{html}"
    );
    let (s, html) = post_en(
        &b,
        "/login",
        &[("email", "bob@acme.test"), ("password", "wrong password!")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("Wrong e-mail or password"), "{html}");
    // The manager keeps the break-glass password.
    let _ = app.login(MANAGER).await;

    // Forgot password: the same page for everyone; the mail points to SSO, without a link to reset.
    let before = app.mail_links("bob@acme.test").await.len();
    anon.post_form("/forgot", &[("email", "bob@acme.test")])
        .await;
    assert_eq!(
        app.mail_links("bob@acme.test").await.len(),
        before,
        "no new reset link"
    );
    let last = app.outbox_to("bob@acme.test").await.pop().unwrap();
    assert!(last.contains("/login"), "{last}");
    let forgot = anon.get_in("/forgot", "en").await;
    assert!(forgot.contains("there is no password to reset"), "{forgot}");
    assert!(forgot.contains(&format!("/sso/{org}/start")), "{forgot}");

    // Reset and invitation links: the password form gives way to the SSO button.
    let path = |l: &str| l[l.find("/reset/").or_else(|| l.find("/invite/")).unwrap()..].to_string();
    for link in [&reset, &invite] {
        let p = path(link);
        let page = anon.get_in(&p, "en").await;
        assert!(page.contains("id=\"sso-only\""), "{page}");
        assert!(page.contains(&format!("/sso/{org}/start")), "{page}");
        assert!(!page.contains("name=\"password\""));
        anon.refresh_csrf(&p).await;
        let (s, html) = post_en(
            &anon,
            &p,
            &[
                ("password", "another good password"),
                ("confirm", "another good password"),
            ],
        )
        .await;
        assert_eq!(s, 422, "{p}");
        assert!(html.contains("Your organization signs in with single sign-on"));
    }
    let carol = app.user("carol@acme.test").await;
    assert_eq!(
        carol.status,
        embarq_domain::UserStatus::Invited,
        "no password set"
    );
    assert!(carol.password_hash.is_none());

    // Turned back on: passwords work again.
    app.db
        .save_oidc_settings(&settings(org, false), &Default::default())
        .await
        .unwrap();
    let _ = app.login("bob@acme.test").await;
}

// ---------------------------------------------------------------------------------------
// Tokens. A real provider never hands out forged or expired ID tokens, so this part uses a
// minimal provider in the test (discovery, empty JWKS, a token endpoint answering what the
// test prepared), signing with HS256 and the client secret, which the `openidconnect`
// crate verifies like any provider's signature. The flow through a real provider and
// browser is e2e/oidc.test.mjs.

const SECRET: &str = "s3cret-value";

/// The token endpoint's next answer, and the forms it received.
#[derive(Clone, Default)]
struct Idp {
    issuer: String,
    next_id_token: std::sync::Arc<std::sync::Mutex<String>>,
    requests: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

async fn idp() -> Idp {
    use axum::routing::{get, post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let idp = Idp {
        issuer: issuer.clone(),
        ..Default::default()
    };
    let meta = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
    });
    let (next, seen) = (idp.next_id_token.clone(), idp.requests.clone());
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let m = meta.clone();
                async move { axum::Json(m) }
            }),
        )
        .route(
            "/jwks",
            get(|| async { axum::Json(serde_json::json!({"keys": []})) }),
        )
        .route(
            "/token",
            post(move |headers: axum::http::HeaderMap, body: String| {
                let (next, seen) = (next.clone(), seen.clone());
                async move {
                    let auth = headers
                        .get("authorization")
                        .map(|h| h.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    seen.lock().unwrap().push((auth, body));
                    axum::Json(serde_json::json!({
                        "access_token": "at",
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": next.lock().unwrap().clone(),
                    }))
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    idp
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// An HS256 ID token with `claims`, signed with `key`.
fn id_token(claims: &serde_json::Value, key: &str) -> String {
    use hmac::{Hmac, Mac};
    let head = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = b64url(claims.to_string().as_bytes());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{head}.{body}").as_bytes());
    format!("{head}.{body}.{}", b64url(&mac.finalize().into_bytes()))
}

/// Runs a callback whose token endpoint answers an ID token with `claims` (standard
/// ones filled in unless given) signed with `key`; answers (status, body, signed in).
async fn sign_in_with(
    app: &TestApp,
    idp: &Idp,
    org: embarq_domain::OrgId,
    claims: serde_json::Value,
    key: &str,
) -> (u16, String, bool) {
    let (state, browser) = pending(app, org).await;
    let now = now_ms() / 1000;
    let mut c = serde_json::json!({
        "iss": idp.issuer, "aud": "embarq", "iat": now, "exp": now + 300, "nonce": "nonce",
    });
    for (k, v) in claims.as_object().unwrap() {
        c[k] = v.clone();
    }
    *idp.next_id_token.lock().unwrap() = id_token(&c, key);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!(
            "{}/sso/callback?code=the-code&state={state}",
            app.base
        ))
        .header("accept-language", "en")
        .header("cookie", format!("embarq_sso={browser}"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let session = r.headers().get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap().starts_with("embarq_session=")
            && !v.to_str().unwrap().starts_with("embarq_session=;")
    });
    (status, r.text().await.unwrap(), session)
}

#[tokio::test]
async fn id_tokens_are_verified_and_mapped_to_members() {
    let app = spawn_app_with(|c| c.oidc_allow_http = true).await;
    let boss = app.setup(MANAGER).await;
    let org = app.org_id(MANAGER).await;
    let idp = idp().await;
    let mut s = settings(org, false);
    s.issuer = idp.issuer.clone();
    s.claim_site = Some("site".into());
    s.claim_level = Some("level".into());
    s.claim_display_name = Some("name".into());
    app.db
        .save_oidc_settings(&s, &Default::default())
        .await
        .unwrap();
    let person = |sub: &str, email: &str, verified: bool| {
        serde_json::json!({"sub": sub, "email": email, "email_verified": verified,
            "name": "Nina New", "department": "Ops", "site": "Lyon", "level": "L2"})
    };

    // Just in time: created active, profile from the claims, PKCE verifier and client
    // authentication sent to the token endpoint.
    let (s1, html, signed) = sign_in_with(
        &app,
        &idp,
        org,
        person("s-new", "Nina@Acme.test", true),
        SECRET,
    )
    .await;
    assert_eq!((s1, signed), (303, true), "{html}");
    let nina = app.user("nina@acme.test").await;
    assert_eq!(nina.status, embarq_domain::UserStatus::Active);
    assert_eq!(nina.display_name, "Nina New");
    assert_eq!(
        (
            nina.department.as_deref(),
            nina.site.as_deref(),
            nina.level.as_deref()
        ),
        (Some("Ops"), Some("Lyon"), Some("L2"))
    );
    assert!(nina.password_hash.is_none());
    let (auth, form) = idp.requests.lock().unwrap().last().cloned().unwrap();
    assert!(auth.starts_with("Basic "), "client_secret_basic");
    assert!(form.contains("code_verifier=verifier-verifier"), "{form}");
    assert!(form.contains("code=the-code"));

    // Next sign-in (same subject, e-mail changed at the provider): the link holds, the
    // claims update the profile.
    let mut again = person("s-new", "nina.renamed@acme.test", true);
    again["department"] = "Sales".into();
    let (s2, _, signed) = sign_in_with(&app, &idp, org, again, SECRET).await;
    assert_eq!((s2, signed), (303, true));
    assert_eq!(
        app.user("nina@acme.test").await.department.as_deref(),
        Some("Sales")
    );

    // An invited member with the same verified e-mail: linked and activated.
    boss.post_form(
        "/admin/invite",
        &[("email", "carol@acme.test"), ("display_name", "Carol")],
    )
    .await;
    assert_eq!(
        app.user("carol@acme.test").await.status,
        embarq_domain::UserStatus::Invited
    );
    let (s3, _, signed) = sign_in_with(
        &app,
        &idp,
        org,
        person("s-carol", "carol@acme.test", true),
        SECRET,
    )
    .await;
    assert_eq!((s3, signed), (303, true));
    let carol = app.user("carol@acme.test").await;
    assert_eq!(carol.status, embarq_domain::UserStatus::Active);
    assert!(carol.activated_at.is_some());
    assert!(app.db.oidc_has_link(carol.id, &idp.issuer).await.unwrap());

    // Refusals, none of which creates or signs in anybody.
    let refused =
        |html: &str, text: &str| assert!(html.contains(text), "expected {text:?} in {html}");
    let (st, html, signed) =
        sign_in_with(&app, &idp, org, person("s-x", "x@acme.test", false), SECRET).await;
    assert_eq!((st, signed), (403, false));
    refused(&html, "did not confirm your e-mail address");
    // Forged (signed with another key), expired, replayed nonce, other audience, other issuer.
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "forged",
            person("s-y", "y@acme.test", true),
            "not-the-secret",
        ),
        (
            "expired",
            {
                let mut c = person("s-y", "y@acme.test", true);
                c["exp"] = (now_ms() / 1000 - 600).into();
                c["iat"] = (now_ms() / 1000 - 900).into();
                c
            },
            SECRET,
        ),
        (
            "nonce",
            {
                let mut c = person("s-y", "y@acme.test", true);
                c["nonce"] = "another".into();
                c
            },
            SECRET,
        ),
        (
            "audience",
            {
                let mut c = person("s-y", "y@acme.test", true);
                c["aud"] = "someone-else".into();
                c
            },
            SECRET,
        ),
        (
            "issuer",
            {
                let mut c = person("s-y", "y@acme.test", true);
                c["iss"] = "http://evil.example".into();
                c
            },
            SECRET,
        ),
    ];
    for (name, claims, key) in cases {
        let (st, html, signed) = sign_in_with(&app, &idp, org, claims, key).await;
        assert_eq!((st, signed), (502, false), "{name}: {html}");
        refused(&html, "could not confirm who you are");
    }
    assert!(app.db.user_by_email("y@acme.test").await.unwrap().is_none());

    // Allowed domains; an address of another organization; a deactivated member.
    let mut s = app.db.oidc_settings(org).await.unwrap().unwrap();
    s.allowed_domains = "acme.test".into();
    app.db
        .save_oidc_settings(&s, &Default::default())
        .await
        .unwrap();
    let (st, html, _) =
        sign_in_with(&app, &idp, org, person("s-z", "z@other.test", true), SECRET).await;
    assert_eq!(st, 403);
    refused(&html, "not in a domain allowed");
    app.other_org("Globex", "g@acme.test").await;
    let (st, html, _) =
        sign_in_with(&app, &idp, org, person("s-g", "g@acme.test", true), SECRET).await;
    assert_eq!(st, 403);
    refused(&html, "ask your manager for an invitation");
    app.db
        .deactivate_user(org, nina.id, &Default::default())
        .await
        .unwrap();
    let (st, html, signed) = sign_in_with(
        &app,
        &idp,
        org,
        person("s-new", "nina@acme.test", true),
        SECRET,
    )
    .await;
    assert_eq!((st, signed), (403, false));
    refused(&html, "This account is deactivated");

    // Erasure (GDPR) forgets the provider identity too.
    app.db
        .erase_user(
            org,
            carol.id,
            embarq_store::gdpr::EraseMode::Anonymize,
            None,
            now_ms(),
        )
        .await
        .unwrap();
    assert!(!app.db.oidc_has_link(carol.id, &idp.issuer).await.unwrap());

    // Neither creation nor linking: strangers are told to ask for an invitation.
    s.jit_create = 0;
    s.link_by_email = 0;
    app.db
        .save_oidc_settings(&s, &Default::default())
        .await
        .unwrap();
    let (st, html, _) =
        sign_in_with(&app, &idp, org, person("s-w", "w@acme.test", true), SECRET).await;
    assert_eq!(st, 403);
    refused(&html, "ask your manager for an invitation");
    assert!(app.db.user_by_email("w@acme.test").await.unwrap().is_none());
}
