//! Test harness: `spawn_app()` runs the real server on port 0 in-process over a fresh
//! database (SQLite by default, PostgreSQL when EMBARQ_TEST_DATABASE_URL is set).
#![allow(clippy::unwrap_used, clippy::panic)]

use embarq_domain::{Id, OrgId, OrgRole, UserId, UserStatus};
use embarq_store::{Db, NewMember};
use regex::Regex;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    /// The server's state, to run scheduled work (`embarq_web::jobs::run_due`) at chosen
    /// instants, and to serve its metrics on another listener.
    pub state: embarq_web::WebState,
    pub addr: std::net::SocketAddr,
    pub base: String,
    pub db: Db,
    pub data_dir: PathBuf,
    _tmp: TempDir,
    stop: Option<oneshot::Sender<()>>,
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

static CLEANED: AtomicBool = AtomicBool::new(false);

/// A fresh, migrated database for one test: a new SQLite file, or a new PostgreSQL
/// database named after the one in EMBARQ_TEST_DATABASE_URL (leftovers of earlier runs are
/// dropped once). PostgreSQL databases are copies of one migrated once per test process:
/// copying takes a third of the time of running the migrations again.
pub async fn fresh_db(dir: &std::path::Path) -> Db {
    match std::env::var("EMBARQ_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        None => {
            let db = Db::connect(&format!("sqlite://{}", dir.join("test.db").display()))
                .await
                .unwrap();
            db.migrate().await.unwrap();
            db
        }
        Some(url) => {
            let (server, _) = url.rsplit_once('/').unwrap();
            let template = PG_TEMPLATE
                .get_or_init(|| async {
                    let name = create_pg_database(&url, None).await;
                    let db = Db::connect(&format!("{server}/{name}")).await.unwrap();
                    db.migrate().await.unwrap();
                    // A template must have no connection left when it is copied.
                    db.close().await;
                    name
                })
                .await;
            let name = create_pg_database(&url, Some(template)).await;
            Db::connect(&format!("{server}/{name}")).await.unwrap()
        }
    }
}

/// A fresh, migrated database (see [`fresh_db`]) in a temporary directory, removed when the
/// guard is dropped.
pub async fn scratch_db() -> (Db, TempDir) {
    let dir = std::env::temp_dir().join(format!("embarq-db-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    (fresh_db(&dir).await, TempDir(dir))
}

/// The migrated database that this process's PostgreSQL test databases are copied from.
static PG_TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// Creates a database named after the one `url` names (`<base>_t_<seconds>_<random>`, so
/// that CI and later runs can tell whose and how old it is), empty or as a copy of
/// `template`. Answers its name.
async fn create_pg_database(url: &str, template: Option<&str>) -> String {
    let base = url.rsplit_once('/').unwrap().1;
    let base = base.split('?').next().unwrap().to_string();
    let admin = sqlx::PgPool::connect(url)
        .await
        .expect("EMBARQ_TEST_DATABASE_URL must point to an existing database");
    let prefix = format!("{base}_t_");
    if !CLEANED.swap(true, Ordering::SeqCst) {
        let old: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
                .bind(&prefix)
                .fetch_all(&admin)
                .await
                .unwrap();
        // Only leftovers older than an hour: another test process may be using newer ones.
        let cutoff = now_secs() - 3600;
        for d in old {
            let born = d[prefix.len()..]
                .split('_')
                .next()
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(0);
            if born >= cutoff {
                continue;
            }
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{d}\" WITH (FORCE)"
            )))
            .execute(&admin)
            .await;
        }
    }
    let name = format!(
        "{prefix}{}_{}",
        now_secs(),
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    let copy = template
        .map(|t| format!(" TEMPLATE \"{t}\""))
        .unwrap_or_default();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\"{copy}"
    )))
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;
    name
}

/// Runs the real server on `listener` until the returned sender is used or dropped.
fn serve_in_background(
    listener: tokio::net::TcpListener,
    state: embarq_web::WebState,
) -> oneshot::Sender<()> {
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        embarq_web::serve(listener, state, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    tx
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings changed by `configure` (limits, quotas...).
pub async fn spawn_app_with(configure: impl FnOnce(&mut embarq_web::Config)) -> TestApp {
    let (db, tmp) = scratch_db().await;
    let dir = tmp.0.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let mut config = embarq_web::Config::new(&base, dir.clone());
    configure(&mut config);
    let state = embarq_web::WebState::new(embarq_web::AppState::new(db.clone(), config).unwrap());
    let tx = serve_in_background(listener, state.clone());
    TestApp {
        state,
        addr,
        base,
        db,
        data_dir: dir,
        _tmp: tmp,
        stop: Some(tx),
    }
}

/// A second server process on the same database (for cross-process behaviour).
pub struct Peer {
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    pub fn is_postgres(&self) -> bool {
        self.db.backend() == embarq_store::Backend::Postgres
    }

    /// Starts another server with its own in-process state over the same database, as a
    /// second `embarq serve` would.
    pub async fn spawn_peer(&self) -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = embarq_web::AppState::new(
            self.db.clone(),
            embarq_web::Config::new(&base, self.data_dir.clone()),
        )
        .unwrap();
        let tx = serve_in_background(listener, state.into());
        Peer {
            base,
            stop: Some(tx),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A browser-like client: keeps cookies, knows its CSRF token, never follows redirects
/// (tests look at them). Clones share the cookie jar (the same signed-in person).
#[derive(Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    /// The client's cookies (to set one a page script would set).
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub base: String,
    pub csrf: String,
}

pub fn csrf_from(html: &str) -> Option<String> {
    Regex::new(r#"name="_csrf" value="([^"]+)""#)
        .unwrap()
        .captures(html)
        .map(|c| c[1].to_string())
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            client,
            jar,
            base: self.base.clone(),
            csrf: String::new(),
        }
    }

    /// Runs the setup form: returns the signed-in first organization manager.
    pub async fn setup(&self, email: &str) -> Browser {
        let mut b = self.browser();
        b.refresh_csrf("/setup").await;
        let r = b
            .post_form(
                "/setup",
                &[
                    ("org_name", "Acme"),
                    ("display_name", "Alice Manager"),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            r.status(),
            303,
            "setup failed: {}",
            r.text().await.unwrap_or_default()
        );
        b.refresh_csrf("/").await;
        b
    }

    /// Creates an active member directly in the store (fast) and signs them in.
    pub async fn member(&self, org_id: OrgId, email: &str, name: &str) -> (UserId, Browser) {
        let hash = embarq_web::auth::hash_password(PASSWORD.to_string())
            .await
            .unwrap();
        let id = self
            .db
            .create_member(&NewMember {
                org_id,
                email: email.to_string(),
                display_name: name.to_string(),
                password_hash: Some(hash),
                org_role: OrgRole::Member,
                status: UserStatus::Active,
            })
            .await
            .unwrap();
        let b = self.login(email).await;
        (id, b)
    }

    pub async fn login(&self, email: &str) -> Browser {
        let mut b = self.browser();
        b.refresh_csrf("/login").await;
        let r = b
            .post_form("/login", &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status(), 303, "login failed for {email}");
        b.refresh_csrf("/").await;
        b
    }

    /// Sends the e-mails waiting in the database now, as the server's sender does, and waits
    /// for those its own sender is sending: afterwards every e-mail due is in the outbox
    /// folder (or at the SMTP server) or put off by a failure.
    pub async fn flush_mail(&self) {
        for _ in 0..1000 {
            embarq_web::outbox::send_due(&self.state.app, embarq_store::now_ms())
                .await
                .unwrap();
            let now = embarq_store::now_ms();
            let waiting = self.db.mail_outbox(10_000).await.unwrap();
            if waiting
                .iter()
                .all(|m| m.status != "pending" || m.next_attempt_at > now)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("e-mails stayed claimed for more than 5 seconds");
    }

    /// The e-mails of the outbox addressed to `to`, oldest first (after sending those waiting),
    /// with quoted-printable soft line breaks and `=3D` undone so tests can search them as text.
    pub async fn outbox_to(&self, to: &str) -> Vec<String> {
        self.flush_mail().await;
        let dir = self.data_dir.join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let header = format!("to: {}", to.to_lowercase());
        files
            .into_iter()
            .map(|f| {
                std::fs::read_to_string(&f)
                    .unwrap()
                    .replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=")
            })
            .filter(|text| text.to_lowercase().contains(&header))
            .collect()
    }

    /// Links found in the e-mails of the outbox addressed to `to`, oldest first.
    pub async fn mail_links(&self, to: &str) -> Vec<String> {
        let re = Regex::new(r"https?://[^\s]+/(invite|reset)/[A-Za-z0-9_-]+").unwrap();
        self.outbox_to(to)
            .await
            .iter()
            .flat_map(|text| re.find_iter(text).map(|m| m.as_str().to_string()))
            .collect()
    }

    /// The account with this e-mail (which must exist).
    pub async fn user(&self, email: &str) -> embarq_store::User {
        self.db
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account {email}"))
    }

    /// A second organization on the same instance, with its manager `email` (password
    /// `PASSWORD`); returns the organization's id.
    pub async fn other_org(&self, name: &str, email: &str) -> OrgId {
        let hash = embarq_web::auth::hash_password(PASSWORD.to_string())
            .await
            .unwrap();
        let manager = NewMember {
            org_id: OrgId(embarq_domain::Id::nil()),
            email: email.to_string(),
            display_name: name.to_string(),
            password_hash: Some(hash),
            org_role: OrgRole::Manager,
            status: UserStatus::Active,
        };
        self.db
            .create_organization(name, manager)
            .await
            .unwrap()
            .0
            .id
    }

    /// Runs one raw SQL statement on the test's database, with `$1` bound to `id` when given:
    /// for faults and states the product itself never makes (a refusing trigger, a corrupted
    /// row, an orphaned sphere).
    pub async fn run_sql(&self, sql: &str, id: Option<Id>) {
        let text = sql;
        let sql = sqlx::AssertSqlSafe(text.to_string());
        match &self.db {
            Db::Sqlite(p) => {
                let q = sqlx::query(sql);
                let q = match id {
                    Some(id) => q.bind(id),
                    None => q,
                };
                q.execute(&p.write).await.map(|_| ())
            }
            Db::Pg(p) => {
                let q = sqlx::query(sql);
                let q = match id {
                    Some(id) => q.bind(id),
                    None => q,
                };
                q.execute(p).await.map(|_| ())
            }
        }
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    }

    /// Makes the database refuse every insert into `table`, or only those whose `user_id` is
    /// `only` (a trigger), as a real fault would; [`TestApp::allow_inserts`] removes it.
    pub async fn refuse_inserts(&self, table: &str, only: Option<UserId>) {
        let statements = match &self.db {
            Db::Sqlite(_) => vec![format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} {when} \
                 BEGIN SELECT RAISE(ABORT, 'refused for the test'); END",
                when = only
                    .map(|u| format!("WHEN NEW.user_id = X'{}'", u.0.simple()))
                    .unwrap_or_default()
            )],
            Db::Pg(_) => vec![
                format!(
                    "CREATE FUNCTION refuse_{table}() RETURNS trigger AS $$ BEGIN \
                     IF {cond} THEN RAISE EXCEPTION 'refused for the test'; END IF; \
                     RETURN NEW; END $$ LANGUAGE plpgsql",
                    cond = only
                        .map(|u| format!("NEW.user_id = '{u}'"))
                        .unwrap_or_else(|| "TRUE".into())
                ),
                format!(
                    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"
                ),
            ],
        };
        for sql in statements {
            self.run_sql(&sql, None).await;
        }
    }

    /// Removes what [`TestApp::refuse_inserts`] set on `table`.
    pub async fn allow_inserts(&self, table: &str) {
        let statements = match &self.db {
            Db::Sqlite(_) => vec![format!("DROP TRIGGER refuse_{table}")],
            Db::Pg(_) => vec![
                format!("DROP TRIGGER refuse_{table} ON {table}"),
                format!("DROP FUNCTION refuse_{table}()"),
            ],
        };
        for sql in statements {
            self.run_sql(&sql, None).await;
        }
    }

    /// The organization of the first manager.
    pub async fn org_id(&self, manager_email: &str) -> OrgId {
        self.db
            .user_by_email(manager_email)
            .await
            .unwrap()
            .unwrap()
            .org_id
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.unwrap())
    }
    /// Reads the CSRF token from a page's forms.
    pub async fn refresh_csrf(&mut self, path: &str) {
        let (_, html) = self.get_text(path).await;
        if let Some(t) = csrf_from(&html) {
            self.csrf = t;
        }
    }
    /// A page as a browser set to `accept_language` sees it.
    pub async fn get_in(&self, path: &str, accept_language: &str) -> String {
        self.get_with(path, &[("accept-language", accept_language)])
            .await
            .text()
            .await
            .unwrap()
    }
    /// A GET with these request headers besides the session's.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// Posts a form with the CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
    /// Posts a form as htmx does for an in-place update (`hx-request`), or, `boosted`, as
    /// a boosted navigation (`hx-boosted` too).
    pub async fn post_htmx(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        boosted: bool,
    ) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let mut r = self
            .client
            .post(self.url(path))
            .header("hx-request", "true");
        if boosted {
            r = r.header("hx-boosted", "true");
        }
        r.form(&all).send().await.unwrap()
    }
    /// Posts a CSV file (`content-type: text/csv`) with the CSRF header, as the import does.
    pub async fn post_csv(&self, path: &str, csv: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap()
    }
    /// Posts a form without any CSRF token (to check refusals).
    pub async fn post_form_no_csrf(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }
    /// Posts a form and returns the Location it redirects to.
    pub async fn post_redirect(&self, path: &str, fields: &[(&str, &str)]) -> String {
        let r = self.post_form(path, fields).await;
        let status = r.status();
        let loc = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        match loc {
            Some(l) if status == 303 => l,
            _ => panic!(
                "POST {path} answered {status} instead of a redirect: {}",
                r.text().await.unwrap_or_default()
            ),
        }
    }

    /// Uploads `bytes` as `name` into a sphere's file box through the API; the status and
    /// the JSON answer (`Null` when it is not JSON).
    pub async fn upload(
        &self,
        sphere: impl std::fmt::Display,
        name: &str,
        bytes: Vec<u8>,
    ) -> (u16, serde_json::Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        let r = self
            .client
            .post(self.url(&format!("/api/v1/spheres/{sphere}/files")))
            .header("x-csrf-token", &self.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Creates a sphere through the web form and returns its path (`/spheres/<id>`).
    pub async fn create_sphere(&self, name: &str, kind: &str) -> String {
        self.post_redirect(
            "/spheres",
            &[("name", name), ("description", "desc"), ("kind", kind)],
        )
        .await
    }
}

/// The id at the end of a path like `/spheres/<id>`.
pub fn last_id(path: &str) -> Id {
    last_as(path)
}

/// [`last_id`] as a typed id (`last_as::<SphereId>("/spheres/…")`).
pub fn last_as<T: embarq_domain::FromUuid>(path: &str) -> T {
    let seg = path.trim_end_matches('/').rsplit('/').next().unwrap();
    let seg = seg.split('#').next().unwrap();
    embarq_domain::parse_as(seg).unwrap_or_else(|| panic!("no id in {path}"))
}

/// Calls the JSON API as `b` (session cookie + CSRF header) and returns the status and the
/// body as JSON (`Null` when the body is not JSON).
pub async fn api(
    b: &Browser,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut r = b
        .client
        .request(method, b.url(path))
        .header("x-csrf-token", &b.csrf);
    if let Some(j) = body {
        r = r.json(&j);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// The concurrency harness: runs `n` copies of `request(i)` so that they all start at
/// once (each waits on a barrier after being spawned), and returns their results in order.
/// Used to prove that a rule which counts and then writes holds under racing requests;
/// run such tests on a multi-threaded runtime so the server also works in parallel.
pub async fn concurrently<F, Fut, T>(n: usize, request: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let fut = request(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// How many of `statuses` equal `status`.
pub fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// An instant as the API writes it (RFC 3339, UTC).
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The milliseconds of an instant in an API answer (RFC 3339 text); panics otherwise.
pub fn instant(v: &serde_json::Value) -> i64 {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("{v} is not an RFC 3339 instant"));
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .timestamp_millis()
}
