import Foundation

/// Secrets: writing and reading values. The lifecycle every family shares (listing, attribute updates, soft
/// delete, recovery, purge) is `VaultEngine.objects(.secret)`.
public struct SecretService: Sendable {
    let context: EngineContext

    /// Stores a new version of a secret (creating the secret if the name is new) and makes it current.
    ///
    /// Needs `secrets/setSecret/action`; a new name needs it at vault scope. The value is sealed under the
    /// vault's data key with associated data binding vault, type, name and version.
    /// - Throws: `.invalidArgument` (name, attributes), `.tooLarge` (value over 25 KiB),
    ///   `.deletedButRecoverable` (name held by a soft-deleted secret), `.forbidden` (managed), `.notFound`
    ///   (vault), `.accessDenied`.
    @discardableResult
    public func set(vault: String, name: String, value: [UInt8], attributes: NewVersionAttributes = NewVersionAttributes(),
                    as caller: Caller) throws -> VersionProperties {
        try context.runNewVersion(.secretSet, caller, vault: vault, name: name, checking: {
            try Names.validateObject(name, kind: .secret)
            guard value.count <= ObjectLimits.maxSecretValueBytes else {
                throw VaultError(.tooLarge, "Secret value is \(value.count) bytes; at most \(ObjectLimits.maxSecretValueBytes) bytes (25 KiB) are allowed.")
            }
            try AttributeRules.validate(attributes, for: .secret)
        }) { step in
            let version = try SecureRandom.hexIdentifier()
            step.draft.version = version
            let now = context.clock.now()
            let object = try context.objectForNewVersion(step.existing, kind: .secret, name: name, in: step.vault, version: version,
                                                         now: now, tx: step.tx)
            let sealed = try AESGCM.seal(value, key: try context.dataKey(for: step.vault),
                                         associatedData: EngineContext.valueAAD(vaultID: step.vault.id, kind: .secret, name: name, version: version))
            let record = VersionRecord(objectID: object.id, version: version, created: now, updated: now,
                                       enabled: attributes.enabled, notBefore: attributes.notBefore, expires: attributes.expires,
                                       contentType: attributes.contentType, tags: attributes.tags, sealedValue: sealed,
                                       valueLength: value.count, details: nil)
            try step.tx.insertVersion(record)
            return context.properties(object, record, vault: step.vault)
        }
    }

    /// A secret's value and properties: the current version, or `version`. Expired and not-yet-valid secrets
    /// are returned (Azure treats their dates as informational); a disabled one is refused.
    /// - Throws: `.forbidden` (`SecretDisabled`), `.notFound`, `.accessDenied`, `.corrupted` when the stored
    ///   value fails its integrity check.
    public func get(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> Secret {
        try context.run(.secretGet, caller, vault: vault, name: name, version: version) { step in
            try ObjectStateRules.refuseDisabledSecret(step.record)
            let value = try context.openValue(of: step.object, step.record, in: step.vault)
            return Secret(properties: context.properties(step.object, step.record, vault: step.vault), value: value)
        }
    }

    /// Decides, before a file opened for writing exists, whether `caller` may store a new version of `name`
    /// (`secrets/setSecret/action`; at vault scope for a new name; not a soft-deleted name, not a managed
    /// secret), and answers with what the new version carries over. A refusal is audited as SecretSet; an
    /// allowance writes no line (the `set` at close does).
    /// - Throws: `.accessDenied`, `.deletedButRecoverable`, `.forbidden` (managed), `.invalidArgument` (name),
    ///   `.notFound` (vault).
    public func prepareWrite(vault: String, name: String, as caller: Caller) throws -> SecretWrite {
        try context.precheckNewVersion(.secretSet, caller, vault: vault, name: name) { step in
            guard let existing = step.existing else { return SecretWrite(current: nil, carried: NewVersionAttributes()) }
            let props = context.properties(existing, try context.versionRecord(of: existing, nil, tx: step.tx), vault: step.vault)
            return SecretWrite(current: props, carried: NewVersionAttributes(contentType: props.contentType, tags: props.tags))
        }
    }
}

extension SecretService {
    /// Decides whether `caller` may hold a temporary file in the vault's secrets folder — an unsaved value a
    /// front-end keeps in memory until it becomes a version through `prepareWrite` + `set` (an atomic replace)
    /// or is discarded. It needs `secrets/setSecret/action` at vault scope or on at least one secret of the
    /// vault: whoever may write some secret here may stage its next value. An allowance writes no audit line;
    /// a refusal is audited as SecretSet.
    /// - Throws: `.accessDenied` (also when the caller holds no role in the vault, whether or not it exists),
    ///   `.vaultNotFound`.
    public func prepareTemporaryFile(vault: String, as caller: Caller) throws {
        let snapshot = try context.snapshot()
        let held = try context.assignments(in: snapshot, for: caller, auditedAs: Operation.secretSet, vault: vault)
        let evaluator = AccessEvaluator(assignments: held)
        let allowed = evaluator.grantAnywhere(DataAction.Secrets.setSecret, .secret, in: vault) != nil
        if !allowed {
            try context.audited(Operation.secretSet.name, caller, vault: vault, kind: .secret) { draft in
                draft.decision = .deny("DeniedWithNoValidRBAC: no assignment grants \(DataAction.Secrets.setSecret) in vault '\(Names.printable(vault))'")
                throw VaultError(.accessDenied, "Caller \(caller) may not write secrets in vault '\(Names.printable(vault))'.")
            }
        }
        guard snapshot.liveVaults.contains(Names.key(vault)) else {
            throw VaultError(.vaultNotFound, "Vault '\(Names.printable(vault))' was not found.")
        }
    }
}

/// What a writer of a secret learns before it writes: the current version (nil for a new name) and the
/// attributes the next version keeps from it (content type and tags).
public struct SecretWrite: Sendable {
    public var current: VersionProperties?
    public var carried: NewVersionAttributes
}
