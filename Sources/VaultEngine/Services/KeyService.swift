import Foundation

/// Keys: create, import, read (public material only), update and rotate; the cryptographic operations are in
/// KeyService+Operations.swift. Listing, soft delete, recovery and purge are `VaultEngine.objects(.key)`.
///
/// A version's private key is sealed in the row's `sealedValue` as PKCS#8 DER under the vault's data key
/// (associated data: vault, `key`, name, version); its public parameters, key_ops and SubjectPublicKeyInfo are
/// public JSON in `details`. Parsed key material stays in memory only while in use (`KeyMaterialCache`).
public struct KeyService: Sendable {
    let context: EngineContext

    /// Generates a new key version (creating the key if the name is new) and makes it current.
    ///
    /// Needs `keys/create/action`; a new name needs it at vault scope. The key is generated outside the write
    /// transaction (RSA-4096 takes a while), after a first access check, so a denied caller costs nothing.
    /// An exportable key needs a release policy (`KeyReleaseRules`).
    /// - Throws: `.invalidArgument` (name, size, exponent, key_ops, attributes, release policy), `.deletedButRecoverable`,
    ///   `.forbidden` (managed by a certificate), `.notFound` (vault), `.accessDenied`.
    @discardableResult
    public func create(vault: String, name: String, _ options: KeyCreateOptions, as caller: Caller) throws -> KeyBundle {
        var keyOps: [KeyOperation] = []
        let release = KeyReleaseOptions(exportable: options.exportable, releasePolicy: options.releasePolicy)
        return try storeNewVersion(.keyCreate, caller, vault: vault, name: name, attributes: options.attributes, imported: false,
                                   release: { release }, checking: {
            try Names.validateObject(name, kind: .key)
            try KeyRules.validate(options.spec)
            keyOps = try KeyRules.operations(options.keyOps, for: options.spec.keyType)
            try AttributeRules.validate(options.attributes, for: .key)
            try KeyReleaseRules.validateNewVersion(exportable: release.exportable, policy: release.releasePolicy)
        }, reading: { _ in }) { _ in
            let privateKey = try KeyRules.crypto {
                switch options.spec {
                case .rsa(let bits, let exponent): try PrivateKey.generate(rsa: bits, exponent: exponent)
                case .ec(let curve): try PrivateKey.generate(curve: curve)
                }
            }
            return (privateKey, keyOps)
        }
    }

    /// Imports private key material as a new key version (creating the key if the name is new) and makes it
    /// current. After the import no caller can read the private part back, through any call.
    ///
    /// `keyOps` wins over the JWK's own `key_ops`; without either, the key permits every operation its type
    /// supports. JWK `kty` "RSA-HSM"/"EC-HSM" is refused: kvfs holds keys in software.
    /// `release` carries Azure's `exportable` attribute and release policy (an exportable key needs a policy).
    /// Needs `keys/import/action`; a new name needs it at vault scope.
    /// - Throws: `.invalidArgument` (malformed, inconsistent or unsupported material, key_ops, attributes, release
    ///   policy), `.deletedButRecoverable`, `.forbidden` (managed), `.notFound` (vault), `.accessDenied`.
    @discardableResult
    public func `import`(vault: String, name: String, _ material: KeyImportMaterial, keyOps: [KeyOperation]? = nil,
                         attributes: NewVersionAttributes = NewVersionAttributes(), release: KeyReleaseOptions = KeyReleaseOptions(),
                         as caller: Caller) throws -> KeyBundle {
        try storeNewVersion(.keyImport, caller, vault: vault, name: name, attributes: attributes, imported: true,
                            release: { release }, checking: {
            try Names.validateObject(name, kind: .key)
            try AttributeRules.validate(attributes, for: .key)
            try KeyReleaseRules.validateNewVersion(exportable: release.exportable, policy: release.releasePolicy)
        }, reading: { _ in }) { _ in
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
            return (privateKey, try KeyRules.operations(requestedOps, for: privateKey.keyType))
        }
    }

    /// Generates a new version with the current version's type, size or curve, public exponent, key_ops and
    /// tags (enabled, no nbf; exp after the rotation policy's expiryTime if it has one), and its `exportable`
    /// attribute and release policy, and makes it current. Needs `keys/rotate/action`.
    /// - Throws: `.forbidden` (managed), `.notFound`, `.accessDenied`, `.corrupted`.
    @discardableResult
    public func rotate(vault: String, name: String, as caller: Caller) throws -> KeyBundle {
        var tags: [String: String] = [:]
        var policy: KeyRotationPolicy?
        var release = KeyReleaseOptions()
        return try storeNewVersion(.keyRotate, caller, vault: vault, name: name, attributes: nil, imported: false,
                                   release: { release }, reading: { step in
            guard let existing = step.existing else { throw VaultError(.objectNotFound(.key), "Key '\(Names.printable(name))' was not found.") }
            let record = try context.versionRecord(of: existing, nil, tx: step.tx)
            tags = record.tags
            policy = try step.tx.rotationPolicy(objectID: existing.id).map(decodePolicy)
            let details = try KeyDetails.decode(record.details)
            release = details.release
            return details
        }, making: newKey) {
            // A rotation policy's expiryTime applies to the versions rotation makes (Azure's rule).
            NewVersionAttributes(expires: KeyRotationRules.expiry(policy, from: context.clock.now()), tags: tags)
        }
    }

    /// A key version's public JWK (never a private part), attributes, tags and public PEM: the current
    /// version, or `version`. Disabled, expired and not-yet-valid keys are returned too (only public material).
    /// Needs `keys/read`.
    /// - Throws: `.notFound`, `.accessDenied`, `.corrupted`.
    public func get(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> KeyBundle {
        try context.run(.keyGet, caller, vault: vault, name: name, version: version) { step in
            try context.keyBundle(step.object, step.record, vault: step.vault)
        }
    }

    /// Changes one version's key_ops, enabled, nbf, exp, tags or release policy (the current version when
    /// `version` is nil), as Azure's UpdateKey PATCH; the key material and `exportable` never change. Needs
    /// `keys/update/action`.
    /// - Throws: `.invalidArgument` (key_ops the type cannot do, a content type, tags, dates, a release policy),
    ///   `.forbidden` (managed; an immutable release policy), `.notFound`, `.accessDenied`.
    @discardableResult
    public func update(vault: String, name: String, version: String? = nil, _ update: KeyUpdate, as caller: Caller) throws -> KeyBundle {
        try context.run(.keyUpdate, caller, vault: vault, name: name, version: version, checking: {
            try AttributeRules.validate(update.attributes, for: .key)
            if let policy = update.releasePolicy { try KeyReleaseRules.validate(policy) }
        }) { step in
            var record = step.record
            var details = try KeyDetails.decode(record.details)
            if let policy = update.releasePolicy {
                try KeyReleaseRules.validateReplacement(of: details.releasePolicy, with: policy, name: step.object.name)
                details.releasePolicy = policy
                record.details = try details.encoded()
            }
            if let keyOps = update.keyOps {
                let type = try details.parameters().keyType
                details.keyOps = try KeyRules.operations(keyOps, for: type).map(\.rawValue)
                record.details = try details.encoded()
            }
            try AttributeRules.apply(update.attributes, to: &record)
            record.updated = context.clock.now()
            try step.tx.updateVersion(record)
            return try context.keyBundle(step.object, record, vault: step.vault)
        }
    }

    /// Azure's key release, which kvfs never carries out (`KeyReleaseRules`): needs `keys/release/action`; the
    /// version must exist, be exportable and have a release policy; `target` is the caller's attestation token.
    /// - Throws: `.invalidArgument` (no token), `.accessDenied`, `.notFound`, `.forbidden` (not exportable, no
    ///   policy), and otherwise `.unsupported`: kvfs trusts no attestation service to verify the token.
    public func release(vault: String, name: String, version: String? = nil, target: String, as caller: Caller) throws -> Never {
        try context.run(.keyRelease, caller, vault: vault, name: name, version: version, checking: {
            guard !target.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw VaultError.invalid("A release needs the attestation token of the environment to release to (--target).")
            }
        }) { step -> Never in
            let details = try KeyDetails.decode(step.record.details)
            try KeyReleaseRules.refuseRelease(exportable: details.exportable ?? false, policy: details.releasePolicy, name: step.object.name)
        }
    }

    /// The new-version flow of create, import and rotate: checks in a read transaction, makes the key outside
    /// any transaction, then seals it as the new current version inside the write, where the checks run again.
    func storeNewVersion<R>(_ op: Operation, _ caller: Caller, vault: String, name: String, attributes: NewVersionAttributes?,
                                    imported: Bool, release: () -> KeyReleaseOptions = { KeyReleaseOptions() },
                                    checking: () throws -> Void = {}, reading: (NewVersionStep) throws -> R,
                                    making: (R) throws -> (PrivateKey, [KeyOperation]),
                                    attributesAfter: () -> NewVersionAttributes = { NewVersionAttributes() }) throws -> KeyBundle {
        try context.runNewVersion(op, caller, vault: vault, name: name, checking: checking, reading: reading, making: making) { step, made in
            let (privateKey, keyOps) = made
            let attributes = attributes ?? attributesAfter()
            let releaseOptions = release()
            let details = try KeyRules.crypto {
                try KeyDetails(publicKey: privateKey.publicKey, keyOps: keyOps, imported: imported, release: releaseOptions)
            }
            let version = try SecureRandom.hexIdentifier()
            step.draft.version = version
            let now = context.clock.now()
            let object = try context.objectForNewVersion(step.existing, kind: .key, name: name, in: step.vault, version: version,
                                                         now: now, tx: step.tx)
            let der = try KeyRules.crypto { try privateKey.privateDER() }
            let sealed = try der.withUnsafeBytes {
                try AESGCM.seal($0, key: try context.dataKey(for: step.vault),
                                associatedData: EngineContext.valueAAD(vaultID: step.vault.id, kind: .key, name: object.name, version: version))
            }
            let record = VersionRecord(objectID: object.id, version: version, created: now, updated: now,
                                       enabled: attributes.enabled, notBefore: attributes.notBefore, expires: attributes.expires,
                                       contentType: nil, tags: attributes.tags, sealedValue: sealed, valueLength: 0,
                                       details: try details.encoded())
            try step.tx.insertVersion(record)
            return try context.keyBundle(object, record, vault: step.vault)
        }
    }
}
