-- GDPR: erased accounts (tombstones), per-organization erasure policy and retention, export rate limit.
ALTER TABLE users ADD COLUMN erased_at BIGINT;

CREATE TABLE gdpr_settings (
    org_id UUID PRIMARY KEY NOT NULL REFERENCES organizations(id),
    erase_mode TEXT NOT NULL,
    message_days BIGINT,
    notification_days BIGINT,
    deactivated_days BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE gdpr_exports (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_at BIGINT NOT NULL
);
