-- Adoption: analytics support, automatic and champions' reminders, contests. SQLite dialect.
-- Keep in step with ../postgres/0005_adoption.sql.

-- When the member first posted or commented, kept by triggers so the funnel reads one
-- column instead of probing posts and comments for every member.
ALTER TABLE users ADD COLUMN first_contribution_at INTEGER;
UPDATE users SET first_contribution_at = (
    SELECT MIN(t) FROM (
        SELECT MIN(p.created_at) AS t FROM posts p WHERE p.author_id = users.id
        UNION ALL
        SELECT MIN(c.created_at) AS t FROM comments c WHERE c.author_id = users.id
    )
);
CREATE TRIGGER posts_first_contribution AFTER INSERT ON posts
BEGIN
    UPDATE users SET first_contribution_at = NEW.created_at
    WHERE id = NEW.author_id AND first_contribution_at IS NULL;
END;
CREATE TRIGGER comments_first_contribution AFTER INSERT ON comments
BEGIN
    UPDATE users SET first_contribution_at = NEW.created_at
    WHERE id = NEW.author_id AND first_contribution_at IS NULL;
END;

-- Daily series and contest scores read contributions by time (author included: index-only).
CREATE INDEX posts_org_time ON posts(org_id, created_at, author_id);
-- The funnel reads this index only, already in GROUP BY order; activations by day seek it.
CREATE INDEX users_adoption ON users(org_id, department, site, birth_year, level, status, activated_at,
    photo_type, title, first_contribution_at, last_seen_at);
CREATE INDEX users_org_activated ON users(org_id, activated_at);
CREATE INDEX comments_time ON comments(created_at);
CREATE INDEX comments_author ON comments(author_id, created_at);

-- Reminder schedule per organization (defaults apply without a row).
CREATE TABLE nudge_settings (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    days TEXT NOT NULL,
    max_reminders INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Reminders sent: automatic ones carry their step (unique per member: the claim that makes
-- them exactly-once), champions' ones carry their sender.
CREATE TABLE nudges (
    org_id BLOB NOT NULL REFERENCES organizations(id),
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    step INTEGER,
    sender_id BLOB REFERENCES users(id) ON DELETE SET NULL,
    sent_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX nudges_step ON nudges(user_id, step);
CREATE INDEX nudges_user_time ON nudges(user_id, sent_at);
CREATE INDEX nudges_sender_time ON nudges(sender_id, sent_at);
CREATE INDEX nudges_org ON nudges(org_id, sent_at);

-- Contests between sites or departments; the winner is announced once (claimed on
-- winner_announced_at).
CREATE TABLE contests (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    dimension TEXT NOT NULL,
    metric TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    winner TEXT,
    winner_announced_at INTEGER
);
CREATE INDEX contests_org ON contests(org_id, ends_at);
CREATE INDEX contests_due ON contests(winner_announced_at, ends_at);
