-- What a user wants to hear about: message types they do not want (`muted_events`, a JSON
-- array) and do-not-disturb hours in their own zone, as minutes after midnight (the window
-- may cross midnight; NULL: none). No row: everything, any time.
CREATE TABLE notification_preferences (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         BLOB    NOT NULL,
    muted_events    TEXT    NOT NULL,
    dnd_start       INTEGER,
    dnd_end         INTEGER,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
