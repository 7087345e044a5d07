-- Moderation and notification links (issue 4). SQLite dialect; keep in step with ../postgres/0007_moderation.sql.

-- Where a notification leads, as an app-relative path ("/agenda/…", "/tasks/…"); NULL falls back
-- to its post or sphere.
ALTER TABLE notifications ADD COLUMN link TEXT;

-- Hidden by a moderator: invisible to members, still shown to the sphere's moderators.
ALTER TABLE posts ADD COLUMN hidden_at INTEGER;
ALTER TABLE comments ADD COLUMN hidden_at INTEGER;

-- Reports of a publication or comment. One open report per person per item (partial unique
-- index); resolved reports keep their outcome for the reporter's notification and history.
CREATE TABLE reports (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target_id BLOB NOT NULL,
    post_id BLOB NOT NULL,
    reporter_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by BLOB REFERENCES users(id)
);
CREATE UNIQUE INDEX reports_open_once ON reports(target_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_sphere_open ON reports(sphere_id, status, created_at);
CREATE INDEX reports_org_open ON reports(org_id, status, created_at);

-- Members muted in a sphere until a time: they cannot publish or comment there.
CREATE TABLE sphere_mutes (
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    until_at INTEGER NOT NULL,
    muted_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (sphere_id, user_id)
);

-- Who did what, for moderation and (later) roles, imports, rollout, SCIM, webhooks. No
-- foreign keys on targets: the history outlives what it describes. details is JSON text.
CREATE TABLE audit_log (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    actor_id BLOB REFERENCES users(id),
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id BLOB,
    sphere_id BLOB,
    details TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_org_time ON audit_log(org_id, created_at, id);
CREATE INDEX audit_log_sphere_time ON audit_log(sphere_id, created_at, id);

-- Per person and category of notification: app (in-app only), email (in-app + e-mail), off.
-- No row means the category's default.
CREATE TABLE notification_prefs (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (user_id, category)
);

-- E-mail digest settings. last_digest_at is the last period claimed (the claim is an UPDATE
-- guarded by it, so one process sends each digest).
CREATE TABLE digest_settings (
    user_id BLOB PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    frequency TEXT NOT NULL,
    weekday INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    last_digest_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX digest_settings_frequency ON digest_settings(frequency);
