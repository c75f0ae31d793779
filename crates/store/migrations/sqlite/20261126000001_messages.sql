-- Messages: jobs learn which booking they belong to (so moving or cancelling a booking moves
-- or cancels its jobs), and webhooks get subscriptions, deliveries and a log of attempts.

ALTER TABLE jobs ADD COLUMN booking_id BLOB;
CREATE INDEX jobs_booking_idx ON jobs (organization_id, booking_id) WHERE booking_id IS NOT NULL;
CREATE INDEX jobs_dead_idx ON jobs (organization_id, updated_at) WHERE state = 'dead';

-- Where to send events. At most one of user_id / event_type_id narrows it; neither means
-- every booking of the organization. `events` is a JSON array of event names; empty means all.
CREATE TABLE webhook_subscriptions (
    organization_id            BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                         BLOB    NOT NULL,
    user_id                    BLOB,
    event_type_id              BLOB,
    url                        TEXT    NOT NULL,
    description                TEXT    NOT NULL,
    events                     TEXT    NOT NULL,
    -- `whsec_` + base64; kept readable because signing needs it.
    secret                     TEXT    NOT NULL,
    -- After a rotation the old secret also signs until it expires, so receivers can switch.
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    enabled                    INTEGER NOT NULL,
    disabled_reason            TEXT,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id) ON DELETE CASCADE
) STRICT;

-- One event for one subscription. `message_id` is the `webhook-id` header: the same on every
-- attempt, so receivers can drop repeats.
CREATE TABLE webhook_deliveries (
    organization_id  BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id               BLOB    NOT NULL,
    subscription_id  BLOB    NOT NULL,
    message_id       TEXT    NOT NULL,
    event            TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, subscription_id) REFERENCES webhook_subscriptions (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX webhook_deliveries_subscription_idx
    ON webhook_deliveries (organization_id, subscription_id, created_at);

-- Every try of a delivery: what came back and how long it took (body capped).
CREATE TABLE webhook_attempts (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    delivery_id     BLOB    NOT NULL,
    attempted_at    INTEGER NOT NULL,
    status_code     INTEGER,
    duration_ms     INTEGER NOT NULL,
    response_body   TEXT    NOT NULL,
    error           TEXT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, delivery_id) REFERENCES webhook_deliveries (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (organization_id, delivery_id, attempted_at);
