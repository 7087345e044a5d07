-- GDPR: erased accounts (tombstones), per-organization erasure policy and retention, export rate limit.
ALTER TABLE users ADD COLUMN erased_at INTEGER;

CREATE TABLE gdpr_settings (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id),
    erase_mode TEXT NOT NULL,
    message_days INTEGER,
    notification_days INTEGER,
    deactivated_days INTEGER,
    updated_at INTEGER NOT NULL
);

CREATE TABLE gdpr_exports (
    user_id BLOB PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_at INTEGER NOT NULL
);
