-- File box and sphere widgets (issue 4). SQLite dialect; keep in step with ../postgres/0011_files_widgets.sql.

-- Folders of a sphere's file box; parent_id NULL = top level.
CREATE TABLE file_folders (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    parent_id BLOB REFERENCES file_folders(id),
    name TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX file_folders_sphere ON file_folders(sphere_id, parent_id, name);

-- Files; the bytes live in the object store under storage_key (never derived from the name).
CREATE TABLE files (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    folder_id BLOB REFERENCES file_folders(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    storage_key TEXT NOT NULL,
    thumb_key TEXT,
    uploaded_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX files_sphere ON files(sphere_id, folder_id, name);
CREATE INDEX files_org ON files(org_id, created_at);

-- Bytes used per organization, updated in the same transaction as files rows (quota check).
CREATE TABLE org_storage (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    used_bytes INTEGER NOT NULL
);

-- Side panel of a sphere: kind = links | video | note; ordered by position.
CREATE TABLE sphere_widgets (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id),
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    links TEXT NOT NULL,
    video_url TEXT,
    video_file_id BLOB REFERENCES files(id),
    created_by BLOB NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX sphere_widgets_sphere ON sphere_widgets(sphere_id, position);
