/// The on-disk format, version 2 (docs/store-format.md). A store records its version in `meta.format`;
/// an engine refuses a store whose version it does not know, and brings a store of an older version it
/// knows up to date in its first write transaction (`SQLiteBackend.migrate`), so opening still never writes.
enum Schema {
    static let formatVersion = 2
    /// The versions this engine opens: 1 reads as having an empty change feed until its first write.
    static let readableVersions: Set<Int> = [1, 2]

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

    /// Format 2: the change feed. Every change to a vault, an object or a version adds a row, in the change's
    /// own transaction, whichever process or engine made it: triggers write the rows, so no write path can
    /// forget one. `seq` only grows (AUTOINCREMENT never reuses a number, and a rolled-back change takes its
    /// rows and its numbers with it); `kind` and `name` are NULL for a change of the vault itself. One change
    /// may add several rows (an object's row and its new version's); readers coalesce them. The newest
    /// `changeFeedRetention` rows are kept: a reader that fell further behind sees a gap and starts afresh.
    static let changeFeed = """
    CREATE TABLE IF NOT EXISTS changes (
        seq   INTEGER PRIMARY KEY AUTOINCREMENT,
        vault TEXT NOT NULL,
        kind  TEXT,
        name  TEXT
    );
    CREATE TRIGGER IF NOT EXISTS changes_vault_insert AFTER INSERT ON vaults BEGIN
        INSERT INTO changes(vault) VALUES (NEW.name);
    END;
    CREATE TRIGGER IF NOT EXISTS changes_vault_update AFTER UPDATE ON vaults BEGIN
        INSERT INTO changes(vault) VALUES (NEW.name);
    END;
    CREATE TRIGGER IF NOT EXISTS changes_vault_delete AFTER DELETE ON vaults BEGIN
        INSERT INTO changes(vault) VALUES (OLD.name);
    END;
    CREATE TRIGGER IF NOT EXISTS changes_object_insert AFTER INSERT ON objects BEGIN
        INSERT INTO changes(vault, kind, name) SELECT name, NEW.kind, NEW.name FROM vaults WHERE id = NEW.vault_id;
    END;
    CREATE TRIGGER IF NOT EXISTS changes_object_update AFTER UPDATE ON objects BEGIN
        INSERT INTO changes(vault, kind, name) SELECT name, NEW.kind, NEW.name FROM vaults WHERE id = NEW.vault_id;
    END;
    CREATE TRIGGER IF NOT EXISTS changes_object_delete AFTER DELETE ON objects BEGIN
        INSERT INTO changes(vault, kind, name) SELECT name, OLD.kind, OLD.name FROM vaults WHERE id = OLD.vault_id;
    END;
    CREATE TRIGGER IF NOT EXISTS changes_version_insert AFTER INSERT ON versions BEGIN
        INSERT INTO changes(vault, kind, name)
        SELECT v.name, o.kind, o.name FROM objects o JOIN vaults v ON v.id = o.vault_id WHERE o.id = NEW.object_id;
    END;
    CREATE TRIGGER IF NOT EXISTS changes_version_update AFTER UPDATE ON versions BEGIN
        INSERT INTO changes(vault, kind, name)
        SELECT v.name, o.kind, o.name FROM objects o JOIN vaults v ON v.id = o.vault_id WHERE o.id = NEW.object_id;
    END;
    CREATE TRIGGER IF NOT EXISTS changes_version_delete AFTER DELETE ON versions BEGIN
        INSERT INTO changes(vault, kind, name)
        SELECT v.name, o.kind, o.name FROM objects o JOIN vaults v ON v.id = o.vault_id WHERE o.id = OLD.object_id;
    END;
    CREATE TRIGGER IF NOT EXISTS changes_prune AFTER INSERT ON changes WHEN NEW.seq % 1024 = 0 BEGIN
        DELETE FROM changes WHERE seq <= NEW.seq - \(changeFeedRetention);
    END;
    """
    static let changeFeedTable = "changes"
    /// How many of the newest change-feed rows a store keeps (at least; pruning runs every 1024 rows).
    static let changeFeedRetention = 16384
}
