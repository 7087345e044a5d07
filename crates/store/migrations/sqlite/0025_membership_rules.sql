-- Membership rules: a sphere's members may come from the directory (everyone, a department,
-- a site, a level, or a manager's whole team). People joined by a rule are marked, so that
-- leaving the rule's scope takes them out of that sphere but never out of one they joined.
CREATE TABLE sphere_rules (
    id BLOB PRIMARY KEY NOT NULL,
    org_id BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    sphere_id BLOB NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    attribute TEXT NOT NULL,
    value TEXT,
    manager_id BLOB REFERENCES users(id) ON DELETE CASCADE,
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sphere_rules_org ON sphere_rules (org_id, sphere_id);
CREATE INDEX sphere_rules_sphere ON sphere_rules (sphere_id);
ALTER TABLE sphere_members ADD COLUMN via_rule INTEGER NOT NULL DEFAULT 0;
