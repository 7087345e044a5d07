-- Events for everyone (issue 4). PostgreSQL dialect; keep in step with ../sqlite/0008_events.sql.

-- A built-in video room for the event (the video meeting opens at /video/event/{id}).
ALTER TABLE events ADD COLUMN video_room BOOLEAN NOT NULL DEFAULT FALSE;

-- RSVP: going (counts toward the capacity), maybe or not_going. Existing registrations are "going".
ALTER TABLE event_registrations ADD COLUMN response TEXT NOT NULL DEFAULT 'going';

-- A sphere's agenda.
CREATE INDEX events_sphere_time ON events(sphere_id, starts_at);

-- Personal calendar feed (/calendar/{token}.ics): one secret per person, stored as its SHA-256.
-- Regenerating replaces the row, so the old URL stops working at once.
CREATE TABLE calendar_tokens (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
