-- Ashyq schema v2 (SQLite): positive PCR results whose contacts are still to be traced.
-- A row is written in the same transaction as the import that brought the result, and
-- deleted only after the person's contacts are listed, so a crash in between is repaired
-- by the next tracing run (after any import, and in housekeeping at start).
CREATE TABLE pending_tracing (
    iin TEXT NOT NULL,
    taken_at INTEGER NOT NULL,
    queued_at INTEGER NOT NULL,
    PRIMARY KEY (iin, taken_at)
);
