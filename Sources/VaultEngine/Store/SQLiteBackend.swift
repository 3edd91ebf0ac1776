import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite database in WAL mode, shared safely by a mount and CLI processes.
final class SQLiteBackend: StoreBackend {
    private let pool: DatabasePool
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
            pool = try DatabasePool(path: path, configuration: SQLiteBackend.configuration())
        } catch {
            throw SQLiteBackend.translate(error, path: path)
        }
    }

    /// Creates a new database at `path` with the current schema and the given metadata, in one transaction.
    static func create(path: String, meta: [String: String]) throws {
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration())
            try queue.write { db in
                try db.execute(sql: Schema.version1)
                try db.execute(sql: Schema.certificateSettings)
                try db.execute(sql: Schema.keyRotationPolicies)
                try db.execute(sql: Schema.changeFeed)
                for (key, value) in meta {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
                }
            }
            try queue.close()
        } catch {
            throw translate(error, path: path)
        }
    }

    private static func configuration() -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // 16 MiB of page cache per connection: lookups in a vault of 100k objects stay in memory.
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        return config
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
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return VaultError(.corrupted, "The store database '\(path)' is damaged (\(db.resultCode)).", cause: error)
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
                return VaultError(.storeFailure, "Cannot open the store database '\(path)' (\(db.resultCode)): check its owner and mode.", cause: error)
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return VaultError(.storeFailure, "The store database '\(path)' stayed locked by another process; try again.", cause: error)
            default:
                return VaultError(.storeFailure, "The store database '\(path)' failed: \(db.resultCode).", cause: error)
            }
        }
        return VaultError(.storeFailure, "The store database '\(path)' failed.", cause: error)
    }
}
