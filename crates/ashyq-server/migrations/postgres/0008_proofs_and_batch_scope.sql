-- Ashyq schema v8 (PostgreSQL): what the server is, used Aitu proofs, batch ids per importer.

-- Facts about this database. `mode` = `dev` is written by a `--dev` server into a database
-- it finds empty; `--dev` refuses a database without it (production data). (`--dev` never
-- runs on PostgreSQL; the table is here so both schemas are one.)
CREATE TABLE server_instance (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Aitu GetMe/GetPhone pairs that opened a session: SHA-256 of the pair (never the proof),
-- refused again until `forget_at`, when the session it opened has ended.
CREATE TABLE used_host_proofs (
    digest TEXT PRIMARY KEY,
    forget_at BIGINT NOT NULL
);
CREATE INDEX used_host_proofs_forget_at ON used_host_proofs (forget_at);

-- A batch id belongs to whoever imported it (`key:<import key id>`, `operator:cli`): two
-- integrators using the same id do not collide. Batches imported before have importer ''
-- and are matched by nobody's retry.
ALTER TABLE import_batches ADD COLUMN importer TEXT NOT NULL DEFAULT '';
ALTER TABLE import_batches DROP CONSTRAINT import_batches_pkey;
ALTER TABLE import_batches ADD PRIMARY KEY (importer, batch_id);
