-- embarq schema, SQLite dialect. Keep in step with ../postgres/0001_init.sql.
CREATE TABLE organizations (
    id BLOB PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    password_hash TEXT,
    display_name TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    title TEXT,
    department TEXT,
    site TEXT,
    birth_year INTEGER,
    level TEXT,
    manager_id BLOB REFERENCES users(id),
    employee_id TEXT,
    photo BLOB,
    photo_type TEXT,
    org_role TEXT NOT NULL,
    status TEXT NOT NULL,
    locale TEXT,
    created_at INTEGER NOT NULL,
    activated_at INTEGER,
    last_seen_at INTEGER
);
CREATE UNIQUE INDEX users_email ON users(email);
CREATE INDEX users_org_name ON users(org_id, display_name);
CREATE INDEX users_manager ON users(manager_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX one_time_tokens_user ON one_time_tokens(user_id, purpose);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE sign_in_attempts (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_key ON sign_in_attempts(key, at);

CREATE TABLE spheres (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    requires_approval INTEGER NOT NULL,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX spheres_org_name ON spheres(org_id, name);

CREATE TABLE sphere_members (
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (sphere_id, user_id)
);
CREATE INDEX sphere_members_user ON sphere_members(user_id, sphere_id);

CREATE TABLE sphere_requests (
    id BLOB PRIMARY KEY NOT NULL,
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    invited_by BLOB REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX sphere_requests_pair ON sphere_requests(sphere_id, user_id);
CREATE INDEX sphere_requests_user ON sphere_requests(user_id);

CREATE TABLE posts (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    author_id BLOB NOT NULL REFERENCES users(id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    pinned INTEGER NOT NULL,
    comment_count INTEGER NOT NULL,
    reaction_count INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX posts_sphere_time ON posts(sphere_id, status, created_at DESC, id DESC);
CREATE INDEX posts_author ON posts(author_id, created_at);

CREATE TABLE comments (
    id BLOB PRIMARY KEY NOT NULL,
    post_id BLOB NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    author_id BLOB NOT NULL REFERENCES users(id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_post ON comments(post_id, created_at);

CREATE TABLE reactions (
    post_id BLOB NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    emoji TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id, emoji)
);

CREATE TABLE conversations (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    created_at INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL
);

CREATE TABLE conversation_members (
    conversation_id BLOB NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members(user_id);

CREATE TABLE messages (
    id BLOB PRIMARY KEY NOT NULL,
    conversation_id BLOB NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author_id BLOB NOT NULL REFERENCES users(id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at);

CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor_id BLOB REFERENCES users(id),
    sphere_id BLOB REFERENCES spheres(id) ON DELETE CASCADE,
    post_id BLOB REFERENCES posts(id) ON DELETE CASCADE,
    conversation_id BLOB REFERENCES conversations(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, created_at);

-- Live events for open pages. Clients catch up by cursor (seq); PostgreSQL also NOTIFYs the seq.
CREATE TABLE live_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    ref_id BLOB,
    created_at INTEGER NOT NULL
);
CREATE INDEX live_events_user ON live_events(user_id, seq);
