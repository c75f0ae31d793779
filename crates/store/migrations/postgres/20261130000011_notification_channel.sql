-- A user's phone number (E.164, checked by the service), for host messages by SMS.
ALTER TABLE users ADD COLUMN phone TEXT;

-- How long before a booking's start the host's reminder comes (NULL: the system default),
-- and the channel of the host's own booking messages (`sms` needs users.phone).
ALTER TABLE notification_preferences ADD COLUMN reminder_lead_minutes INTEGER;
ALTER TABLE notification_preferences ADD COLUMN preferred_channel TEXT NOT NULL DEFAULT 'email'
    CHECK (preferred_channel IN ('email', 'sms'));
