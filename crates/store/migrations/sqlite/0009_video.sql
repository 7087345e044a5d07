-- Video meetings: rooms (one per sphere or per event, opened on demand), who is in a built-in
-- room right now, signalling messages waiting for their addressee, and each organization's
-- provider. SQLite dialect; keep in step with ../postgres/0009_video.sql.

CREATE TABLE video_rooms (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB UNIQUE REFERENCES spheres(id) ON DELETE CASCADE,
    event_id BLOB UNIQUE REFERENCES events(id) ON DELETE CASCADE,
    -- Stable and unguessable: the {room} of an external provider's URL template.
    slug TEXT NOT NULL UNIQUE,
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    CHECK ((sphere_id IS NULL) <> (event_id IS NULL))
);
CREATE INDEX video_rooms_org ON video_rooms(org_id);

-- One row per open WebSocket of a built-in room; `seen_at` is refreshed by heartbeats, and
-- rows not refreshed for a while (a crashed server process) no longer count.
CREATE TABLE video_participants (
    peer_id BLOB PRIMARY KEY NOT NULL,
    room_id BLOB NOT NULL REFERENCES video_rooms(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
);
CREATE INDEX video_participants_room ON video_participants(room_id, seen_at);

-- Signalling messages (join, leave, offer, answer, ice) waiting for the peer they are
-- addressed to, whatever server process holds its WebSocket; deleted as they are delivered.
CREATE TABLE video_signals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id BLOB NOT NULL,
    to_peer BLOB NOT NULL REFERENCES video_participants(peer_id) ON DELETE CASCADE,
    from_peer BLOB NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX video_signals_to ON video_signals(to_peer, seq);

-- The organization's choice: `builtin` (browser WebRTC) or `external` (a URL template).
CREATE TABLE video_settings (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    provider TEXT NOT NULL,
    url_template TEXT,
    updated_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL
);
