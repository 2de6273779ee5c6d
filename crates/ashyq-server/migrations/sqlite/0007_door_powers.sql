-- Ashyq schema v7 (SQLite): door powers that follow ownership and need the visitor.

-- Who appointed a staff member (the owner's citizens.id). Staff powers hold only while
-- that owner still owns the premises' business in the registry; appointments made
-- before this migration name nobody and so give no powers until re-made.
ALTER TABLE staff ADD COLUMN appointed_by INTEGER;

-- A guard-mode visit names the appointment (staff.id) that recorded it; a visitor's
-- dispute is kept with its time (the visit then takes no part in tracing).
ALTER TABLE visits ADD COLUMN guard_staff INTEGER;
ALTER TABLE visits ADD COLUMN disputed_at INTEGER;
CREATE INDEX visits_disputed ON visits (disputed_at) WHERE disputed_at IS NOT NULL;

-- Listings imported from a health authority, told apart from listings traced here, so
-- that withdrawing a disputed visit's listings never touches an imported one.
ALTER TABLE contacts ADD COLUMN imported BOOLEAN NOT NULL DEFAULT 0;

-- The person an audit row is about, by citizens.id (`citizen:N`) or, for an IIN the
-- registry does not hold, by a keyed hash (`iin-hmac:…`); masked IINs, which several
-- people share, are no longer written.
ALTER TABLE audit_log RENAME COLUMN masked_iin TO subject;

-- Guard mode's proof of presence: a one-time code sent to the visitor's registered
-- phone, kept only as a keyed hash, single use, a few tries.
CREATE TABLE presence_challenges (
    id TEXT PRIMARY KEY,
    venue_id INTEGER NOT NULL,
    entrance INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    iin TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    visit_id TEXT
);
CREATE INDEX presence_challenges_created ON presence_challenges (created_at);
