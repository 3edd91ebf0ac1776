import Foundation

extension VaultEngine {
    /// Stores a new version of a secret (creating the secret if the name is new) and makes it current.
    ///
    /// Needs `secrets/setSecret/action`; a new name needs it at vault scope. The value is sealed under the
    /// vault's data key with associated data binding vault, type, name and version.
    /// - Throws: `.invalidArgument` (name, attributes), `.tooLarge` (value over 25 KiB),
    ///   `.deletedButRecoverable` (name held by a soft-deleted secret), `.forbidden` (managed), `.notFound`
    ///   (vault), `.accessDenied`.
    @discardableResult
    public func setSecret(vault: String, name: String, value: [UInt8], attributes: NewVersionAttributes = NewVersionAttributes(),
                          as caller: Caller) throws -> VersionProperties {
        try audited("SecretSet", caller, vault: vault, kind: .secret, object: name) { draft in
            try Names.validateObject(name, kind: .secret)
            guard value.count <= ObjectLimits.maxSecretValueBytes else {
                throw VaultError(.tooLarge, "Secret value is \(value.count) bytes; at most \(ObjectLimits.maxSecretValueBytes) bytes (25 KiB) are allowed.")
            }
            try AttributeRules.validate(attributes, for: .secret)
            return try backend.write { tx in
                try purgeExpired(in: tx)
                let resource = Resource(vault: vault, kind: .secret, name: name)
                let existing = try existingSecret(vault: vault, name: name, tx: tx)
                try authorize(DataAction.Secrets.setSecret, on: resource, objectExists: existing != nil, draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                try ObjectStateRules.refuseDeletedName(existing)
                if let existing { try ObjectStateRules.refuseManaged(existing, "set") }
                let version = try SecureRandom.hexIdentifier()
                draft.version = version
                let now = clock.now()
                let object = try objectForNewVersion(existing, kind: .secret, name: name, in: v, version: version, now: now, tx: tx)
                let sealed = try AESGCM.seal(value, key: try dataKey(for: v),
                                             associatedData: VaultEngine.valueAAD(vaultID: v.id, kind: .secret, name: name, version: version))
                let record = VersionRecord(objectID: object.id, version: version, created: now, updated: now,
                                           enabled: attributes.enabled, notBefore: attributes.notBefore, expires: attributes.expires,
                                           contentType: attributes.contentType, tags: attributes.tags, sealedValue: sealed,
                                           valueLength: value.count, details: nil)
                try tx.insertVersion(record)
                try commitAudit(draft, in: tx)
                return properties(object, record, vault: v)
            }
        }
    }

    /// The secret row for `name` in `vault`, live or soft-deleted, if any: tells creation from a new version.
    private func existingSecret(vault: String, name: String, tx: any StoreTransaction) throws -> ObjectRecord? {
        guard let v = try tx.vault(nameKey: Names.key(vault)), v.deletedDate == nil else { return nil }
        return try tx.object(vaultID: v.id, kind: .secret, nameKey: Names.key(name))
    }

    /// A secret's value and properties: the current version, or `version`. Expired and not-yet-valid secrets
    /// are returned (Azure treats their dates as informational); a disabled one is refused.
    /// - Throws: `.forbidden` (`SecretDisabled`), `.notFound`, `.accessDenied`, `.corrupted` when the stored
    ///   value fails its integrity check.
    public func secret(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> Secret {
        try audited("SecretGet", caller, vault: vault, kind: .secret, object: name, version: version) { draft in
            try readCache.read { tx in
                try authorize(DataAction.Secrets.getSecret, on: Resource(vault: vault, kind: .secret, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.secret, name, in: v, tx: tx)
                let record = try versionRecord(of: object, version, tx: tx)
                draft.version = record.version
                try ObjectStateRules.refuseDisabledSecret(record)
                let aad = VaultEngine.valueAAD(vaultID: v.id, kind: .secret, name: object.name, version: record.version)
                guard let sealed = record.sealedValue,
                      let value = try AESGCM.open(sealed, key: try dataKey(for: v), associatedData: aad) else {
                    logger.warning("integrity check failed", metadata: ["vault": "\(v.name)", "secret": "\(object.name)", "version": "\(record.version)"])
                    throw VaultError(.corrupted, "Secret '\(object.name)' version \(record.version) failed its integrity check; the store may be damaged.")
                }
                return Secret(properties: properties(object, record, vault: v), value: value)
            }
        }
    }

    static func valueAAD(vaultID: String, kind: ObjectKind, name: String, version: String) -> [UInt8] {
        Array("kvfs/v1/value/\(vaultID)/\(kind.rawValue)/\(Names.key(name))/\(version)".utf8)
    }
}
