-- What a user wants to hear about: message types they do not want (`muted_events`, a JSON
-- array) and do-not-disturb hours in their own zone, as minutes after midnight (the window
-- may cross midnight; NULL: none). No row: everything, any time.
CREATE TABLE notification_preferences (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         UUID        NOT NULL,
    muted_events    JSONB       NOT NULL,
    dnd_start       INTEGER,
    dnd_end         INTEGER,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_preferences USING (organization_id = rdv_current_organization());
