-- Ashyq schema v1 (SQLite). Times are Unix seconds; IINs are the 12-digit strings.
CREATE TABLE citizens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    iin TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    lastname TEXT NOT NULL,
    phone TEXT,
    aitu_id TEXT,
    telegram_id INTEGER,
    vk_id INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX citizens_phone ON citizens (phone);
CREATE INDEX citizens_telegram ON citizens (telegram_id);
CREATE INDEX citizens_vk ON citizens (vk_id);

CREATE TABLE venues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bin TEXT NOT NULL,
    business_name TEXT NOT NULL,
    address TEXT NOT NULL,
    category TEXT NOT NULL,
    pcr_required BOOLEAN NOT NULL,
    entrances INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX venues_bin ON venues (bin);

CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    venue_id INTEGER NOT NULL,
    venue_name TEXT NOT NULL,
    address TEXT NOT NULL,
    category TEXT NOT NULL,
    entrance INTEGER NOT NULL,
    entered_at INTEGER NOT NULL,
    exited_at INTEGER,
    exit_kind TEXT,
    cancelled BOOLEAN NOT NULL
);
CREATE INDEX visits_person ON visits (person, entered_at);
CREATE INDEX visits_venue ON visits (venue_id, entered_at);
CREATE INDEX visits_entered ON visits (entered_at);
CREATE INDEX visits_open ON visits (person) WHERE exited_at IS NULL AND NOT cancelled;

-- Every scan by its client visit id, so a retry returns the same result.
CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    visit_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    closed_visit_id TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX scans_at ON scans (at);

CREATE TABLE pcr (
    iin TEXT NOT NULL,
    taken_at INTEGER NOT NULL,
    positive BOOLEAN NOT NULL,
    PRIMARY KEY (iin, taken_at, positive)
);
CREATE TABLE contacts (
    iin TEXT NOT NULL,
    listed_at INTEGER NOT NULL,
    PRIMARY KEY (iin, listed_at)
);
CREATE TABLE vaccinations (
    iin TEXT NOT NULL,
    at INTEGER NOT NULL,
    course_complete BOOLEAN NOT NULL,
    PRIMARY KEY (iin, at, course_complete)
);
CREATE TABLE recoveries (
    iin TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (iin, at)
);

CREATE TABLE import_batches (
    batch_id TEXT PRIMARY KEY,
    imported_at INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
