-- Soft deletes: a removed user or team keeps its row, so the bookings, audit entries and
-- memberships that name it stay whole. The address and slug are moved aside (to
-- deleted_email / deleted_slug) so they can be used again by someone new.
ALTER TABLE users ADD COLUMN deleted_at    INTEGER;
ALTER TABLE users ADD COLUMN deleted_email TEXT;
ALTER TABLE teams ADD COLUMN deleted_at    INTEGER;
ALTER TABLE teams ADD COLUMN deleted_slug  TEXT;
