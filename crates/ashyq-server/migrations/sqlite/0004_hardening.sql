-- Ashyq schema v4 (SQLite): revocation, sign-out, E.164 phones, retention by date.

-- Signing keys revoked with `ashyq-server keys revoke KID`: every node refuses them and
-- `GET /v1/keys` stops publishing them. Keys themselves stay out of the database.
CREATE TABLE revoked_keys (
    key_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    revoked_at INTEGER NOT NULL
);

-- Session tokens carry the epoch they were issued in; signing out moves the person's
-- epoch on, which ends every token issued before.
ALTER TABLE citizens ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- Phones are kept in E.164 (`+77012345678`); v1 kept digits only, Kazakh numbers with
-- their 7. Numbers that v1 rewrote (a leading 8 made 7, ten digits given a 7) cannot be
-- told apart here: re-import the citizen registry with E.164 phones.
UPDATE citizens SET phone = '+' || phone WHERE phone IS NOT NULL AND phone NOT LIKE '+%';
CREATE INDEX citizens_aitu ON citizens (aitu_id);

-- Retention deletes every kind of record by its date.
CREATE INDEX pcr_taken ON pcr (taken_at);
CREATE INDEX contacts_listed ON contacts (listed_at);
CREATE INDEX vaccinations_at ON vaccinations (at);
CREATE INDEX recoveries_at ON recoveries (at);
CREATE INDEX pending_tracing_taken ON pending_tracing (taken_at);
