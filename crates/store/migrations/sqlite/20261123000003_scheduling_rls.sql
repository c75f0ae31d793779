-- SQLite has no row-level security; this version exists so both backends keep the same
-- migration versions (PostgreSQL adds policies for the scheduling tables here).
SELECT 1;
