import Foundation
import Logging

/// The vault: management plane (vaults, principals, role assignments) and data plane (secrets, keys,
/// certificates), over one encrypted store. Synchronous and thread-safe: a mount calls it from libfuse's
/// worker threads.
///
/// Each family of operations is a service over one shared context: `secrets`, `keys`, `certificates`,
/// `objects(_:)` (the lifecycle every family shares: list, update, delete, recover, purge), `vaults`,
/// `access` (principals, role assignments, what a caller may do), `backups`, `audit` and `housekeeping`.
/// Every call takes a `Caller`, is decided by the engine before anything is read, and appends one line to
/// the hash-chained audit log, allowed or denied (docs/architecture.md).
public final class VaultEngine: Sendable {
    let context: EngineContext

    /// Secrets: set and get values.
    public let secrets: SecretService
    /// Keys: create, import, rotate, read public parts, update, and the cryptographic operations.
    public let keys: KeyService
    /// Certificates: create, import, merge, policies, pending operations.
    public let certificates: CertificateService
    /// Vaults: the management plane's create, show, list, update, delete, recover, purge.
    public let vaults: VaultService
    /// Principals, role assignments, and what a caller may do (capabilities).
    public let access: AccessService
    /// Backup and restore of objects and whole vaults; the realm.
    public let backups: BackupService
    /// Reading and verifying the audit log.
    public let audit: AuditService
    /// Automatic purge and certificate renewal, run by a long-lived front-end (a mount, a server).
    public let housekeeping: Housekeeping
    /// What changed in the store, from any process, in commit order (for a mount's kernel caches and watchers).
    public let changes: ChangeFeed

    /// Opens an existing store. Opening reads and never writes.
    /// - Throws: `VaultError` `.storeMissing` when there is no store, `.wrongMasterKey` when the key does not
    ///   open it, `.corrupted` for a damaged or unknown-format database, `.storeFailure` when it cannot be read.
    public init(opening location: StoreLocation, clock: any VaultClock = SystemClock(), logger: Logger = Logger(label: "kvfs.engine")) throws {
        let context = try EngineContext(opening: location, clock: clock, logger: logger)
        self.context = context
        secrets = SecretService(context: context)
        keys = KeyService(context: context)
        certificates = CertificateService(context: context)
        vaults = VaultService(context: context)
        access = AccessService(context: context)
        backups = BackupService(context: context)
        audit = AuditService(context: context)
        housekeeping = Housekeeping(context: context)
        changes = ChangeFeed(context: context)
    }

    /// The lifecycle shared by every object family (properties, listing, versions, attribute updates, soft
    /// delete, deleted objects, recovery, purge) for `kind`.
    public func objects(_ kind: ObjectKind) -> ObjectService { ObjectService(context: context, kind: kind) }

    /// Where the store lives.
    public var location: StoreLocation { context.location }
    /// The engine's time source (injected for tests).
    public var clock: any VaultClock { context.clock }
    /// The store's random realm id; backups restore only into stores of the same realm.
    public var realm: String { context.realm }
    /// The host-name suffix of the vault URLs in object ids.
    public var dnsSuffix: String { context.dnsSuffix }
    /// The Unix owner of the store directory: the management-plane Owner.
    public var ownerUID: UInt32 { context.ownerUID }

    /// Whether `caller` is the management-plane Owner: the store directory's Unix owner, or root.
    public func isOwner(_ caller: Caller) -> Bool { context.isOwner(caller) }

    /// Writes any audit lines still waiting in memory. Call before the process exits abruptly.
    /// - Throws: store errors.
    public func flushAudit() throws {
        try context.auditQueue.flush()
    }

    /// Creates a new store: the directory (0700), a random master key file (0600) unless the location names
    /// another key source, and the database (0600). Nothing is left half-written if any step fails.
    /// A named key file (`location.masterKeyFile`) that does not exist yet is created, 0600, with a new random
    /// key (and its missing parent directories, 0700); one that exists is used only if neither its group nor
    /// others may read or write it.
    /// With `realm` (read from a file `kvfs realm export` wrote) the store joins that realm, so backups move
    /// between the two stores; without it, the store is a realm of its own. `dnsSuffix` is the host-name suffix
    /// of the vault URLs in object ids (`https://<vault>.<dnsSuffix>/…`).
    /// - Throws: `VaultError.storeExists` when a store is already there, `.invalidArgument` for a key file others
    ///   may read, `.storeFailure` for file-system errors.
    @discardableResult
    public static func initialize(at location: StoreLocation, joining realm: RealmMembership? = nil,
                                  dnsSuffix: String = VaultObjectID.defaultDNSSuffix,
                                  clock: any VaultClock = SystemClock(),
                                  logger: Logger = Logger(label: "kvfs.engine")) throws -> VaultEngine {
        guard VaultObjectID.isValidDNSSuffix(dnsSuffix) else {
            throw VaultError.invalid("DNS suffix '\(Names.printable(dnsSuffix))' is not a host name: use dot-separated labels of letters, digits and hyphens, such as kvfs.localhost.")
        }
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
        var createdKeyFile: String?
        defer {
            // A key file made for this store goes with it when the store could not be made.
            if let createdKeyFile, !FileManager.default.fileExists(atPath: location.databasePath) { unlink(createdKeyFile) }
        }
        if let explicit = location.masterKeyFile {
            if let existing = try MasterKey.existingFileMode(explicit) {
                try MasterKey.refuseShared(explicit, mode: existing)
                key = try MasterKey.load(from: explicit)
            } else {
                key = try MasterKey.create(at: explicit, makingParent: true)
                createdKeyFile = explicit
            }
        } else {
            unlink(keyTemp)
            key = try MasterKey.create(at: keyTemp)
        }
        let membership = try realm ?? RealmMembership.generate()
        let realm = membership.realm
        let check = try AESGCM.seal(Array("kvfs-key-check".utf8), key: key, associatedData: EngineContext.keyCheckAAD(realm: realm))
        unlink(dbTemp)
        try SQLiteBackend.create(path: dbTemp, meta: [
            "format": String(Schema.formatVersion),
            "realm": realm,
            "key_check": Data(check).base64EncodedString(),
            RealmMembership.metaKey: try membership.sealed(under: key),
            "created": String(Int(clock.now().timeIntervalSince1970)),
            EngineContext.dnsSuffixKey: dnsSuffix.lowercased(),
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
}
