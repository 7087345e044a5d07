-- A person's own time zone (IANA name) for the times they read; NULL follows their browser,
-- then the organization's.
ALTER TABLE users ADD COLUMN time_zone TEXT;
