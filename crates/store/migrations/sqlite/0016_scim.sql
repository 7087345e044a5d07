-- SCIM 2.0 provisioning (issue 5), users side. sqlite dialect; keep in step with the other
-- dialect's 0016_scim.sql.

-- Bearer tokens an identity provider uses on /scim/v2, one organization each, stored hashed.
CREATE TABLE scim_tokens (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BLOB,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX scim_tokens_org ON scim_tokens (org_id, created_at);

-- Per-organization settings: which SCIM attribute (a path) feeds the directory's site,
-- birth year and level ('' = none), the kind of spheres SCIM groups become, and whether
-- provisioned members get an invitation e-mail.
CREATE TABLE scim_settings (
    org_id BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    site_source TEXT NOT NULL,
    birth_year_source TEXT NOT NULL,
    level_source TEXT NOT NULL,
    group_kind TEXT NOT NULL DEFAULT 'closed',
    send_invitations INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);

-- The SCIM view of a member. userName is unique per organization, case-insensitively:
-- scim_user_key is its lower-case form and members never provisioned by SCIM use their
-- e-mail (already lower-case), so the expression index serves both `userName eq` lookups
-- and uniqueness. scim_extra keeps the SCIM values with no directory column (e-mails as
-- sent, embarq extension values, which optional attributes are assigned); NULL means the
-- member was never provisioned by SCIM (the scim-managed flag).
ALTER TABLE users ADD COLUMN scim_user_name TEXT;
ALTER TABLE users ADD COLUMN scim_user_key TEXT;
ALTER TABLE users ADD COLUMN scim_external_id TEXT;
ALTER TABLE users ADD COLUMN scim_division TEXT;
ALTER TABLE users ADD COLUMN scim_extra TEXT;
ALTER TABLE users ADD COLUMN updated_at INTEGER;
CREATE UNIQUE INDEX users_scim_user_name ON users (org_id, (COALESCE(scim_user_key, email)));
-- Partial, so that lookups by primary key never wander into it on stale statistics.
CREATE INDEX users_scim_external_id ON users (org_id, scim_external_id) WHERE scim_external_id IS NOT NULL;
