-- Ashyq schema v3 (PostgreSQL): tracing whenever an overlap comes into being, batch digests,
-- and the code of each scan.

-- A stay whose person has an infectious window that may overlap it (set at check-in, and
-- by the import of a positive for the stays already there). A scan finds the infectious
-- stays at its venue through this small partial index; at a venue with none it reads
-- nothing more. The exact windows come from the core; the mark only narrows the search.
ALTER TABLE visits ADD COLUMN infectious BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX visits_infectious ON visits (venue_id, entered_at) WHERE infectious;
UPDATE visits SET infectious = TRUE
    WHERE EXISTS (SELECT 1 FROM pcr WHERE pcr.iin = visits.person AND pcr.positive);

-- A cancelled visit leaves the diary but stays a stay: it is open until a scan or the
-- auto-close ends it, like any other.
DROP INDEX visits_open;
CREATE INDEX visits_open ON visits (person) WHERE exited_at IS NULL;

-- SHA-256 of a batch's rows: the same id with other rows is refused (NULL: imported
-- before v3, taken as the same).
ALTER TABLE import_batches ADD COLUMN digest TEXT;

-- The code a client visit id was used with: the same id with another code is refused
-- (NULL: recorded before v3).
ALTER TABLE scans ADD COLUMN venue_id BIGINT;
ALTER TABLE scans ADD COLUMN entrance BIGINT;
