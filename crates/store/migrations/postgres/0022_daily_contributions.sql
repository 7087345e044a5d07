-- Contributions (publications and comments) per person and UTC day, kept by the database in
-- the transaction of each insert, whatever path makes it (service, import, bench loader).
-- The adoption dashboard reads one row per contributor and day in day order instead of
-- grouping every publication of the period. Statement-level triggers: a bulk load of a
-- million publications upserts each (person, day) once per statement.
CREATE TABLE daily_contributions (
    org_id UUID NOT NULL,
    day BIGINT NOT NULL,
    user_id UUID NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, day, user_id)
);
INSERT INTO daily_contributions (org_id, day, user_id, n)
SELECT org_id, day, user_id, COUNT(*) FROM (
    SELECT org_id, created_at / 86400000 AS day, author_id AS user_id FROM posts
    UNION ALL
    SELECT p.org_id, c.created_at / 86400000, c.author_id FROM comments c JOIN posts p ON p.id = c.post_id
) x GROUP BY org_id, day, user_id;
CREATE FUNCTION posts_daily_contributions() RETURNS trigger AS $$
BEGIN
    INSERT INTO daily_contributions (org_id, day, user_id, n)
    SELECT org_id, created_at / 86400000, author_id, COUNT(*) FROM added GROUP BY 1, 2, 3
    ON CONFLICT (org_id, day, user_id) DO UPDATE SET n = daily_contributions.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION comments_daily_contributions() RETURNS trigger AS $$
BEGIN
    INSERT INTO daily_contributions (org_id, day, user_id, n)
    SELECT p.org_id, a.created_at / 86400000, a.author_id, COUNT(*)
    FROM added a JOIN posts p ON p.id = a.post_id GROUP BY 1, 2, 3
    ON CONFLICT (org_id, day, user_id) DO UPDATE SET n = daily_contributions.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_daily_contributions AFTER INSERT ON posts
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION posts_daily_contributions();
CREATE TRIGGER comments_daily_contributions AFTER INSERT ON comments
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION comments_daily_contributions();
