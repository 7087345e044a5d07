-- First-run setup happens once: the singleton row is the claim, so concurrent setups
-- cannot create several organizations. Instances already set up are marked done.
CREATE TABLE instance_setup (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    done_at BIGINT NOT NULL
);
INSERT INTO instance_setup (singleton, done_at)
SELECT 1, MIN(created_at) FROM organizations HAVING COUNT(*) > 0;

-- Sign-in throttling per key ("pair:<account>|<address>", "ip:<address>"): attempts in a
-- row and when the next one is allowed, updated by compare-and-set.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    attempts BIGINT NOT NULL,
    next_allowed_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_in_throttle_updated ON sign_in_throttle(updated_at);
