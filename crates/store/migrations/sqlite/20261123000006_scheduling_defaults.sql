-- A user's defaults for new event types (SQLite): buffers, notice and start interval.
-- Keep in step with ../postgres/20261123000006_scheduling_defaults.sql.
CREATE TABLE scheduling_defaults (
    organization_id        BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id                BLOB        NOT NULL,
    buffer_before_minutes  INTEGER     NOT NULL,
    buffer_after_minutes   INTEGER     NOT NULL,
    minimum_notice_minutes INTEGER     NOT NULL,
    interval_minutes       INTEGER,
    updated_at             INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
