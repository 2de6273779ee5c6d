-- Ashyq schema v5 (SQLite): the business side and the door (issue 9).

-- A child's parent or guardian (dependants are checked in with the parent's scan).
ALTER TABLE citizens ADD COLUMN parent_iin TEXT;
CREATE INDEX citizens_parent ON citizens (parent_iin);

-- The business registry, imported like health data: who may act for a BIN.
CREATE TABLE businesses (
    bin TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE business_owners (
    bin TEXT NOT NULL,
    iin TEXT NOT NULL,
    PRIMARY KEY (bin, iin)
);
CREATE INDEX business_owners_iin ON business_owners (iin);

-- Door staff an owner appointed at one premises.
CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    venue_id INTEGER NOT NULL,
    iin TEXT NOT NULL,
    appointed_at INTEGER NOT NULL,
    UNIQUE (venue_id, iin)
);
CREATE INDEX staff_iin ON staff (iin);

-- An entrance whose codes were re-issued: codes issued before valid_from are revoked.
CREATE TABLE entrance_codes (
    venue_id INTEGER NOT NULL,
    entrance INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    PRIMARY KEY (venue_id, entrance)
);

-- Who did what that the registry or the door must be able to answer for. Never a full
-- IIN: staff and owners by masked IIN, API keys by key id.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    venue_id INTEGER,
    masked_iin TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
