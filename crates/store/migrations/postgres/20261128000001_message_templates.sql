-- An organization's own wording for a message type on a channel (`email`: subject, html and
-- text; `sms`: text). Without a row the built-in templates apply.
CREATE TABLE message_templates (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event           TEXT        NOT NULL,
    channel         TEXT        NOT NULL CHECK (channel IN ('email', 'sms')),
    subject         TEXT        NOT NULL,
    html            TEXT        NOT NULL,
    text            TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, event, channel)
);

ALTER TABLE message_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON message_templates USING (organization_id = rdv_current_organization());
