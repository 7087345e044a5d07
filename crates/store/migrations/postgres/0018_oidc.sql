-- Sign-in with OpenID Connect per organization (issue 5). postgres dialect; keep in step with the
-- other dialect's 0018_oidc.sql.

-- One identity provider per organization. Flags are 0/1. client_secret is never shown back.
CREATE TABLE oidc_settings (
    org_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    enabled BIGINT NOT NULL DEFAULT 0,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT,
    scopes TEXT NOT NULL,
    claim_department TEXT,
    claim_site TEXT,
    claim_level TEXT,
    claim_display_name TEXT,
    jit_create BIGINT NOT NULL DEFAULT 0,
    link_by_email BIGINT NOT NULL DEFAULT 0,
    -- Space-separated lower-case domains; empty = any.
    allowed_domains TEXT NOT NULL DEFAULT '',
    passwords_disabled BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- Who an (issuer, subject) pair is: the provider's stable identity, not the e-mail.
CREATE TABLE oidc_links (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX oidc_links_user ON oidc_links (user_id);

-- Sign-ins in flight: single use, short-lived, bound to the browser. Only hashes of the state
-- and of the browser cookie are kept; nonce and PKCE verifier are needed back at the callback.
CREATE TABLE oidc_states (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_states_expiry ON oidc_states (expires_at);
