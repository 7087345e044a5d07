-- Web Push (RFC 8030/8291/8292). The server's VAPID key pair is made at first start and kept
-- here, so every process signs with the same key and subscriptions outlive restarts.
CREATE TABLE instance_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- One row per device a person turned push on for: the push service's endpoint, the browser's
-- keys (base64url) and the topics this device announces (',messages,mentions,').
CREATE TABLE push_subscriptions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    topics TEXT NOT NULL,
    device TEXT,
    created_at BIGINT NOT NULL,
    last_sent_at BIGINT
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
-- Pushes waiting to go out: one per notification and device, written in the notification's
-- own transaction and sent like e-mail (claimed for a lease, retried with backoff). Reading
-- the notification first (or the device being removed) drops the push.
CREATE TABLE push_outbox (
    notification_id UUID NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    subscription_id UUID NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_error TEXT,
    PRIMARY KEY (notification_id, subscription_id)
);
CREATE INDEX push_outbox_due ON push_outbox (status, next_attempt_at);
CREATE INDEX push_outbox_subscription ON push_outbox (subscription_id);
