-- File box and sphere widgets (issue 4). PostgreSQL dialect; keep in step with ../sqlite/0011_files_widgets.sql.

-- Folders of a sphere's file box; parent_id NULL = top level.
CREATE TABLE file_folders (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    parent_id UUID REFERENCES file_folders(id),
    name TEXT NOT NULL,
    created_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX file_folders_sphere ON file_folders(sphere_id, parent_id, name);

-- Files; the bytes live in the object store under storage_key (never derived from the name).
CREATE TABLE files (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    folder_id UUID REFERENCES file_folders(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    thumb_key TEXT,
    uploaded_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX files_sphere ON files(sphere_id, folder_id, name);
CREATE INDEX files_org ON files(org_id, created_at);

-- Bytes used per organization, updated in the same transaction as files rows (quota check).
CREATE TABLE org_storage (
    org_id UUID PRIMARY KEY NOT NULL REFERENCES organizations(id),
    used_bytes BIGINT NOT NULL
);

-- Side panel of a sphere: kind = links | video | note; ordered by position.
CREATE TABLE sphere_widgets (
    id UUID PRIMARY KEY NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id),
    sphere_id UUID NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    position BIGINT NOT NULL,
    body TEXT NOT NULL,
    links TEXT NOT NULL,
    video_url TEXT,
    video_file_id UUID REFERENCES files(id),
    created_by UUID NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sphere_widgets_sphere ON sphere_widgets(sphere_id, position);
