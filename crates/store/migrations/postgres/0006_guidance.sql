-- Guidance: starter kit, help centre, use cases and suggestions. PostgreSQL dialect; keep in
-- step with ../sqlite/0006_guidance.sql.

-- Resources chosen by the organization, shown on first sign-in and at /starter-kit.
CREATE TABLE starter_kit_items (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    target_role TEXT NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX starter_kit_items_org ON starter_kit_items(org_id, position);

-- When a member was first shown the welcome page (shown once).
CREATE TABLE starter_kit_seen (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seen_at BIGINT NOT NULL
);

CREATE TABLE help_articles (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX help_articles_org ON help_articles(org_id, title);

-- Publications marked as use cases, with their tags.
CREATE TABLE use_cases (
    post_id UUID PRIMARY KEY NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id),
    department TEXT,
    theme TEXT,
    marked_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX use_cases_org ON use_cases(org_id, created_at);

CREATE TABLE suggestions (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    author_id UUID NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    vote_count BIGINT NOT NULL,
    comment_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX suggestions_org ON suggestions(org_id, created_at);

CREATE TABLE suggestion_votes (
    suggestion_id UUID NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (suggestion_id, user_id)
);

CREATE TABLE suggestion_comments (
    id UUID PRIMARY KEY NOT NULL,
    suggestion_id UUID NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES users(id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX suggestion_comments_suggestion ON suggestion_comments(suggestion_id, created_at);
