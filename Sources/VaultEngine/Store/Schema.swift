/// The on-disk format (docs/store-format.md). A store records its version in `meta.format`; an engine refuses
/// a store whose version it does not know. Version 1 is the schema below; version 2 is version 1 migrated by
/// `version2Migration`, which a store undergoes in the transaction that creates its first workload principal.
enum Schema {
    /// The newest format this engine writes.
    static let formatVersion = 2
    /// The format `kvfs init` writes: 1, so that a store using no workload principal stays readable by every kvfs.
    static let newStoreVersion = 1
    /// Every format this engine opens.
    static let readableVersions: Set<String> = ["1", "2"]

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

    /// Format 1 → 2: `principals` gains the kind `workload` and a `selectors` column (the selectors' JSON), and
    /// the one-principal-per-uid rule keeps holding for users and groups only (many workloads run as one uid).
    /// SQLite cannot change a table's constraints, so both tables of principals and assignments are rebuilt
    /// under new names, copied, and renamed into place; the assignments' table goes first, so dropping the old
    /// principals cascades to nothing. Runs inside one write transaction: a failure leaves format 1 as it was.
    static let version2Migration = """
    CREATE TABLE principals_v2 (
        name      TEXT NOT NULL,
        name_key  TEXT PRIMARY KEY NOT NULL,
        kind      TEXT NOT NULL CHECK (kind IN ('user', 'group', 'workload')),
        unix_id   INTEGER NOT NULL,
        created   REAL NOT NULL,
        selectors TEXT,
        CHECK ((kind = 'workload') = (selectors IS NOT NULL))
    );
    INSERT INTO principals_v2(name, name_key, kind, unix_id, created) SELECT name, name_key, kind, unix_id, created FROM principals;
    CREATE TABLE role_assignments_v2 (
        id            TEXT PRIMARY KEY NOT NULL,
        principal_key TEXT NOT NULL REFERENCES principals_v2(name_key) ON DELETE CASCADE,
        role_id       TEXT NOT NULL,
        scope         TEXT NOT NULL,
        scope_key     TEXT NOT NULL,
        vault_key     TEXT NOT NULL,
        created       REAL NOT NULL,
        UNIQUE (principal_key, role_id, scope_key)
    );
    INSERT INTO role_assignments_v2 SELECT id, principal_key, role_id, scope, scope_key, vault_key, created FROM role_assignments;
    DROP TABLE role_assignments;
    DROP TABLE principals;
    ALTER TABLE principals_v2 RENAME TO principals;
    ALTER TABLE role_assignments_v2 RENAME TO role_assignments;
    CREATE UNIQUE INDEX principals_by_binding ON principals(kind, unix_id) WHERE kind <> 'workload';
    CREATE INDEX role_assignments_by_principal ON role_assignments(principal_key);
    UPDATE meta SET value = '2' WHERE key = 'format';
    """
}
