-- Ashyq schema v6 (PostgreSQL): the signing keys live in the database, where every node finds
-- them, each sealed (XChaCha20-Poly1305) with the key-encryption key from the environment
-- (or a KMS); the database alone never holds a usable key. See docs/operations.md.
CREATE TABLE signing_keys (
    -- venue, pass or session.
    kind TEXT NOT NULL,
    -- Per kind, counting up: the highest is the key in use.
    seq BIGINT NOT NULL,
    -- The key id (8 hex digits, as in GET /v1/keys); `session` for the session secret.
    key_id TEXT NOT NULL,
    -- Which key-encryption key sealed it (a fingerprint, not the key).
    kek_id TEXT NOT NULL,
    -- v1.<base64url of nonce, ciphertext and tag>; the kind and key id are its associated data.
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, seq)
);
