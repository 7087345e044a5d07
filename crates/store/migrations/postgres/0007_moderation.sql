-- Moderation and notification links (issue 4). PostgreSQL dialect; keep in step with ../sqlite/0007_moderation.sql.

-- Where a notification leads, as an app-relative path ("/agenda/…", "/tasks/…"); NULL falls back
-- to its post or sphere.
ALTER TABLE notifications ADD COLUMN link TEXT;

-- Hidden by a moderator: invisible to members, still shown to the sphere's moderators.
ALTER TABLE posts ADD COLUMN hidden_at BIGINT;
ALTER TABLE comments ADD COLUMN hidden_at BIGINT;

-- Reports of a publication or comment. One open report per person per item (partial unique
-- index); resolved reports keep their outcome for the reporter's notification and history.
CREATE TABLE reports (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target_id UUID NOT NULL,
    post_id UUID NOT NULL,
    reporter_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by UUID REFERENCES users(id)
);
CREATE UNIQUE INDEX reports_open_once ON reports(target_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_sphere_open ON reports(sphere_id, status, created_at);
CREATE INDEX reports_org_open ON reports(org_id, status, created_at);

-- Members muted in a sphere until a time: they cannot publish or comment there.
CREATE TABLE sphere_mutes (
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    until_at BIGINT NOT NULL,
    muted_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sphere_id, user_id)
);

-- Who did what, for moderation and (later) roles, imports, rollout, SCIM, webhooks. No
-- foreign keys on targets: the history outlives what it describes. details is JSON text.
CREATE TABLE audit_log (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    actor_id UUID REFERENCES users(id),
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id UUID,
    sphere_id UUID,
    details TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_org_time ON audit_log(org_id, created_at, id);
CREATE INDEX audit_log_sphere_time ON audit_log(sphere_id, created_at, id);

-- Per person and category of notification: app (in-app only), email (in-app + e-mail), off.
-- No row means the category's default.
CREATE TABLE notification_prefs (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (user_id, category)
);

-- E-mail digest settings. last_digest_at is the last period claimed (the claim is an UPDATE
-- guarded by it, so one process sends each digest).
CREATE TABLE digest_settings (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    frequency TEXT NOT NULL,
    weekday BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    last_digest_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX digest_settings_frequency ON digest_settings(frequency);
