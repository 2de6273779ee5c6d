-- Ashyq schema v8 (SQLite): what the server is, used Aitu proofs, batch ids per importer.

-- Facts about this database. `mode` = `dev` is written by a `--dev` server into a database
-- it finds empty; `--dev` refuses a database without it (production data).
CREATE TABLE server_instance (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Aitu GetMe/GetPhone pairs that opened a session: SHA-256 of the pair (never the proof),
-- refused again until `forget_at`, when the session it opened has ended.
CREATE TABLE used_host_proofs (
    digest TEXT PRIMARY KEY,
    forget_at INTEGER NOT NULL
);
CREATE INDEX used_host_proofs_forget_at ON used_host_proofs (forget_at);

-- A batch id belongs to whoever imported it (`key:<import key id>`, `operator:cli`): two
-- integrators using the same id do not collide. Batches imported before have importer ''
-- and are matched by nobody's retry.
CREATE TABLE import_batches_v8 (
    importer TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    digest TEXT,
    PRIMARY KEY (importer, batch_id)
);
INSERT INTO import_batches_v8 (importer, batch_id, imported_at, accepted, rejected, digest)
    SELECT '', batch_id, imported_at, accepted, rejected, digest FROM import_batches;
DROP TABLE import_batches;
ALTER TABLE import_batches_v8 RENAME TO import_batches;
