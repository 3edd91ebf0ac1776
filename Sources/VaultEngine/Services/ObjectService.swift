import Foundation

/// The lifecycle every object family shares, for one family: properties, listing, versions, attribute updates,
/// soft delete, deleted objects, recovery and purge. Soft delete, recovery and purge work the same for every
/// family; only the data actions and operation names differ (`Operations.swift`).
public struct ObjectService: Sendable {
    let context: EngineContext
    /// The family this service acts on.
    public let kind: ObjectKind

    /// The properties of an object's current (or named) version, without its value.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func properties(vault: String, name: String, version: String? = nil, as caller: Caller) throws -> VersionProperties {
        try context.run(.getMetadata(kind), caller, vault: vault, name: name, version: version) { step in
            context.properties(step.object, step.record, vault: step.vault)
        }
    }

    /// The live objects of the family, each with its current version's properties. Needs the read-metadata
    /// action at vault scope: an object-scope assignment does not let one list the collection.
    /// - Throws: `.notFound` (vault), `.accessDenied`.
    public func list(vault: String, as caller: Caller) throws -> [VersionProperties] {
        try context.run(.list(kind), caller, vault: vault) { step in
            try step.tx.objects(vaultID: step.vault.id, kind: kind, deleted: false).map { object in
                context.properties(object, try context.versionRecord(of: object, nil, tx: step.tx), vault: step.vault)
            }
        }
    }

    /// Every version of an object, oldest first.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func versions(vault: String, name: String, as caller: Caller) throws -> [VersionProperties] {
        try context.run(.listVersions(kind), caller, vault: vault, name: name) { step in
            try step.tx.versions(objectID: step.object.id).map { context.properties(step.object, $0, vault: step.vault) }
        }
    }

    /// Changes the attributes and tags of one version (the current one when `version` is nil), as Azure's
    /// PATCH: fields not given stay as they are; the value never changes.
    /// - Throws: `.invalidArgument`, `.forbidden` (a managed object), `.notFound`, `.accessDenied`.
    @discardableResult
    public func update(vault: String, name: String, version: String? = nil, _ update: AttributeUpdate,
                       as caller: Caller) throws -> VersionProperties {
        try context.run(.update(kind), caller, vault: vault, name: name, version: version,
                        checking: { try AttributeRules.validate(update, for: kind) }) { step in
            var record = step.record
            try AttributeRules.apply(update, to: &record)
            record.updated = context.clock.now()
            try step.tx.updateVersion(record)
            return context.properties(step.object, record, vault: step.vault)
        }
    }

    /// Soft-deletes an object with all its versions; it can be recovered until its scheduled purge date.
    /// - Throws: `.forbidden` (managed), `.notFound`, `.accessDenied`.
    @discardableResult
    public func delete(vault: String, name: String, as caller: Caller) throws -> DeletedObject {
        try context.run(.delete(kind), caller, vault: vault, name: name) { step in
            var object = step.object
            let now = context.clock.now()
            object.deletedDate = now
            object.scheduledPurgeDate = now.addingTimeInterval(TimeInterval(step.vault.retentionDays) * 86_400)
            try step.tx.updateObject(object)
            try context.cascadeToManagedParts(of: object, in: step.tx)
            return try context.deletedObject(object, vault: step.vault, tx: step.tx)
        }
    }

    /// Decides whether `caller` may soft-delete the object, without deleting it: for a front-end that accepts
    /// part of a removal (`rm -r` removing a key's files before the directory). A refusal is audited as the
    /// family's Delete; an allowance writes no line.
    /// - Throws: as ``delete(vault:name:as:)``.
    public func checkDelete(vault: String, name: String, as caller: Caller) throws {
        try context.precheckObject(.delete(kind), caller, vault: vault, name: name)
    }

    /// The soft-deleted objects of the family (vault-scope read-metadata action).
    /// - Throws: `.notFound` (vault), `.accessDenied`.
    public func listDeleted(vault: String, as caller: Caller) throws -> [DeletedObject] {
        try context.run(.listDeleted(kind), caller, vault: vault) { step in
            let now = context.clock.now()
            return try step.tx.objects(vaultID: step.vault.id, kind: kind, deleted: true)
                .filter { ($0.scheduledPurgeDate ?? now) > now }
                .map { try context.deletedObject($0, vault: step.vault, tx: step.tx) }
        }
    }

    /// One soft-deleted object's metadata.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func deleted(vault: String, name: String, as caller: Caller) throws -> DeletedObject {
        try context.run(.getDeleted(kind), caller, vault: vault, name: name) { step in
            try context.deletedObject(step.object, vault: step.vault, tx: step.tx)
        }
    }

    /// Recovers a soft-deleted object with all its versions.
    /// - Throws: `.notFound`, `.accessDenied`.
    @discardableResult
    public func recover(vault: String, name: String, as caller: Caller) throws -> VersionProperties {
        try context.run(.recover(kind), caller, vault: vault, name: name) { step in
            var object = step.object
            object.deletedDate = nil
            object.scheduledPurgeDate = nil
            try step.tx.updateObject(object)
            try context.cascadeToManagedParts(of: object, in: step.tx)
            return context.properties(object, step.record, vault: step.vault)
        }
    }

    /// Permanently removes a soft-deleted object. Needs the purge action; refused while the vault's purge
    /// protection is on (the object is purged automatically at its scheduled date).
    /// - Throws: `.purgeProtected`, `.notFound`, `.accessDenied`.
    public func purge(vault: String, name: String, as caller: Caller) throws {
        try context.run(.purge(kind), caller, vault: vault, name: name) { step in
            if step.vault.purgeProtection {
                throw VaultError(.purgeProtected,
                                 "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed. Vault: \(step.vault.name)")
            }
            try context.cascadeToManagedParts(of: step.object, in: step.tx, purge: true)
            try step.tx.removeObject(id: step.object.id)
            context.keyMaterial.removeAll()
        }
    }
}
