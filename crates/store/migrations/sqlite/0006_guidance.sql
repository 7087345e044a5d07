-- Guidance: starter kit, help centre, use cases and suggestions. SQLite dialect; keep in
-- step with ../postgres/0006_guidance.sql.

-- Resources chosen by the organization, shown on first sign-in and at /starter-kit.
CREATE TABLE starter_kit_items (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    target_role TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX starter_kit_items_org ON starter_kit_items(org_id, position);

-- When a member was first shown the welcome page (shown once).
CREATE TABLE starter_kit_seen (
    user_id BLOB PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seen_at INTEGER NOT NULL
);

CREATE TABLE help_articles (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX help_articles_org ON help_articles(org_id, title);

-- Publications marked as use cases, with their tags.
CREATE TABLE use_cases (
    post_id BLOB PRIMARY KEY NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    department TEXT,
    theme TEXT,
    marked_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX use_cases_org ON use_cases(org_id, created_at);

CREATE TABLE suggestions (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    author_id BLOB NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    vote_count INTEGER NOT NULL,
    comment_count INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX suggestions_org ON suggestions(org_id, created_at);

CREATE TABLE suggestion_votes (
    suggestion_id BLOB NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (suggestion_id, user_id)
);

CREATE TABLE suggestion_comments (
    id BLOB PRIMARY KEY NOT NULL,
    suggestion_id BLOB NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
    author_id BLOB NOT NULL REFERENCES users(id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX suggestion_comments_suggestion ON suggestion_comments(suggestion_id, created_at);
