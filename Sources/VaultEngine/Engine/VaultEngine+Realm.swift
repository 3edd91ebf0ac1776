import Foundation

/// The store's realm key: opened at every open, created on the first open of a format-1 store made before
/// backups existed, and exported so a second store can join the realm.
extension VaultEngine {
    /// Opens `meta.realm_key`, or creates it when the store has none. Creation happens in a write transaction
    /// that reads the row again first, so two processes opening an old store at once agree on one key.
    /// - Throws: `VaultError.corrupted` when the sealed key fails its integrity check, store errors.
    static func openRealmKey(backend: any StoreBackend, realm: String, masterKey: SecureBytes) throws -> RealmMembership {
        if let sealed = try backend.read({ tx in try tx.meta(RealmMembership.metaKey) }) {
            return try RealmMembership.unseal(sealed, realm: realm, masterKey: masterKey)
        }
        return try backend.write { tx in
            if let sealed = try tx.meta(RealmMembership.metaKey) {
                return try RealmMembership.unseal(sealed, realm: realm, masterKey: masterKey)
            }
            let membership = RealmMembership(realm: realm, key: try SecureRandom.secureBytes(AESGCM.keySize))
            try tx.setMeta(RealmMembership.metaKey, try membership.sealed(under: masterKey))
            return membership
        }
    }

    /// The store's realm id and key, for `kvfs init --realm-file` on a second store. Only the store's Owner may
    /// export it; the export is audited (`RealmExport`).
    /// - Throws: `VaultError.accessDenied` for anyone but the Owner.
    public func exportRealm(as caller: Caller) throws -> RealmMembership {
        try audited("RealmExport", caller) { _ in
            try requireOwner(caller, "export the realm key")
            return realmMembership
        }
    }
}
