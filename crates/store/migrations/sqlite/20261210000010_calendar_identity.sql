-- One calendar identity per booking, stored with it: the booking whose id names the event in
-- every calendar (the first of its chain of reschedules) and the iCalendar SEQUENCE of the
-- latest change calendars have seen, raised in the change's own transaction. It replaces
-- calendar_sequences, the e-mails' own counter keyed by UID, which counted when an e-mail
-- job ran rather than when the booking changed.
-- Existing bookings: the root is found by walking rescheduled_from; the SEQUENCE is the
-- highest any channel has already sent (the e-mails' counter for the root's UID, the
-- write-back's for the booking), so no calendar sees it go back. Write-back rows keep the UID
-- they were first written with (calendar_writebacks.uid).
-- Keep in step with ../postgres/20261210000010_calendar_identity.sql.
ALTER TABLE bookings ADD COLUMN calendar_root_id BLOB;
ALTER TABLE bookings ADD COLUMN calendar_sequence INTEGER NOT NULL DEFAULT 0;

CREATE TEMP TABLE calendar_roots AS
WITH RECURSIVE chain (organization_id, id, root) AS (
    SELECT organization_id, id, id FROM bookings WHERE rescheduled_from IS NULL
    UNION ALL
    SELECT b.organization_id, b.id, chain.root FROM bookings b
    JOIN chain ON b.organization_id = chain.organization_id AND b.rescheduled_from = chain.id
)
SELECT organization_id, id, root FROM chain;
CREATE INDEX temp.calendar_roots_booking ON calendar_roots (organization_id, id);

UPDATE bookings SET calendar_root_id = COALESCE(
    (SELECT r.root FROM calendar_roots r
     WHERE r.organization_id = bookings.organization_id AND r.id = bookings.id),
    id);
DROP TABLE temp.calendar_roots;

-- The e-mails' UID spelt the root as text: `<uuid>@rendezvous`.
UPDATE bookings SET calendar_sequence = MAX(
    COALESCE((SELECT s.sequence FROM calendar_sequences s
              WHERE s.organization_id = bookings.organization_id
                AND s.uid = lower(substr(hex(bookings.calendar_root_id), 1, 8) || '-'
                    || substr(hex(bookings.calendar_root_id), 9, 4) || '-'
                    || substr(hex(bookings.calendar_root_id), 13, 4) || '-'
                    || substr(hex(bookings.calendar_root_id), 17, 4) || '-'
                    || substr(hex(bookings.calendar_root_id), 21, 12)) || '@rendezvous'), 0),
    COALESCE((SELECT w.sequence FROM calendar_writebacks w
              WHERE w.organization_id = bookings.organization_id AND w.booking_id = bookings.id), 0));

DROP TABLE calendar_sequences;
