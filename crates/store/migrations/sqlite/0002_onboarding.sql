-- Onboarding playbook, shared tables, SQLite dialect. Keep in step with ../postgres/0002_onboarding.sql.

-- One rollout plan per organization. Phases follow from the dates: preparation, champions'
-- early access (launch_at - early_access_days), launch, after launch.
CREATE TABLE rollout_plans (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    launch_at INTEGER NOT NULL,
    early_access_days INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    announcement_title TEXT NOT NULL,
    announcement_md TEXT NOT NULL,
    announcement_sphere_id BLOB REFERENCES spheres(id) ON DELETE SET NULL,
    announcement_post_id BLOB REFERENCES posts(id) ON DELETE SET NULL,
    announced_at INTEGER,
    updated_at INTEGER NOT NULL
);

-- Later waves opening access to one department or site on their own date.
CREATE TABLE rollout_waves (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    opens_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX rollout_waves_org ON rollout_waves(org_id, opens_at);

-- Confirmed champions ("membres impliqués"), with why they were chosen.
CREATE TABLE champions (
    user_id BLOB PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    reason TEXT NOT NULL,
    confirmed_by BLOB REFERENCES users(id),
    confirmed_at INTEGER NOT NULL
);
CREATE INDEX champions_org ON champions(org_id);

-- Volunteers and nominations feeding the champions' proposal.
CREATE TABLE champion_candidates (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    nominated_by BLOB REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE INDEX champion_candidates_org ON champion_candidates(org_id);

-- Organization-wide onboarding settings: the help and champions spheres.
CREATE TABLE org_onboarding (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    help_sphere_id BLOB REFERENCES spheres(id) ON DELETE SET NULL,
    champions_sphere_id BLOB REFERENCES spheres(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL
);

-- When the invitation e-mail of a member went out (claimed atomically: exactly once even
-- with several server processes).
ALTER TABLE users ADD COLUMN invitation_sent_at INTEGER;

-- Events: organization-wide or in a sphere; training sessions and webinars are events too
-- (kind). Registrations carry attendance. Issue 4 extends them (RSVP, ICS, video rooms).
CREATE TABLE events (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB REFERENCES spheres(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    title TEXT NOT NULL,
    description_md TEXT NOT NULL,
    description_html TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    place TEXT,
    video_url TEXT,
    capacity INTEGER,
    series_id BLOB,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX events_org_time ON events(org_id, starts_at);

CREATE TABLE event_registrations (
    event_id BLOB NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    registered_at INTEGER NOT NULL,
    attended_at INTEGER,
    reminder_sent_at INTEGER,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_registrations_user ON event_registrations(user_id);
