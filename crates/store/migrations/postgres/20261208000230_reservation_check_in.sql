-- Check-in (issue 19): a resource may require someone to check in to a reservation; one nobody
-- checked in to is released release_after_minutes after its start.
-- Keep in step with ../sqlite/20261208000230_reservation_check_in.sql.
ALTER TABLE resources ADD COLUMN check_in_required BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE resources ADD COLUMN release_after_minutes INTEGER NOT NULL DEFAULT 15 CHECK (release_after_minutes BETWEEN 0 AND 1440);
ALTER TABLE reservations ADD COLUMN checked_in_at TIMESTAMPTZ;
