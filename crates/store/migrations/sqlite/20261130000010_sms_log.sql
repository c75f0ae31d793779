-- Text messages in the notification log: the provider's id for each message (Twilio's SM...
-- sid), to match its later status reports. E-mails keep it empty.

ALTER TABLE notification_log ADD COLUMN external_id TEXT;
