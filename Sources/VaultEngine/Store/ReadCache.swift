import Foundation
import Synchronization

/// Rows read recently, kept for as long as the store's change signal has not moved (and at most a second),
/// so that the filesystem's hot path — decide, look up, open — reads no database at all. Only the rows a
/// read path asks for are kept: vaults, objects, versions (values stay sealed) and metadata.
final class ReadCache: Sendable {
    struct ObjectKey: Hashable, Sendable { var vaultID: String; var kind: ObjectKind; var nameKey: String }
    struct VersionKey: Hashable, Sendable { var objectID: Int64; var version: String }

    struct State {
        var token: UInt64 = 0
        var loaded: UInt64 = 0
        var meta: [String: String?] = [:]
        var vaults: [String: VaultRecord?] = [:]
        var objects: [ObjectKey: ObjectRecord?] = [:]
        var versions: [VersionKey: VersionRecord?] = [:]
    }

    private let state = Mutex(State())
    private let lifetime: UInt64 = 1_000_000_000
    /// Rows (and misses) kept per table at most: a burst of lookups of names that do not exist (a caller
    /// stat-ing a million missing files) costs a bounded amount of memory, then starts the table afresh.
    static let maxEntriesPerTable = 4096
    let signal: StoreSignal
    let backend: any StoreBackend

    init(signal: StoreSignal, backend: any StoreBackend) {
        self.signal = signal
        self.backend = backend
    }

    /// Runs `body` with a transaction that answers the cached row lookups from memory and everything else from
    /// the database.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        let token = signal.current()
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { state in
            if state.token != token || now &- state.loaded > lifetime {
                state = State(token: token, loaded: now)
            }
        }
        return try body(CachedTransaction(cache: self, token: token))
    }

    /// The cached answer for `key` in `table`, or the database's (remembered if the signal did not move).
    func lookup<K: Hashable & Sendable, V: Sendable>(_ table: WritableKeyPath<State, [K: V?]>, _ key: K, token: UInt64,
                                load: (any StoreTransaction) throws -> V?) throws -> V? {
        if let hit = state.withLock({ $0.token == token ? $0[keyPath: table][key] : nil }) { return hit }
        let value = try backend.read(load)
        state.withLock { state in
            guard state.token == token else { return }
            if state[keyPath: table].count >= ReadCache.maxEntriesPerTable { state[keyPath: table] = [:] }
            state[keyPath: table][key] = .some(value)
        }
        return value
    }
}

/// A read "transaction" over the cache: each row lookup is answered from memory or by its own database
/// read. Reads through it are not isolated from each other — fine for the read paths that use it, which
/// re-check the relation between rows (an object's vault id, a version's object id) themselves.
struct CachedTransaction: StoreTransaction {
    let cache: ReadCache
    let token: UInt64

    private func direct<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try cache.backend.read(body) }

    func meta(_ key: String) throws -> String? {
        try cache.lookup(\.meta, key, token: token) { try $0.meta(key) }
    }
    func vault(nameKey: String) throws -> VaultRecord? {
        try cache.lookup(\.vaults, nameKey, token: token) { try $0.vault(nameKey: nameKey) }
    }
    func object(vaultID: String, kind: ObjectKind, nameKey: String) throws -> ObjectRecord? {
        try cache.lookup(\.objects, ReadCache.ObjectKey(vaultID: vaultID, kind: kind, nameKey: nameKey), token: token) {
            try $0.object(vaultID: vaultID, kind: kind, nameKey: nameKey)
        }
    }
    func version(objectID: Int64, version: String) throws -> VersionRecord? {
        try cache.lookup(\.versions, ReadCache.VersionKey(objectID: objectID, version: version.lowercased()), token: token) {
            try $0.version(objectID: objectID, version: version)
        }
    }

    // Everything else goes to the database.
    func vaults() throws -> [VaultRecord] { try direct { try $0.vaults() } }
    func vaults(purgeDueBy date: Date) throws -> [VaultRecord] { try direct { try $0.vaults(purgeDueBy: date) } }
    func vaultName(id: String) throws -> String? { try direct { try $0.vaultName(id: id) } }
    func principals() throws -> [Principal] { try direct { try $0.principals() } }
    func assignments() throws -> [RoleAssignment] { try direct { try $0.assignments() } }
    func assignments(principalKeys: [String]) throws -> [RoleAssignment] { try direct { try $0.assignments(principalKeys: principalKeys) } }
    func objects(vaultID: String, kind: ObjectKind, deleted: Bool) throws -> [ObjectRecord] {
        try direct { try $0.objects(vaultID: vaultID, kind: kind, deleted: deleted) }
    }
    func objects(purgeDueBy date: Date) throws -> [ObjectRecord] { try direct { try $0.objects(purgeDueBy: date) } }
    func versions(objectID: Int64) throws -> [VersionRecord] { try direct { try $0.versions(objectID: objectID) } }
    func rotationPolicy(objectID: Int64) throws -> RotationPolicyRecord? { try direct { try $0.rotationPolicy(objectID: objectID) } }
    func rotationPolicies() throws -> [RotationPolicyRecord] { try direct { try $0.rotationPolicies() } }
    func certificateSettings(vaultID: String, kind: String) throws -> [CertificateSettingRecord] {
        try direct { try $0.certificateSettings(vaultID: vaultID, kind: kind) }
    }
    func lastAudit() throws -> AuditRow? { try direct { try $0.lastAudit() } }
    func auditRows(afterSeq: Int64, limit: Int) throws -> [AuditRow] { try direct { try $0.auditRows(afterSeq: afterSeq, limit: limit) } }
    func changes(afterSeq: Int64, limit: Int) throws -> StoreChangePage { try direct { try $0.changes(afterSeq: afterSeq, limit: limit) } }

    // A cached transaction never writes.
    private func readOnly() -> VaultError { VaultError(.storeFailure, "A read path tried to write through the read cache.") }
    func setMeta(_ key: String, _ value: String) throws { throw readOnly() }
    func removeAudit(throughSeq: Int64) throws { throw readOnly() }
    func insertVault(_ vault: VaultRecord) throws { throw readOnly() }
    func updateVault(_ vault: VaultRecord) throws { throw readOnly() }
    func removeVault(id: String) throws { throw readOnly() }
    func insertPrincipal(_ principal: Principal) throws { throw readOnly() }
    func removePrincipal(nameKey: String) throws { throw readOnly() }
    func insertAssignment(_ assignment: RoleAssignment) throws { throw readOnly() }
    func removeAssignment(id: String) throws { throw readOnly() }
    func removeAssignments(vaultKey: String) throws { throw readOnly() }
    func insertObject(_ object: ObjectRecord) throws -> Int64 { throw readOnly() }
    func updateObject(_ object: ObjectRecord) throws { throw readOnly() }
    func removeObject(id: Int64) throws { throw readOnly() }
    func insertVersion(_ version: VersionRecord) throws { throw readOnly() }
    func updateVersion(_ version: VersionRecord) throws { throw readOnly() }
    func removeVersion(objectID: Int64, version: String) throws { throw readOnly() }
    func putCertificateSetting(_ record: CertificateSettingRecord) throws { throw readOnly() }
    func putRotationPolicy(_ record: RotationPolicyRecord) throws { throw readOnly() }
    func removeCertificateSetting(vaultID: String, kind: String, nameKey: String) throws { throw readOnly() }
    func appendAudit(_ row: AuditRow) throws { throw readOnly() }
}
