import Foundation

/// A vault row. `dataKey` is the vault's data key sealed under the master key.
struct VaultRecord: Sendable {
    var id: String
    var name: String
    var sku: VaultSku
    var retentionDays: Int
    var purgeProtection: Bool
    var created: Date
    var updated: Date
    var deletedDate: Date?
    var scheduledPurgeDate: Date?
    var dataKey: [UInt8]

    var nameKey: String { Names.key(name) }

    var properties: VaultProperties {
        VaultProperties(name: name, sku: sku, retentionDays: retentionDays, purgeProtection: purgeProtection,
                        created: created, updated: updated, deletedDate: deletedDate, scheduledPurgeDate: scheduledPurgeDate)
    }
}

/// An object row: one secret, key or certificate with all its versions.
struct ObjectRecord: Sendable {
    var id: Int64
    var vaultID: String
    var kind: ObjectKind
    var name: String
    var currentVersion: String
    var created: Date
    var deletedDate: Date?
    var scheduledPurgeDate: Date?
    var managed: Bool

    var nameKey: String { Names.key(name) }
}

/// One version of an object. `sealedValue` is the value (or private key) sealed under the vault's data key.
struct VersionRecord: Sendable {
    var objectID: Int64
    var version: String
    var created: Date
    var updated: Date
    var enabled: Bool
    var notBefore: Date?
    var expires: Date?
    var contentType: String?
    var tags: [String: String]
    var sealedValue: [UInt8]?
    var valueLength: Int
    /// Kind-specific public metadata as JSON (key parameters, certificate fields).
    var details: String?
}

/// One audit row: the exact JSON line and its chain MAC.
struct AuditRow: Sendable {
    var seq: Int64
    var line: String
    var mac: String
}

/// Reading and writing store rows inside one transaction. The SQLite backend implements it today; a shared
/// PostgreSQL backend can implement it later without touching the engine.
protocol StoreTransaction {
    func meta(_ key: String) throws -> String?
    func setMeta(_ key: String, _ value: String) throws

    func vault(nameKey: String) throws -> VaultRecord?
    func vaults() throws -> [VaultRecord]
    /// Soft-deleted vaults whose scheduled purge date is at or before `date`.
    func vaults(purgeDueBy date: Date) throws -> [VaultRecord]
    /// The name of the vault with this id.
    func vaultName(id: String) throws -> String?
    func insertVault(_ vault: VaultRecord) throws
    func updateVault(_ vault: VaultRecord) throws
    /// Removes a vault with every object and version in it.
    func removeVault(id: String) throws

    func principals() throws -> [Principal]
    func insertPrincipal(_ principal: Principal) throws
    /// Removes a principal and its role assignments.
    func removePrincipal(nameKey: String) throws

    func assignments() throws -> [RoleAssignment]
    func assignments(principalKeys: [String]) throws -> [RoleAssignment]
    func insertAssignment(_ assignment: RoleAssignment) throws
    func removeAssignment(id: String) throws
    func removeAssignments(vaultKey: String) throws

    func object(vaultID: String, kind: ObjectKind, nameKey: String) throws -> ObjectRecord?
    func objects(vaultID: String, kind: ObjectKind, deleted: Bool) throws -> [ObjectRecord]
    func objects(purgeDueBy date: Date) throws -> [ObjectRecord]
    func insertObject(_ object: ObjectRecord) throws -> Int64
    func updateObject(_ object: ObjectRecord) throws
    /// Removes an object and all its versions.
    func removeObject(id: Int64) throws

    func versions(objectID: Int64) throws -> [VersionRecord]
    func version(objectID: Int64, version: String) throws -> VersionRecord?
    func insertVersion(_ version: VersionRecord) throws
    func updateVersion(_ version: VersionRecord) throws
    /// Removes one version of an object (an abandoned pending certificate creation).
    func removeVersion(objectID: Int64, version: String) throws

    /// A vault's certificate contacts or issuers (`kind`: `contacts`, `issuer`), by name; none in a store
    /// made before the table existed.
    func certificateSettings(vaultID: String, kind: String) throws -> [CertificateSettingRecord]
    /// Inserts or replaces one, creating the table in a store made before it.
    func putCertificateSetting(_ record: CertificateSettingRecord) throws
    func removeCertificateSetting(vaultID: String, kind: String, nameKey: String) throws

    /// A key's rotation policy; none in a store made before the table existed.
    func rotationPolicy(objectID: Int64) throws -> RotationPolicyRecord?
    /// Every key's rotation policy (housekeeping).
    func rotationPolicies() throws -> [RotationPolicyRecord]
    /// Inserts or replaces one, creating the table in a store made before it.
    func putRotationPolicy(_ record: RotationPolicyRecord) throws

    func lastAudit() throws -> AuditRow?
    func appendAudit(_ row: AuditRow) throws
    func auditRows(afterSeq: Int64, limit: Int) throws -> [AuditRow]

    /// The change feed after `afterSeq`, oldest first, at most `limit` changes; an empty page with `latest`
    /// 0 in a format-1 store that has no feed yet. The store fills the feed itself, inside each change's
    /// transaction (SQLite: triggers; PostgreSQL: the same triggers, which also NOTIFY listeners).
    func changes(afterSeq: Int64, limit: Int) throws -> StoreChangePage
    /// Removes the audit lines up to and including `throughSeq` (pruning behind a signed checkpoint).
    func removeAudit(throughSeq: Int64) throws
}

/// A store's database: closure-scoped transactions, the transaction handle valid only inside the closure.
protocol StoreBackend: Sendable {
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// A write that may change what readers cache: every process's `ReadCache` drops its rows.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// A write that only appends audit lines, which no reader caches: the change signal stays as it is.
    func appendAudit<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// Something that wakes when any process commits a change, so that a reader of the change feed never
    /// has to poll the database.
    /// - Throws: `VaultError.storeFailure` when the store cannot be watched.
    func changeListener() throws -> any StoreChangeListener
}

/// A row of `certificate_settings`: a vault's certificate contacts or one of its issuers, as public JSON.
struct CertificateSettingRecord: Sendable, Equatable {
    var vaultID: String
    var kind: String
    var name: String
    var body: String
    var created: Date
    var updated: Date
    var nameKey: String { Names.key(name) }
}

/// A row of `key_rotation_policies`.
struct RotationPolicyRecord: Sendable, Equatable {
    var objectID: Int64
    var body: String
    var notifiedVersion: String?
    var created: Date
    var updated: Date
}
