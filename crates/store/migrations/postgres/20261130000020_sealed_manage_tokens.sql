-- An attendee's manage token, sealed with the server's credential keys, so the e-mails sent
-- after the booking (confirmation, reschedule, reminders) can carry the manage link; the
-- hash beside it still checks the token. NULL for bookings made before this column.
-- Keep in step with ../sqlite/20261130000020_sealed_manage_tokens.sql.
ALTER TABLE booking_attendees ADD COLUMN manage_token_sealed TEXT;
