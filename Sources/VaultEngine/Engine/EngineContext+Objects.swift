import Foundation

/// The lookups, keys and integrity path every service shares.
extension EngineContext {
    // MARK: rows

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
        VersionProperties(id: id(object.kind, vault: vault.name, name: object.name, version: version.version),
                          name: object.name, version: version.version, enabled: version.enabled, notBefore: version.notBefore,
                          expires: version.expires, created: version.created, updated: version.updated,
                          contentType: version.contentType, tags: version.tags, managed: object.managed,
                          valueLength: version.valueLength, recoveryLevel: vault.properties.recoveryLevel,
                          recoverableDays: vault.retentionDays)
    }

    func deletedObject(_ object: ObjectRecord, vault: VaultRecord, tx: any StoreTransaction) throws -> DeletedObject {
        let version = try versionRecord(of: object, nil, tx: tx)
        return DeletedObject(kind: object.kind, properties: properties(object, version, vault: vault),
                             deletedDate: object.deletedDate ?? clock.now(), scheduledPurgeDate: object.scheduledPurgeDate ?? clock.now(),
                             recoveryID: VaultObjectID.deleted(object.kind, vault: vault.name, name: object.name,
                                                               dnsSuffix: dnsSuffix).description)
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

    func deletedRecord(_ kind: ObjectKind, _ name: String, in vault: VaultRecord, tx: any StoreTransaction) throws -> ObjectRecord {
        guard let object = try tx.object(vaultID: vault.id, kind: kind, nameKey: Names.key(name)), object.deletedDate != nil,
              (object.scheduledPurgeDate ?? .distantFuture) > clock.now() else {
            throw VaultError(.objectNotFound(kind), "Deleted \(kind.displayName) not found: \(Names.printable(name))")
        }
        return object
    }

    // MARK: values

    static func valueAAD(vaultID: String, kind: ObjectKind, name: String, version: String) -> [UInt8] {
        Array("kvfs/v1/value/\(vaultID)/\(kind.rawValue)/\(Names.key(name))/\(version)".utf8)
    }

    /// The one integrity path: opens a version's sealed value (a secret's bytes, a key's or certificate's
    /// PKCS#8) under the vault's data key, bound to vault, kind, name and version. A value that fails its check
    /// is `.corrupted` (logged with the object's name by the pipeline), never garbage.
    func openValue(of object: ObjectRecord, _ record: VersionRecord, in vault: VaultRecord) throws -> SecureBytes {
        let aad = EngineContext.valueAAD(vaultID: vault.id, kind: object.kind, name: object.name, version: record.version)
        guard let sealed = record.sealedValue,
              let value = try AESGCM.open(sealed, key: try dataKey(for: vault), associatedData: aad) else {
            throw VaultError(.corrupted, "\(object.kind.displayName) '\(object.name)' version \(record.version) failed its integrity check; the store may be damaged.")
        }
        return value
    }

    // MARK: the management plane's keys

    func requireOwner(_ caller: Caller, _ what: String) throws {
        guard isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner (uid \(ownerUID)) may \(what); caller is \(caller).")
        }
    }

    static func dataKeyAAD(vaultID: String) -> [UInt8] { Array("kvfs/v1/vault-key/\(vaultID)".utf8) }

    /// The vault's data key, unwrapped once and kept in memory while the engine lives.
    func dataKey(for vault: VaultRecord) throws -> SecureBytes {
        if let key = dataKeys.withLock({ $0[vault.id] }) { return key }
        guard let key = try AESGCM.open(vault.dataKey, key: masterKey, associatedData: EngineContext.dataKeyAAD(vaultID: vault.id)) else {
            throw VaultError(.corrupted, "The data key of vault '\(vault.name)' failed its integrity check.")
        }
        dataKeys.withLock { $0[vault.id] = key }
        return key
    }

    func forgetDataKey(vaultID: String) {
        _ = dataKeys.withLock { $0.removeValue(forKey: vaultID) }
    }

    // MARK: automatic purge

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
