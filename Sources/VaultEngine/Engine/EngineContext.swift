import Foundation
import Logging
import Synchronization

/// What every engine service shares: the open store, its keys, the caches and the audit queue, and the
/// operation pipeline (`run`, in Operation.swift) through which every service's calls go.
/// Synchronous and thread-safe: a mount calls it from libfuse's worker threads.
final class EngineContext: Sendable {
    let backend: any StoreBackend
    /// Where the store lives.
    let location: StoreLocation
    /// The engine's time source (injected for tests).
    let clock: any VaultClock
    let logger: Logger
    let masterKey: SecureBytes
    let auditKey: HMACSHA256Key
    /// The store's random realm id; backups restore only into stores of the same realm.
    let realm: String
    /// The realm's id and key (docs/backup.md); the key is opened from `meta.realm_key` at open.
    let realmMembership: RealmMembership
    /// The host-name suffix of vault URLs in object ids (`meta.dns_suffix`, or `VaultObjectID.defaultDNSSuffix`).
    let dnsSuffix: String
    /// The Unix owner of the store directory: the management-plane Owner.
    let ownerUID: UInt32
    let dataKeys = Mutex<[String: SecureBytes]>([:])
    let auditQueue: AuditQueue
    let accessCache = AccessSnapshotCache()
    /// Parsed key material of key versions in use (see `KeyMaterialCache`).
    let keyMaterial = KeyMaterialCache()
    /// Rows for the hot read paths (decide, inspect, read a value, use a key), valid until anything is written.
    let readCache: ReadCache

    /// Opens an existing store, reading only: nothing is written until an operation writes.
    init(opening location: StoreLocation, clock: any VaultClock, logger: Logger) throws {
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
            (try tx.meta("format"), try tx.meta("realm"), try tx.meta("key_check"), try tx.meta(EngineContext.dnsSuffixKey))
        }
        guard let format = meta.0, let realm = meta.1, let keyCheck = meta.2 else {
            throw VaultError(.corrupted, "The store at '\(location.directory)' lacks its format metadata.")
        }
        guard let version = Int(format), Schema.readableVersions.contains(version) else {
            throw VaultError(.corrupted, "The store at '\(location.directory)' has format version \(format); this kvfs reads versions \(Schema.readableVersions.sorted().map(String.init).joined(separator: " and ")).")
        }
        self.realm = realm
        let suffix = meta.3 ?? VaultObjectID.defaultDNSSuffix
        guard VaultObjectID.isValidDNSSuffix(suffix) else {
            throw VaultError(.corrupted, "The store at '\(location.directory)' names an invalid DNS suffix for its vault URLs.")
        }
        dnsSuffix = suffix
        guard let box = Data(base64Encoded: keyCheck),
              try AESGCM.open([UInt8](box), key: masterKey, associatedData: EngineContext.keyCheckAAD(realm: realm)) != nil else {
            throw VaultError(.wrongMasterKey, "The master key does not open the store at '\(location.directory)'.")
        }
        auditKey = try HMACSHA256Key(try HMACSHA256.deriveKey(from: masterKey, purpose: "audit-chain/\(realm)"))
        realmMembership = try EngineContext.openRealmKey(backend: backend, realm: realm, masterKey: masterKey)
        auditQueue = AuditQueue(backend: backend, key: auditKey, logger: logger)
    }

    deinit {
        auditQueue.close()
    }

    static let dnsSuffixKey = "dns_suffix"

    /// The id of an object version (or, with `version` nil, of the object).
    func id(_ kind: ObjectKind, vault: String, name: String, version: String?) -> VaultObjectID {
        VaultObjectID(kind, vault: vault, name: name, version: version, dnsSuffix: dnsSuffix)
    }

    static func keyCheckAAD(realm: String) -> [UInt8] { Array("kvfs/v1/key-check/\(realm)".utf8) }

    /// Whether `caller` is the management-plane Owner: the store directory's Unix owner, or root.
    func isOwner(_ caller: Caller) -> Bool { caller.uid == ownerUID || caller.uid == 0 }
}
