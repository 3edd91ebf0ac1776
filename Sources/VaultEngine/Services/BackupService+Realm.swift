import Foundation

/// The store's realm key: opened at every open, and exported so a second store can join the realm.
extension EngineContext {
    /// Opens `meta.realm_key`. A format-1 store made before backups existed has none; its realm key is then
    /// derived from the master key (stable, and nothing is written at open), as docs/store-format.md says.
    /// - Throws: `VaultError.corrupted` when the sealed key fails its integrity check, store errors.
    static func openRealmKey(backend: any StoreBackend, realm: String, masterKey: SecureBytes) throws -> RealmMembership {
        if let sealed = try backend.read({ tx in try tx.meta(RealmMembership.metaKey) }) {
            return try RealmMembership.unseal(sealed, realm: realm, masterKey: masterKey)
        }
        return RealmMembership(realm: realm, key: try HMACSHA256.deriveKey(from: masterKey, purpose: "realm-key/\(realm)"))
    }
}

extension BackupService {
    /// The store's realm id and key, for `kvfs init --realm-file` on a second store. Only the store's Owner may
    /// export it; the export is audited (`RealmExport`).
    /// - Throws: `VaultError.accessDenied` for anyone but the Owner.
    public func exportRealm(as caller: Caller) throws -> RealmMembership {
        try context.runOnStore(.realmExport, caller) { _ in context.realmMembership }
    }
}
