import Foundation

/// Keys: create, import, read (public material only), update and rotate. Listing, soft delete, recovery and
/// purge are the generic lifecycle (`listObjects(.key, …)`, `deleteObject(.key, …)`, …).
///
/// A version's private key is sealed in the row's `sealedValue` as PKCS#8 DER under the vault's data key
/// (associated data: vault, `key`, name, version); its public parameters, key_ops and SubjectPublicKeyInfo are
/// public JSON in `details`. Nothing private is cached: a private operation unseals, uses and frees the key
/// within the call.
extension VaultEngine {
    /// Generates a new key version (creating the key if the name is new) and makes it current.
    ///
    /// Needs `keys/create/action`; a new name needs it at vault scope. The key is generated outside the write
    /// transaction (RSA-4096 takes a while), after a first access check, so a denied caller costs nothing.
    /// - Throws: `.invalidArgument` (name, size, exponent, key_ops, attributes), `.deletedButRecoverable`,
    ///   `.forbidden` (managed by a certificate), `.notFound` (vault), `.accessDenied`.
    @discardableResult
    public func createKey(vault: String, name: String, _ options: KeyCreateOptions, as caller: Caller) throws -> KeyBundle {
        try audited("KeyCreate", caller, vault: vault, kind: .key, object: name) { draft in
            try Names.validateObject(name, kind: .key)
            try KeyRules.validate(options.spec)
            let keyOps = try KeyRules.operations(options.keyOps, for: options.spec.keyType)
            try AttributeRules.validate(options.attributes, for: .key)
            _ = try backend.read { tx in try checkKeyWritable(DataAction.Keys.create, vault: vault, name: name, draft: draft, tx: tx) }
            let privateKey = try KeyRules.crypto {
                switch options.spec {
                case .rsa(let bits, let exponent): try PrivateKey.generate(rsa: bits, exponent: exponent)
                case .ec(let curve): try PrivateKey.generate(curve: curve)
                }
            }
            return try storeNewKeyVersion(privateKey, action: DataAction.Keys.create, vault: vault, name: name, keyOps: keyOps,
                                          attributes: options.attributes, imported: false, draft: draft)
        }
    }

    /// Imports private key material as a new key version (creating the key if the name is new) and makes it
    /// current. After the import no caller can read the private part back, through any call.
    ///
    /// `keyOps` wins over the JWK's own `key_ops`; without either, the key permits every operation its type
    /// supports. JWK `kty` "RSA-HSM"/"EC-HSM" is refused: kvfs holds keys in software.
    /// Needs `keys/import/action`; a new name needs it at vault scope.
    /// - Throws: `.invalidArgument` (malformed, inconsistent or unsupported material, key_ops, attributes),
    ///   `.deletedButRecoverable`, `.forbidden` (managed), `.notFound` (vault), `.accessDenied`.
    @discardableResult
    public func importKey(vault: String, name: String, _ material: KeyImportMaterial, keyOps: [KeyOperation]? = nil,
                          attributes: NewVersionAttributes = NewVersionAttributes(), as caller: Caller) throws -> KeyBundle {
        try audited("KeyImport", caller, vault: vault, kind: .key, object: name) { draft in
            try Names.validateObject(name, kind: .key)
            try AttributeRules.validate(attributes, for: .key)
            _ = try backend.read { tx in try checkKeyWritable(DataAction.Keys.import, vault: vault, name: name, draft: draft, tx: tx) }
            let privateKey: PrivateKey
            var requestedOps = keyOps
            switch material {
            case .jwk(let jwk):
                _ = try KeyRules.softwareKeyType(jwk.kty)
                privateKey = try KeyRules.crypto { try PrivateKey(jwk: jwk) }
                if requestedOps == nil { requestedOps = jwk.keyOps }
            case .pkcs8PEM(let pem):
                privateKey = try KeyRules.crypto { try PrivateKey(pkcs8PEM: pem) }
            }
            let ops = try KeyRules.operations(requestedOps, for: privateKey.keyType)
            return try storeNewKeyVersion(privateKey, action: DataAction.Keys.import, vault: vault, name: name, keyOps: ops,
                                          attributes: attributes, imported: true, draft: draft)
        }
    }

    /// Generates a new version with the current version's type, size or curve, public exponent, key_ops and
    /// tags (enabled, no nbf/exp: kvfs has no rotation policy yet), and makes it current.
    /// Needs `keys/rotate/action`.
    /// - Throws: `.forbidden` (managed), `.notFound`, `.accessDenied`, `.corrupted`.
    @discardableResult
    public func rotateKey(vault: String, name: String, as caller: Caller) throws -> KeyBundle {
        try audited("KeyRotate", caller, vault: vault, kind: .key, object: name) { draft in
            let current = try backend.read { tx -> (KeyDetails, [String: String]) in
                try authorize(DataAction.Keys.rotate, on: Resource(vault: vault, kind: .key, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.key, name, in: v, tx: tx)
                try ObjectStateRules.refuseManaged(object, "rotated")
                let record = try versionRecord(of: object, nil, tx: tx)
                return (try KeyDetails.decode(record.details), record.tags)
            }
            let (details, tags) = current
            let privateKey = try KeyRules.crypto {
                switch try details.parameters() {
                case .rsa(let bits): try PrivateKey.generate(rsa: bits, exponent: details.publicExponent ?? RSAKeySize.defaultExponent)
                case .ec(let curve): try PrivateKey.generate(curve: curve)
                }
            }
            return try storeNewKeyVersion(privateKey, action: DataAction.Keys.rotate, vault: vault, name: name,
                                          keyOps: details.operations, attributes: NewVersionAttributes(tags: tags),
                                          imported: false, draft: draft, mustExist: true)
        }
    }

    /// A key version's public JWK (never a private part), attributes, tags and public PEM: the current
    /// version, or `version`. Disabled, expired and not-yet-valid keys are returned too (only public material).
    /// Needs `keys/read`.
    /// - Throws: `.notFound`, `.accessDenied`, `.corrupted`.
    public func key(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> KeyBundle {
        try audited("KeyGet", caller, vault: vault, kind: .key, object: name, version: version) { draft in
            try backend.read { tx in
                try authorize(DataAction.Keys.read, on: Resource(vault: vault, kind: .key, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.key, name, in: v, tx: tx)
                let record = try versionRecord(of: object, version, tx: tx)
                draft.version = record.version
                return try keyBundle(object, record, vault: v)
            }
        }
    }

    /// Changes one version's key_ops, enabled, nbf, exp or tags (the current version when `version` is nil),
    /// as Azure's UpdateKey PATCH; the key material never changes. Needs `keys/update/action`.
    /// - Throws: `.invalidArgument` (key_ops the type cannot do, a content type, tags, dates), `.forbidden`
    ///   (managed), `.notFound`, `.accessDenied`.
    @discardableResult
    public func updateKey(vault: String, name: String, version: String? = nil, _ update: KeyUpdate, as caller: Caller) throws -> KeyBundle {
        try audited("KeyUpdate", caller, vault: vault, kind: .key, object: name, version: version) { draft in
            try AttributeRules.validate(update.attributes, for: .key)
            return try backend.write { tx in
                try authorize(DataAction.Keys.update, on: Resource(vault: vault, kind: .key, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(.key, name, in: v, tx: tx)
                try ObjectStateRules.refuseManaged(object, "updated")
                var record = try versionRecord(of: object, version, tx: tx)
                draft.version = record.version
                var details = try KeyDetails.decode(record.details)
                if let keyOps = update.keyOps {
                    let type = try details.parameters().keyType
                    details.keyOps = try KeyRules.operations(keyOps, for: type).map(\.rawValue)
                    record.details = try details.encoded()
                }
                try AttributeRules.apply(update.attributes, to: &record)
                record.updated = clock.now()
                try tx.updateVersion(record)
                try commitAudit(draft, in: tx)
                return try keyBundle(object, record, vault: v)
            }
        }
    }

    // MARK: helpers

    /// The key row for `name` in `vault`, live or soft-deleted, if any.
    func existingKey(vault: String, name: String, tx: any StoreTransaction) throws -> ObjectRecord? {
        guard let v = try tx.vault(nameKey: Names.key(vault)), v.deletedDate == nil else { return nil }
        return try tx.object(vaultID: v.id, kind: .key, nameKey: Names.key(name))
    }

    /// The checks a new version must pass: the right (at vault scope for a new name), a live vault, a name not
    /// held by a soft-deleted key, and a key not managed by a certificate.
    private func checkKeyWritable(_ action: DataAction, vault: String, name: String, draft: AuditDraft,
                                  tx: any StoreTransaction) throws -> (VaultRecord, ObjectRecord?) {
        let existing = try existingKey(vault: vault, name: name, tx: tx)
        try authorize(action, on: Resource(vault: vault, kind: .key, name: name), objectExists: existing != nil, draft: draft, in: tx)
        let v = try liveVault(vault, in: tx)
        try ObjectStateRules.refuseDeletedName(existing)
        if let existing { try ObjectStateRules.refuseManaged(existing, action == DataAction.Keys.rotate ? "rotated" : "replaced") }
        return (v, existing)
    }

    /// Seals `privateKey` as a new current version of `name`, re-checking access and state inside the write
    /// transaction, and writes the audit line with it.
    private func storeNewKeyVersion(_ privateKey: PrivateKey, action: DataAction, vault: String, name: String, keyOps: [KeyOperation],
                                    attributes: NewVersionAttributes, imported: Bool, draft: AuditDraft,
                                    mustExist: Bool = false) throws -> KeyBundle {
        let details = try KeyRules.crypto { try KeyDetails(publicKey: privateKey.publicKey, keyOps: keyOps, imported: imported) }
        return try backend.write { tx in
            try purgeExpired(in: tx)
            let (v, existing) = try checkKeyWritable(action, vault: vault, name: name, draft: draft, tx: tx)
            if mustExist, existing == nil { _ = try liveObject(.key, name, in: v, tx: tx) }
            let version = try SecureRandom.hexIdentifier()
            draft.version = version
            let now = clock.now()
            let object = try objectForNewVersion(existing, kind: .key, name: name, in: v, version: version, now: now, tx: tx)
            let der = try KeyRules.crypto { try privateKey.privateDER() }
            let sealed = try der.withUnsafeBytes {
                try AESGCM.seal($0, key: try dataKey(for: v),
                                associatedData: VaultEngine.valueAAD(vaultID: v.id, kind: .key, name: object.name, version: version))
            }
            let record = VersionRecord(objectID: object.id, version: version, created: now, updated: now,
                                       enabled: attributes.enabled, notBefore: attributes.notBefore, expires: attributes.expires,
                                       contentType: nil, tags: attributes.tags, sealedValue: sealed, valueLength: 0,
                                       details: try details.encoded())
            try tx.insertVersion(record)
            try commitAudit(draft, in: tx)
            return try keyBundle(object, record, vault: v)
        }
    }

    /// The public view of one key version.
    func keyBundle(_ object: ObjectRecord, _ record: VersionRecord, vault: VaultRecord) throws -> KeyBundle {
        let details = try KeyDetails.decode(record.details)
        let publicKey = try details.publicKey()
        let kid = VaultEngine.keyID(vault: vault.name, name: object.name, version: record.version)
        let (jwk, pem) = try KeyRules.crypto { (try publicKey.publicJWK(kid: kid, keyOps: details.operations), try publicKey.publicPEM()) }
        return KeyBundle(properties: properties(object, record, vault: vault), key: jwk, parameters: publicKey.parameters,
                         publicKeyPEM: pem)
    }

    /// `/vaults/V/keys/N/VERSION`: a key version's identifier (Azure's kid, without the host).
    static func keyID(vault: String, name: String, version: String) -> String {
        "/vaults/\(vault)/keys/\(name)/\(version)"
    }
}

extension KeyDetails {
    /// The type and size or curve recorded for the version.
    /// - Throws: `.corrupted` when the record does not name a supported key.
    func parameters() throws -> KeyParameters {
        switch kty {
        case KeyType.rsa.rawValue:
            if let keySize, RSAKeySize.supported.contains(keySize) { return .rsa(bits: keySize) }
        case KeyType.ec.rawValue:
            if let crv, let curve = EllipticCurve(rawValue: crv) { return .ec(curve) }
        default:
            break
        }
        throw VaultError(.corrupted, "A key version's stored parameters name no supported key type; the store may be damaged.")
    }
}
