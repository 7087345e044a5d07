-- Live events: one row per event. A sphere event ("post P in sphere S") is one row whatever
-- the sphere's size and is routed in memory to the open pages of the sphere's members; a
-- personal event (a notification, a message, a membership change) names its person.
-- Rows are transient (pages older than a day reload), so the table is recreated.
DROP TABLE live_events;
CREATE TABLE live_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BLOB,
    sphere_id BLOB,
    kind TEXT NOT NULL,
    ref_id BLOB,
    created_at INTEGER NOT NULL
);
CREATE INDEX live_events_user ON live_events(user_id, seq);
CREATE INDEX live_events_sphere ON live_events(sphere_id, seq);
CREATE INDEX live_events_created ON live_events(created_at);

-- Member counts kept with the sphere, by the database itself in the transaction of each
-- membership change (whatever path makes it: UI, API, SCIM, import, champions).
ALTER TABLE spheres ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE spheres SET member_count = (SELECT COUNT(*) FROM sphere_members m WHERE m.sphere_id = spheres.id);
CREATE TRIGGER sphere_members_count_in AFTER INSERT ON sphere_members BEGIN
    UPDATE spheres SET member_count = member_count + 1 WHERE id = NEW.sphere_id;
END;
CREATE TRIGGER sphere_members_count_out AFTER DELETE ON sphere_members BEGIN
    UPDATE spheres SET member_count = member_count - 1 WHERE id = OLD.sphere_id;
END;

-- Pinned posts are few: the sphere page finds them without walking the sphere's posts
-- (with the status, so the planner does not prefer the posts_sphere_time index).
CREATE INDEX posts_pinned ON posts(sphere_id, status, created_at) WHERE pinned;
