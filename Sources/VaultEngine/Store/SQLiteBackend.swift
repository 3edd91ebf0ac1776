import CSQLite
import Foundation
import Synchronization

/// The embedded store: one SQLite database in WAL mode, shared safely by a mount and CLI processes.
final class SQLiteBackend: StoreBackend {
    private let pool: SQLiteConnectionPool
    let signal: StoreSignal
    /// The store is known to be of the current format (checked by the first write; see `migrate`).
    private let formatChecked = Mutex(false)

    /// Opens an existing database. The file must exist: opening never creates one.
    init(path: String, signal: StoreSignal) throws {
        self.signal = signal
        guard FileManager.default.fileExists(atPath: path) else {
            throw VaultError(.storeMissing, "No store database at '\(path)'.")
        }
        do {
            pool = try SQLiteConnectionPool(path: path, configure: SQLiteBackend.configure)
        } catch {
            throw SQLiteBackend.translate(error, path: path)
        }
    }

    /// Creates a new database at `path` with the current schema and the given metadata, in one transaction.
    static func create(path: String, meta: [String: String]) throws {
        do {
            let db = try SQLiteConnection(path: path, create: true)
            try configure(db)
            try db.execute("PRAGMA journal_mode = WAL")
            try db.execute("BEGIN IMMEDIATE")
            try db.execute(Schema.version1)
            try db.execute(Schema.certificateSettings)
            try db.execute(Schema.keyRotationPolicies)
            try db.execute(Schema.changeFeed)
            for (key, value) in meta {
                try db.run("INSERT INTO meta(key, value) VALUES (?, ?)", [key, value])
            }
            try db.execute("COMMIT")
        } catch {
            throw translate(error, path: path)
        }
    }

    private static func configure(_ db: SQLiteConnection) throws {
        db.setBusyTimeout(seconds: 10)
        try db.execute("""
            PRAGMA foreign_keys = ON;
            PRAGMA synchronous = NORMAL;
            PRAGMA secure_delete = ON;
            PRAGMA cache_size = -16384;
            """)
        // cache_size: 16 MiB of page cache per connection, so lookups in a vault of 100k objects stay in memory.
    }

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(SQLiteTransaction(db: db)) }
        } catch let error as VaultError {
            throw error
        } catch {
            throw SQLiteBackend.translate(error, path: pool.path)
        }
    }

    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        // Before: a reader that loads rows while this transaction runs labels them with a token that the
        // bump after the commit makes stale.
        signal.bump()
        defer { signal.bump() }
        let checked = formatChecked.withLock { $0 }
        let result = try appendAudit { tx in
            if !checked, let sqlite = tx as? SQLiteTransaction { try SQLiteBackend.migrate(sqlite.db) }
            return try body(tx)
        }
        if !checked { formatChecked.withLock { $0 = true } }
        return result
    }

    func appendAudit<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(SQLiteTransaction(db: db)) }
        } catch let error as VaultError {
            throw error
        } catch {
            throw SQLiteBackend.translate(error, path: pool.path)
        }
    }

    static func translate(_ error: any Error, path: String) -> VaultError {
        if let error = error as? VaultError { return error }
        if let db = error as? SQLiteError {
            switch db.primaryCode {
            case SQLITE_CORRUPT, SQLITE_NOTADB:
                return VaultError(.corrupted, "The store database '\(path)' is damaged (SQLite error \(db.code)).", cause: error)
            case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH:
                return VaultError(.storeFailure, "Cannot open the store database '\(path)' (SQLite error \(db.code)): check its owner and mode.", cause: error)
            case SQLITE_BUSY, SQLITE_LOCKED:
                return VaultError(.storeFailure, "The store database '\(path)' stayed locked by another process; try again.", cause: error)
            default:
                return VaultError(.storeFailure, "The store database '\(path)' failed: SQLite error \(db.code).", cause: error)
            }
        }
        return VaultError(.storeFailure, "The store database '\(path)' failed.", cause: error)
    }
}
