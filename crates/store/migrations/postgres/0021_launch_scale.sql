-- Live events: one row per event. A sphere event ("post P in sphere S") is one row whatever
-- the sphere's size and is routed in memory to the open pages of the sphere's members; a
-- personal event (a notification, a message, a membership change) names its person.
-- Rows are transient (pages older than a day reload), so the table is recreated.
DROP TABLE live_events;
CREATE TABLE live_events (
    seq BIGSERIAL PRIMARY KEY,
    user_id UUID,
    sphere_id UUID,
    kind TEXT NOT NULL,
    ref_id UUID,
    created_at BIGINT NOT NULL
);
CREATE INDEX live_events_user ON live_events(user_id, seq);
CREATE INDEX live_events_sphere ON live_events(sphere_id, seq);
CREATE INDEX live_events_created ON live_events(created_at);

-- Every server process hears each event once it commits (NOTIFY is transactional and
-- delivered in commit order), with the event itself as payload: no process re-reads the table.
CREATE FUNCTION live_events_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('embarq_live', json_build_object(
        'seq', NEW.seq, 'user_id', NEW.user_id, 'sphere_id', NEW.sphere_id,
        'kind', NEW.kind, 'ref_id', NEW.ref_id, 'created_at', NEW.created_at)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER live_events_notify AFTER INSERT ON live_events
    FOR EACH ROW EXECUTE FUNCTION live_events_notify();

-- Member counts kept with the sphere, by the database itself in the transaction of each
-- membership change (whatever path makes it: UI, API, SCIM, import, champions).
ALTER TABLE spheres ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE spheres SET member_count = (SELECT COUNT(*) FROM sphere_members m WHERE m.sphere_id = spheres.id);
-- Statement-level with transition tables: adding 100,000 people to a sphere in one statement
-- updates the sphere's row once, not 100,000 times (each update a new row version).
CREATE FUNCTION sphere_members_count_in() RETURNS trigger AS $$
BEGIN
    UPDATE spheres s SET member_count = s.member_count + d.n
    FROM (SELECT sphere_id, COUNT(*) AS n FROM added GROUP BY sphere_id) d
    WHERE s.id = d.sphere_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION sphere_members_count_out() RETURNS trigger AS $$
BEGIN
    UPDATE spheres s SET member_count = s.member_count - d.n
    FROM (SELECT sphere_id, COUNT(*) AS n FROM removed GROUP BY sphere_id) d
    WHERE s.id = d.sphere_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER sphere_members_count_in AFTER INSERT ON sphere_members
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION sphere_members_count_in();
CREATE TRIGGER sphere_members_count_out AFTER DELETE ON sphere_members
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION sphere_members_count_out();

-- Pinned posts are few: the sphere page finds them without walking the sphere's posts
-- (with the status, so the planner does not prefer the posts_sphere_time index).
CREATE INDEX posts_pinned ON posts(sphere_id, status, created_at) WHERE pinned;
