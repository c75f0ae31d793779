-- SQLite has no row-level security; this version exists so both backends keep the same
-- migration versions (PostgreSQL FORCEs its tenant policies here).
SELECT 1;
