-- One calendar identity per booking, stored with it: the booking whose id names the event in
-- every calendar (the first of its chain of reschedules) and the iCalendar SEQUENCE of the
-- latest change calendars have seen, raised in the change's own transaction. It replaces
-- calendar_sequences, the e-mails' own counter keyed by UID, which counted when an e-mail
-- job ran rather than when the booking changed.
-- Existing bookings: the root is found by walking rescheduled_from; the SEQUENCE is the
-- highest any channel has already sent (the e-mails' counter for the root's UID, the
-- write-back's for the booking), so no calendar sees it go back. Write-back rows keep the UID
-- they were first written with (calendar_writebacks.uid).
-- It rewrites every organization's bookings: `Db::migrate` runs migrations cross-tenant.
-- Keep in step with ../sqlite/20261210000010_calendar_identity.sql.

ALTER TABLE bookings
    ADD COLUMN calendar_root_id UUID,
    ADD COLUMN calendar_sequence INTEGER NOT NULL DEFAULT 0;

WITH RECURSIVE chain (organization_id, id, root) AS (
    SELECT organization_id, id, id FROM bookings WHERE rescheduled_from IS NULL
    UNION ALL
    SELECT b.organization_id, b.id, chain.root FROM bookings b
    JOIN chain ON b.organization_id = chain.organization_id AND b.rescheduled_from = chain.id
)
UPDATE bookings b SET calendar_root_id = chain.root
FROM chain WHERE b.organization_id = chain.organization_id AND b.id = chain.id;
UPDATE bookings SET calendar_root_id = id WHERE calendar_root_id IS NULL;
ALTER TABLE bookings ALTER COLUMN calendar_root_id SET NOT NULL;

-- The e-mails' UID spelt the root as text: `<uuid>@rendezvous`.
UPDATE bookings b SET calendar_sequence = GREATEST(
    COALESCE((SELECT s.sequence FROM calendar_sequences s
              WHERE s.organization_id = b.organization_id
                AND s.uid = b.calendar_root_id::text || '@rendezvous'), 0),
    COALESCE((SELECT w.sequence FROM calendar_writebacks w
              WHERE w.organization_id = b.organization_id AND w.booking_id = b.id), 0));

DROP TABLE calendar_sequences;
