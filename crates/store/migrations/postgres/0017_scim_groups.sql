-- SCIM Groups: a Group is a sphere created through SCIM. Only spheres listed here are
-- exposed as Groups; deleting a Group removes its row (the sphere and its content stay).
CREATE TABLE scim_groups (
    sphere_id UUID PRIMARY KEY NOT NULL REFERENCES spheres(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id),
    external_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX scim_groups_org ON scim_groups(org_id, created_at);
CREATE INDEX scim_groups_external ON scim_groups(org_id, external_id);
