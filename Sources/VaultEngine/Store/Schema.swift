/// The on-disk format, version 1 (docs/store-format.md). A store records its version in `meta.format`;
/// an engine refuses a store whose version it does not know.
enum Schema {
    static let formatVersion = 1

    static let version1 = """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    CREATE TABLE vaults (
        id               TEXT PRIMARY KEY NOT NULL,
        name             TEXT NOT NULL,
        name_key         TEXT NOT NULL UNIQUE,
        sku              TEXT NOT NULL,
        retention_days   INTEGER NOT NULL CHECK (retention_days BETWEEN 7 AND 90),
        purge_protection INTEGER NOT NULL,
        created          REAL NOT NULL,
        updated          REAL NOT NULL,
        deleted_date     REAL,
        scheduled_purge  REAL,
        data_key         BLOB NOT NULL
    );
    CREATE TABLE principals (
        name     TEXT NOT NULL,
        name_key TEXT PRIMARY KEY NOT NULL,
        kind     TEXT NOT NULL CHECK (kind IN ('user', 'group')),
        unix_id  INTEGER NOT NULL,
        created  REAL NOT NULL,
        UNIQUE (kind, unix_id)
    );
    CREATE TABLE role_assignments (
        id            TEXT PRIMARY KEY NOT NULL,
        principal_key TEXT NOT NULL REFERENCES principals(name_key) ON DELETE CASCADE,
        role_id       TEXT NOT NULL,
        scope         TEXT NOT NULL,
        scope_key     TEXT NOT NULL,
        vault_key     TEXT NOT NULL,
        created       REAL NOT NULL,
        UNIQUE (principal_key, role_id, scope_key)
    );
    CREATE INDEX role_assignments_by_principal ON role_assignments(principal_key);
    CREATE TABLE objects (
        id              INTEGER PRIMARY KEY,
        vault_id        TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
        kind            TEXT NOT NULL,
        name            TEXT NOT NULL,
        name_key        TEXT NOT NULL,
        current_version TEXT NOT NULL,
        created         REAL NOT NULL,
        deleted_date    REAL,
        scheduled_purge REAL,
        managed         INTEGER NOT NULL DEFAULT 0,
        UNIQUE (vault_id, kind, name_key)
    );
    CREATE INDEX objects_by_purge ON objects(scheduled_purge) WHERE scheduled_purge IS NOT NULL;
    CREATE TABLE versions (
        seq           INTEGER PRIMARY KEY,
        object_id     INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
        version       TEXT NOT NULL,
        created       REAL NOT NULL,
        updated       REAL NOT NULL,
        enabled       INTEGER NOT NULL,
        not_before    REAL,
        expires       REAL,
        content_type  TEXT,
        tags          TEXT NOT NULL,
        sealed_value  BLOB,
        value_length  INTEGER NOT NULL,
        details       TEXT,
        UNIQUE (object_id, version)
    );
    CREATE TABLE audit (
        seq  INTEGER PRIMARY KEY,
        line TEXT NOT NULL,
        mac  TEXT NOT NULL
    );
    """

    /// A table added to format 1 without a new version: each vault's certificate contacts (one row, kind
    /// `contacts`) and certificate issuers (kind `issuer`, one row per issuer), their public JSON in `body`;
    /// nothing in it is secret. A new store has it from the start; a store made before it gains it in the
    /// first write transaction that stores a contact or an issuer (`CREATE TABLE IF NOT EXISTS`), and reads
    /// of a store without it find no rows, so opening a store still never writes and an older kvfs, which
    /// never reads the table, still opens the store.
    static let certificateSettings = """
    CREATE TABLE IF NOT EXISTS certificate_settings (
        vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
        kind     TEXT NOT NULL CHECK (kind IN ('contacts', 'issuer')),
        name     TEXT NOT NULL,
        name_key TEXT NOT NULL,
        body     TEXT NOT NULL,
        created  REAL NOT NULL,
        updated  REAL NOT NULL,
        PRIMARY KEY (vault_id, kind, name_key)
    );
    """
    static let certificateSettingsTable = "certificate_settings"

    /// Added to format 1 the same way: each key's rotation policy (public JSON in `body`) and the version whose
    /// coming expiry was last announced (`notified_version`), removed with the key.
    static let keyRotationPolicies = """
    CREATE TABLE IF NOT EXISTS key_rotation_policies (
        object_id        INTEGER PRIMARY KEY REFERENCES objects(id) ON DELETE CASCADE,
        body             TEXT NOT NULL,
        notified_version TEXT,
        created          REAL NOT NULL,
        updated          REAL NOT NULL
    );
    """
    static let keyRotationPoliciesTable = "key_rotation_policies"
}
