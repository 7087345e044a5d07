-- People active per organization and UTC day, kept with each person's first activity of the
-- day (Db::record_activity) so the dashboard reads one row per day instead of one per person
-- and day. Counts are anonymous: erasing a person leaves the days they were counted in.
CREATE TABLE daily_active_totals (
    org_id BLOB NOT NULL,
    day INTEGER NOT NULL,
    active INTEGER NOT NULL,
    PRIMARY KEY (org_id, day)
);
INSERT INTO daily_active_totals (org_id, day, active)
SELECT org_id, day, COUNT(*) FROM daily_activity GROUP BY org_id, day;
-- Contributions per day summed from the index alone (the rows were read for n).
CREATE INDEX daily_contributions_day_n ON daily_contributions(org_id, day, n);
