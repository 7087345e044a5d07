-- Sphere tools: task lists, tasks (assignees, comments) and polls inside publications.
CREATE TABLE task_lists (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX task_lists_sphere ON task_lists(sphere_id, created_at);

CREATE TABLE tasks (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    list_id UUID NOT NULL REFERENCES task_lists(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description_md TEXT NOT NULL,
    description_html TEXT NOT NULL,
    -- todo | in_progress | done
    status TEXT NOT NULL,
    -- A local calendar date (YYYY-MM-DD) in the organization's time zone.
    due_date TEXT,
    comment_count BIGINT NOT NULL,
    created_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tasks_list ON tasks(list_id, created_at);
CREATE INDEX tasks_sphere ON tasks(sphere_id);

CREATE TABLE task_assignees (
    task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assigned_by UUID NOT NULL REFERENCES users(id),
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_assignees_user ON task_assignees(user_id);

CREATE TABLE task_comments (
    id UUID PRIMARY KEY NOT NULL,
    task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    author_id UUID NOT NULL REFERENCES users(id),
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX task_comments_task ON task_comments(task_id, created_at);

CREATE TABLE polls (
    id UUID PRIMARY KEY NOT NULL,
    post_id UUID NOT NULL UNIQUE REFERENCES posts(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    multiple BOOLEAN NOT NULL,
    anonymous BOOLEAN NOT NULL,
    closes_at BIGINT,
    created_at BIGINT NOT NULL
);

-- `anonymous_votes` is the tally of an anonymous poll: only counts, never who.
CREATE TABLE poll_options (
    id UUID PRIMARY KEY NOT NULL,
    poll_id UUID NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    anonymous_votes BIGINT NOT NULL
);
CREATE INDEX poll_options_poll ON poll_options(poll_id, position);

-- Who voted (every poll); nothing here says for what.
CREATE TABLE poll_voters (
    poll_id UUID NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);

-- The choices of named polls only.
CREATE TABLE poll_votes (
    poll_id UUID NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    option_id UUID NOT NULL REFERENCES poll_options(id) ON DELETE CASCADE,
    PRIMARY KEY (poll_id, user_id, option_id)
);
CREATE INDEX poll_votes_option ON poll_votes(option_id);
