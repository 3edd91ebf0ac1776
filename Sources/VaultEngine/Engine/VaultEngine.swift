import Foundation
import Logging
import Synchronization

/// The vault: management plane (vaults, principals, role assignments) and data plane (objects), over one
/// encrypted store. Synchronous and thread-safe: a mount calls it from libfuse's worker threads.
///
/// Every data-plane call takes a `Caller` and is decided by the access evaluator before anything is read;
/// every call, allowed or denied, appends one line to the hash-chained audit log.
public final class VaultEngine: Sendable {
    let backend: any StoreBackend
    /// Where the store lives.
    public let location: StoreLocation
    /// The engine's time source (injected for tests).
    public let clock: any VaultClock
    let logger: Logger
    let masterKey: SecureBytes
    let auditKey: HMACSHA256Key
    /// The store's random realm id; backups restore only into stores of the same realm.
    public let realm: String
    /// The realm's id and key (docs/backup.md); the key is opened from `meta.realm_key` at open.
    let realmMembership: RealmMembership
    /// The Unix owner of the store directory: the management-plane Owner.
    public let ownerUID: UInt32
    let dataKeys = Mutex<[String: SecureBytes]>([:])
    let auditQueue: AuditQueue
    let accessCache = AccessSnapshotCache()
    /// Parsed key material of key versions in use (see `KeyMaterialCache`).
    let keyMaterial = KeyMaterialCache()
    /// Rows for the hot read paths (decide, inspect, read a value, use a key), valid until anything is written.
    let readCache: ReadCache

    /// Opens an existing store.
    /// - Throws: `VaultError` `.storeMissing` when there is no store, `.wrongMasterKey` when the key does not
    ///   open it, `.corrupted` for a damaged or unknown-format database, `.storeFailure` when it cannot be read.
    public init(opening location: StoreLocation, clock: any VaultClock = SystemClock(), logger: Logger = Logger(label: "kvfs.engine")) throws {
        self.location = location
        self.clock = clock
        self.logger = logger
        var info = stat()
        guard stat(location.directory, &info) == 0 else {
            throw VaultError(.storeMissing, "No kvfs store at '\(location.directory)'. Create one with `kvfs init --store \(location.directory)`.")
        }
        ownerUID = info.st_uid
        guard access(location.directory, R_OK | W_OK | X_OK) == 0 else {
            throw VaultError(.storeFailure,
                             "Cannot open the kvfs store at '\(location.directory)': permission denied (it belongs to uid \(info.st_uid)). Read secrets through a kvfs mount instead, with a role the store's owner assigns you.")
        }
        guard FileManager.default.fileExists(atPath: location.databasePath) else {
            throw VaultError(.storeMissing, "'\(location.directory)' holds no kvfs store (no \(StoreLocation.databaseName)). Create one with `kvfs init --store \(location.directory)`.")
        }
        masterKey = try MasterKey.load(from: location.masterKeyFile ?? location.defaultMasterKeyPath)
        let signal = try StoreSignal(directory: location.directory)
        let backend = try SQLiteBackend(path: location.databasePath, signal: signal)
        self.backend = backend
        readCache = ReadCache(signal: signal, backend: backend)
        let meta = try backend.read { tx in
            (try tx.meta("format"), try tx.meta("realm"), try tx.meta("key_check"))
        }
        guard let format = meta.0, let realm = meta.1, let keyCheck = meta.2 else {
            throw VaultError(.corrupted, "The store at '\(location.directory)' lacks its format metadata.")
        }
        guard format == String(Schema.formatVersion) else {
            throw VaultError(.corrupted, "The store at '\(location.directory)' has format version \(format); this kvfs reads version \(Schema.formatVersion).")
        }
        self.realm = realm
        guard let box = Data(base64Encoded: keyCheck),
              try AESGCM.open([UInt8](box), key: masterKey, associatedData: VaultEngine.keyCheckAAD(realm: realm)) != nil else {
            throw VaultError(.wrongMasterKey, "The master key does not open the store at '\(location.directory)'.")
        }
        auditKey = try HMACSHA256Key(try HMACSHA256.deriveKey(from: masterKey, purpose: "audit-chain/\(realm)"))
        realmMembership = try VaultEngine.openRealmKey(backend: backend, realm: realm, masterKey: masterKey)
        auditQueue = AuditQueue(backend: backend, key: auditKey, logger: logger)
        try purgeExpired()
    }

    /// Creates a new store: the directory (0700), a random master key file (0600) unless the location names
    /// another key source, and the database (0600). Nothing is left half-written if any step fails.
    /// With `realm` (read from a file `kvfs realm export` wrote) the store joins that realm, so backups move
    /// between the two stores; without it, the store is a realm of its own.
    /// - Throws: `VaultError.storeExists` when a store is already there, `.storeFailure` for file-system errors.
    @discardableResult
    public static func initialize(at location: StoreLocation, joining realm: RealmMembership? = nil,
                                  clock: any VaultClock = SystemClock(),
                                  logger: Logger = Logger(label: "kvfs.engine")) throws -> VaultEngine {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: location.directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw VaultError(.storeFailure, "'\(location.directory)' exists and is not a directory.")
            }
            if fm.fileExists(atPath: location.databasePath) {
                throw VaultError(.storeExists, "A kvfs store already exists at '\(location.directory)'.")
            }
        } else {
            do {
                try fm.createDirectory(atPath: location.directory, withIntermediateDirectories: true,
                                       attributes: [.posixPermissions: 0o700])
            } catch {
                throw VaultError(.storeFailure, "Cannot create the store directory '\(location.directory)'.", cause: error)
            }
        }
        guard chmod(location.directory, 0o700) == 0 else {
            throw VaultError(.storeFailure, "Cannot set mode 0700 on '\(location.directory)': \(String(cString: strerror(errno))).")
        }

        let suffix = ".tmp-\(getpid())"
        let key: SecureBytes
        let keyTemp = location.defaultMasterKeyPath + suffix
        let dbTemp = location.databasePath + suffix
        defer {
            unlink(keyTemp)
            unlink(dbTemp)
        }
        if let explicit = location.masterKeyFile {
            key = try MasterKey.load(from: explicit)
        } else {
            unlink(keyTemp)
            key = try MasterKey.create(at: keyTemp)
        }
        let membership = try realm ?? RealmMembership.generate()
        let realm = membership.realm
        let check = try AESGCM.seal(Array("kvfs-key-check".utf8), key: key, associatedData: keyCheckAAD(realm: realm))
        unlink(dbTemp)
        try SQLiteBackend.create(path: dbTemp, meta: [
            "format": String(Schema.formatVersion),
            "realm": realm,
            "key_check": Data(check).base64EncodedString(),
            RealmMembership.metaKey: try membership.sealed(under: key),
            "created": String(Int(clock.now().timeIntervalSince1970)),
        ])
        guard chmod(dbTemp, 0o600) == 0 else {
            throw VaultError(.storeFailure, "Cannot set mode 0600 on the new database: \(String(cString: strerror(errno))).")
        }
        if location.masterKeyFile == nil {
            guard rename(keyTemp, location.defaultMasterKeyPath) == 0 else {
                throw VaultError(.storeFailure, "Cannot install the master key file: \(String(cString: strerror(errno))).")
            }
        }
        guard rename(dbTemp, location.databasePath) == 0 else {
            throw VaultError(.storeFailure, "Cannot install the database: \(String(cString: strerror(errno))).")
        }
        return try VaultEngine(opening: location, clock: clock, logger: logger)
    }

    deinit {
        auditQueue.close()
    }

    /// Writes any audit lines still waiting in memory. Call before the process exits abruptly.
    /// - Throws: store errors.
    public func flushAudit() throws {
        try auditQueue.flush()
    }

    static func keyCheckAAD(realm: String) -> [UInt8] { Array("kvfs/v1/key-check/\(realm)".utf8) }

    /// Whether `caller` is the management-plane Owner: the store directory's Unix owner, or root.
    public func isOwner(_ caller: Caller) -> Bool { caller.uid == ownerUID || caller.uid == 0 }
}
