-- Onboarding playbook, shared tables. Keep in step with ../sqlite/0002_onboarding.sql.

-- One rollout plan per organization. Phases follow from the dates: preparation, champions'
-- early access (launch_at - early_access_days), launch, after launch.
CREATE TABLE rollout_plans (
    org_id UUID PRIMARY KEY NOT NULL REFERENCES organizations(id),
    launch_at BIGINT NOT NULL,
    early_access_days BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    announcement_title TEXT NOT NULL,
    announcement_md TEXT NOT NULL,
    announcement_sphere_id UUID REFERENCES spheres(id) ON DELETE SET NULL,
    announcement_post_id UUID REFERENCES posts(id) ON DELETE SET NULL,
    announced_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- Later waves opening access to one department or site on their own date.
CREATE TABLE rollout_waves (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rollout_waves_org ON rollout_waves(org_id, opens_at);

-- Confirmed champions ("membres impliqués"), with why they were chosen.
CREATE TABLE champions (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id),
    reason TEXT NOT NULL,
    confirmed_by UUID REFERENCES users(id),
    confirmed_at BIGINT NOT NULL
);
CREATE INDEX champions_org ON champions(org_id);

-- Volunteers and nominations feeding the champions' proposal.
CREATE TABLE champion_candidates (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    nominated_by UUID REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE INDEX champion_candidates_org ON champion_candidates(org_id);

-- Organization-wide onboarding settings: the help and champions spheres.
CREATE TABLE org_onboarding (
    org_id UUID PRIMARY KEY NOT NULL REFERENCES organizations(id),
    help_sphere_id UUID REFERENCES spheres(id) ON DELETE SET NULL,
    champions_sphere_id UUID REFERENCES spheres(id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL
);

-- When the invitation e-mail of a member went out (claimed atomically: exactly once even
-- with several server processes).
ALTER TABLE users ADD COLUMN invitation_sent_at BIGINT;

-- Events: organization-wide or in a sphere; training sessions and webinars are events too
-- (kind). Registrations carry attendance. Issue 4 extends them (RSVP, ICS, video rooms).
CREATE TABLE events (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID REFERENCES spheres(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    title TEXT NOT NULL,
    description_md TEXT NOT NULL,
    description_html TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    place TEXT,
    video_url TEXT,
    capacity BIGINT,
    series_id UUID,
    created_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX events_org_time ON events(org_id, starts_at);

CREATE TABLE event_registrations (
    event_id UUID NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    registered_at BIGINT NOT NULL,
    attended_at BIGINT,
    reminder_sent_at BIGINT,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_registrations_user ON event_registrations(user_id);
