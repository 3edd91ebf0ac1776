import Foundation

/// Lifecycle shared by secrets, keys and certificates: lookups, listing, attribute updates, soft delete,
/// recovery, purge and the automatic purge of what outlived its retention.
extension VaultEngine {
    // MARK: lookups

    /// The live object `name`, or `notFound` with Azure's hint about soft-deleted names.
    func liveObject(_ kind: ObjectKind, _ name: String, in vault: VaultRecord, tx: any StoreTransaction) throws -> ObjectRecord {
        guard let object = try tx.object(vaultID: vault.id, kind: kind, nameKey: Names.key(name)), object.deletedDate == nil else {
            throw VaultError(.objectNotFound(kind),
                             "A \(kind.rawValue) with (name/id) \(Names.printable(name)) was not found in this key vault. If you recently deleted this \(kind.rawValue) you may be able to recover it using the correct recovery command.")
        }
        return object
    }

    /// A version of `object` (the current one when `version` is nil), or `notFound`.
    func versionRecord(of object: ObjectRecord, _ version: String?, tx: any StoreTransaction) throws -> VersionRecord {
        let wanted = version ?? object.currentVersion
        guard let record = try tx.version(objectID: object.id, version: wanted) else {
            throw VaultError(.objectNotFound(object.kind), "\(object.kind.displayName) '\(object.name)' has no version '\(Names.printable(wanted))'.")
        }
        return record
    }

    func properties(_ object: ObjectRecord, _ version: VersionRecord, vault: VaultRecord) -> VersionProperties {
        VersionProperties(name: object.name, version: version.version, enabled: version.enabled, notBefore: version.notBefore,
                          expires: version.expires, created: version.created, updated: version.updated,
                          contentType: version.contentType, tags: version.tags, managed: object.managed,
                          valueLength: version.valueLength, recoveryLevel: vault.properties.recoveryLevel,
                          recoverableDays: vault.retentionDays)
    }

    func deletedObject(_ object: ObjectRecord, vault: VaultRecord, tx: any StoreTransaction) throws -> DeletedObject {
        let version = try versionRecord(of: object, nil, tx: tx)
        return DeletedObject(kind: object.kind, properties: properties(object, version, vault: vault),
                             deletedDate: object.deletedDate ?? clock.now(), scheduledPurgeDate: object.scheduledPurgeDate ?? clock.now(),
                             recoveryID: "/vaults/\(vault.name)/deleted\(object.kind.collection)/\(object.name)")
    }

    // MARK: metadata

    /// The properties of an object's current (or named) version, without its value.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func objectProperties(_ kind: ObjectKind, vault: String, name: String, version: String? = nil, as caller: Caller) throws -> VersionProperties {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)GetMetadata", caller, vault: vault, kind: kind, object: name, version: version) { draft in
            try backend.read { tx in
                try authorize(policy.readMetadata, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(kind, name, in: v, tx: tx)
                return properties(object, try versionRecord(of: object, version, tx: tx), vault: v)
            }
        }
    }

    /// The live objects of one family, each with its current version's properties. Needs the read-metadata
    /// action at vault scope: an object-scope assignment does not let one list the collection.
    /// - Throws: `.notFound` (vault), `.accessDenied`.
    public func listObjects(_ kind: ObjectKind, vault: String, as caller: Caller) throws -> [VersionProperties] {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)List", caller, vault: vault, kind: kind) { draft in
            try backend.read { tx in
                try authorize(policy.readMetadata, on: Resource(vault: vault, kind: kind), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                return try tx.objects(vaultID: v.id, kind: kind, deleted: false).map { object in
                    properties(object, try versionRecord(of: object, nil, tx: tx), vault: v)
                }
            }
        }
    }

    /// Every version of an object, oldest first.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func listObjectVersions(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> [VersionProperties] {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)ListVersions", caller, vault: vault, kind: kind, object: name) { draft in
            try backend.read { tx in
                try authorize(policy.readMetadata, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(kind, name, in: v, tx: tx)
                return try tx.versions(objectID: object.id).map { properties(object, $0, vault: v) }
            }
        }
    }

    /// Changes the attributes and tags of one version (the current one when `version` is nil), as Azure's
    /// PATCH: fields not given stay as they are; the value never changes.
    /// - Throws: `.invalidArgument`, `.forbidden` (a managed object), `.notFound`, `.accessDenied`.
    @discardableResult
    public func updateObject(_ kind: ObjectKind, vault: String, name: String, version: String? = nil,
                             _ update: AttributeUpdate, as caller: Caller) throws -> VersionProperties {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)Update", caller, vault: vault, kind: kind, object: name, version: version) { draft in
            try AttributeRules.validate(update, for: kind)
            return try backend.write { tx in
                try authorize(policy.update, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(kind, name, in: v, tx: tx)
                try ObjectStateRules.refuseManaged(object, "updated")
                var record = try versionRecord(of: object, version, tx: tx)
                draft.version = record.version
                try AttributeRules.apply(update, to: &record)
                record.updated = clock.now()
                try tx.updateVersion(record)
                try commitAudit(draft, in: tx)
                return properties(object, record, vault: v)
            }
        }
    }

    /// The object row a new version makes itself the current version of: `existing` pointed at `version`
    /// (unless `becomesCurrent` is false, for a version still pending), or a new row for a new name.
    func objectForNewVersion(_ existing: ObjectRecord?, kind: ObjectKind, name: String, in vault: VaultRecord, version: String,
                             now: Date, becomesCurrent: Bool = true, tx: any StoreTransaction) throws -> ObjectRecord {
        guard var object = existing else {
            var created = ObjectRecord(id: 0, vaultID: vault.id, kind: kind, name: name, currentVersion: version, created: now,
                                       deletedDate: nil, scheduledPurgeDate: nil, managed: false)
            created.id = try tx.insertObject(created)
            return created
        }
        if becomesCurrent {
            object.currentVersion = version
            try tx.updateObject(object)
        }
        return object
    }

    // MARK: soft delete

    /// Soft-deletes an object with all its versions; it can be recovered until its scheduled purge date.
    /// - Throws: `.forbidden` (managed), `.notFound`, `.accessDenied`.
    @discardableResult
    public func deleteObject(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> DeletedObject {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)Delete", caller, vault: vault, kind: kind, object: name) { draft in
            try backend.write { tx in
                try authorize(policy.delete, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                var object = try liveObject(kind, name, in: v, tx: tx)
                try ObjectStateRules.refuseManaged(object, "deleted")
                let now = clock.now()
                object.deletedDate = now
                object.scheduledPurgeDate = now.addingTimeInterval(TimeInterval(v.retentionDays) * 86_400)
                try tx.updateObject(object)
                try cascadeToManagedParts(of: object, in: tx)
                try commitAudit(draft, in: tx)
                return try deletedObject(object, vault: v, tx: tx)
            }
        }
    }

    /// The soft-deleted objects of one family (vault-scope read-metadata action).
    /// - Throws: `.notFound` (vault), `.accessDenied`.
    public func listDeletedObjects(_ kind: ObjectKind, vault: String, as caller: Caller) throws -> [DeletedObject] {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)ListDeleted", caller, vault: vault, kind: kind) { draft in
            try backend.read { tx in
                try authorize(policy.readMetadata, on: Resource(vault: vault, kind: kind), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let now = clock.now()
                return try tx.objects(vaultID: v.id, kind: kind, deleted: true)
                    .filter { ($0.scheduledPurgeDate ?? now) > now }
                    .map { try deletedObject($0, vault: v, tx: tx) }
            }
        }
    }

    /// One soft-deleted object's metadata.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func deletedObject(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> DeletedObject {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)GetDeleted", caller, vault: vault, kind: kind, object: name) { draft in
            try backend.read { tx in
                try authorize(policy.readMetadata, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                return try deletedObject(try deletedRecord(kind, name, in: v, tx: tx), vault: v, tx: tx)
            }
        }
    }

    func deletedRecord(_ kind: ObjectKind, _ name: String, in vault: VaultRecord, tx: any StoreTransaction) throws -> ObjectRecord {
        guard let object = try tx.object(vaultID: vault.id, kind: kind, nameKey: Names.key(name)), object.deletedDate != nil,
              (object.scheduledPurgeDate ?? .distantFuture) > clock.now() else {
            throw VaultError(.objectNotFound(kind), "Deleted \(kind.displayName) not found: \(Names.printable(name))")
        }
        return object
    }

    /// Recovers a soft-deleted object with all its versions.
    /// - Throws: `.notFound`, `.accessDenied`.
    @discardableResult
    public func recoverDeletedObject(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> VersionProperties {
        let policy = KindPolicy.of(kind)
        return try audited("\(policy.operationPrefix)Recover", caller, vault: vault, kind: kind, object: name) { draft in
            try backend.write { tx in
                try authorize(policy.recover, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                try purgeExpired(in: tx)
                let v = try liveVault(vault, in: tx)
                var object = try deletedRecord(kind, name, in: v, tx: tx)
                try ObjectStateRules.refuseManaged(object, "recovered")
                object.deletedDate = nil
                object.scheduledPurgeDate = nil
                try tx.updateObject(object)
                try cascadeToManagedParts(of: object, in: tx)
                try commitAudit(draft, in: tx)
                return properties(object, try versionRecord(of: object, nil, tx: tx), vault: v)
            }
        }
    }

    /// Permanently removes a soft-deleted object. Needs the purge action; refused while the vault's purge
    /// protection is on (the object is purged automatically at its scheduled date).
    /// - Throws: `.purgeProtected`, `.notFound`, `.accessDenied`.
    public func purgeDeletedObject(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws {
        let policy = KindPolicy.of(kind)
        try audited("\(policy.operationPrefix)Purge", caller, vault: vault, kind: kind, object: name) { draft in
            try backend.write { tx in
                try authorize(policy.purge, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                try purgeExpired(in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try deletedRecord(kind, name, in: v, tx: tx)
                try ObjectStateRules.refuseManaged(object, "purged")
                if v.purgeProtection {
                    throw VaultError(.purgeProtected,
                                     "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed. Vault: \(v.name)")
                }
                try cascadeToManagedParts(of: object, in: tx, purge: true)
                try tx.removeObject(id: object.id)
                keyMaterial.removeAll()
                try commitAudit(draft, in: tx)
            }
        }
    }

    // MARK: automatic purge

    /// Purges every object and vault whose scheduled purge date has passed, recording each in the audit log,
    /// then renews the certificates whose AutoRenew lifetime action is due (`renewDueCertificates()`).
    /// Runs when the engine opens, before operations that depend on it, and on a mount's timer.
    /// - Throws: store errors.
    public func purgeExpired() throws {
        keyMaterial.evictIdle()
        try backend.write { tx in try purgeExpired(in: tx) }
        try renewDueCertificates()
    }

    func purgeExpired(in tx: any StoreTransaction) throws {
        let now = clock.now()
        let dueObjects = try tx.objects(purgeDueBy: now)
        let dueVaults = try tx.vaults(purgeDueBy: now)
        if !dueObjects.isEmpty || !dueVaults.isEmpty { keyMaterial.removeAll() }
        for object in dueObjects {
            let vaultName = try tx.vaultName(id: object.vaultID)
            try tx.removeObject(id: object.id)
            let draft = AuditDraft(operation: "\(object.kind.displayName)Purge", caller: .system, vault: vaultName,
                                   kind: object.kind, object: object.name, version: nil)
            draft.note = "automatic purge: the retention period ended"
            try commitAudit(draft, in: tx)
        }
        for vault in dueVaults {
            try tx.removeVault(id: vault.id)
            forgetDataKey(vaultID: vault.id)
            let draft = AuditDraft(operation: "VaultPurge", caller: .system, vault: vault.name, kind: nil, object: nil, version: nil)
            draft.note = "automatic purge: the retention period ended"
            try commitAudit(draft, in: tx)
        }
    }
}
