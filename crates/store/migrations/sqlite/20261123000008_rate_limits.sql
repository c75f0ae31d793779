-- Rate-limit counters shared by every server process on this database: one fixed window per
-- key (an address or an account, with the limit's name). Not tenant data: keys span
-- organizations (a client address), so the table has no organization_id and no policy.
CREATE TABLE rate_limits (
    key          TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
) STRICT;
CREATE INDEX rate_limits_window_start ON rate_limits (window_start);
