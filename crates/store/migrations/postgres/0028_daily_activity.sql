-- What each person did on each UTC day, as a set of bits (visited 1, read 2, posted 4,
-- commented 8, reacted 16, messaged 32; embarq_domain::activity). A row is written when
-- its person does a kind of thing for the first time that day, so the table grows by at
-- most one row per person and day. Daily active people are read from it by day.
CREATE TABLE daily_activity (
    org_id UUID NOT NULL,
    day BIGINT NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kinds INTEGER NOT NULL,
    PRIMARY KEY (org_id, day, user_id)
);
-- A person's days (erasure, their own export).
CREATE INDEX daily_activity_user ON daily_activity(user_id, day);
-- Bit k: active in week k after activation (k < 62). Kept with each first activity of a day,
-- so cohort retention is one pass over people, not over their days.
ALTER TABLE users ADD COLUMN active_weeks BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_cohorts ON users(org_id, activated_at, status, active_weeks);
