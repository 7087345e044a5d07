-- Webhook extras (issue 5). sqlite dialect; keep in step with the other dialect's 0019_webhook_extras.sql.

-- When the delivery was due again after this attempt (NULL: it was the last one).
ALTER TABLE webhook_attempts ADD COLUMN next_attempt_at INTEGER;

-- The rollout phase last announced per organization (`rollout.phase_changed`). A jobs task
-- moves it with a conditional UPDATE so two processes announce a change once.
-- phase NULL: plans that existed before this migration; their current phase is recorded
-- silently on the first pass (no event for a change nobody saw happen).
CREATE TABLE rollout_phase_announced (
    org_id BLOB PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    phase TEXT,
    announced_at INTEGER NOT NULL
);
INSERT INTO rollout_phase_announced (org_id, phase, announced_at) SELECT org_id, NULL, 0 FROM rollout_plans;
