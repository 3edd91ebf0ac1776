import Foundation

/// Backup and restore of one object with all its versions (Azure's BackupSecret/RestoreSecret,
/// BackupKey/RestoreKey, BackupCertificate/RestoreCertificate). Generic over the store's rows: every field of the
/// object row and of each version row travels, so any kind comes back exactly as it was, with its version ids.
///
/// Values are re-sealed on the way: each version is opened with the source vault's data key and sealed into the
/// blob under the realm's backup key; a restore opens it from the blob and seals it under the target vault's
/// data key with the target's associated data (vault id, kind, name, version). See docs/backup.md.
extension VaultEngine {
    /// Azure's limit: an object with more versions than this cannot be backed up.
    public static let maxBackupVersions = 500

    /// Backs up an object with all its versions into one blob that only a store of this realm can open.
    /// Needs the family's backup action (object scope is enough). A certificate's blob also carries its managed
    /// key and secret; those cannot be backed up on their own.
    /// - Throws: `.forbidden` (more than 500 versions, or a managed object), `.notFound`, `.accessDenied`,
    ///   `.corrupted` when a stored value fails its integrity check.
    public func backupObject(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> BackupBlob {
        try audited("\(kind.displayName)Backup", caller, vault: vault, kind: kind, object: name) { draft in
            try backend.read { tx in
                try authorize(kind.backupAction, on: Resource(vault: vault, kind: kind, name: name), draft: draft, in: tx)
                let v = try liveVault(vault, in: tx)
                let object = try liveObject(kind, name, in: v, tx: tx)
                if object.managed {
                    throw VaultError(.managedByCertificate, "\(kind.displayName) '\(object.name)' is managed by its certificate; back up the certificate instead (its blob carries the \(kind.rawValue)).")
                }
                draft.version = object.currentVersion
                return try makeBackupBlob(of: object, in: v, tx: tx)
            }
        }
    }

    /// Restores a blob made by ``backupObject(_:vault:name:as:)`` in any store of this realm into `vault`, under
    /// its original name, with every version (same ids), attribute, tag, content type and managed flag. Needs the
    /// family's restore action at vault scope (a restore makes a new name). Nothing changes unless all of it
    /// restores.
    /// - Throws: `.invalidArgument` (`Malformed backup blob`) for a blob that does not parse, fails its integrity
    ///   check, comes from another realm or holds another kind; `.conflict` when the name is taken by a live
    ///   object, `.deletedButRecoverable` when a soft-deleted one holds it; `.notFound` (vault), `.accessDenied`.
    /// - Returns: the properties of the restored object's current version.
    @discardableResult
    public func restoreObject(_ kind: ObjectKind, vault: String, blob: BackupBlob, as caller: Caller) throws -> VersionProperties {
        try restoring(kind, vault: vault, blob: blob, as: caller) { object, current, v in properties(object, current, vault: v) }
    }

    /// Restores a key backup and answers with Azure's KeyBundle (public material only), as RestoreKey does.
    /// - Throws: as ``restoreObject(_:vault:blob:as:)``.
    @discardableResult
    public func restoreKey(vault: String, blob: BackupBlob, as caller: Caller) throws -> KeyBundle {
        try restoring(.key, vault: vault, blob: blob, as: caller) { object, current, v in try keyBundle(object, current, vault: v) }
    }

    private func restoring<T>(_ kind: ObjectKind, vault: String, blob: BackupBlob, as caller: Caller,
                              answer: (ObjectRecord, VersionRecord, VaultRecord) throws -> T) throws -> T {
        try audited("\(kind.displayName)Restore", caller, vault: vault, kind: kind) { draft in
            try backend.write { tx in
                try authorize(kind.restoreAction, on: Resource(vault: vault, kind: kind), objectExists: false, draft: draft, in: tx)
                try purgeExpired(in: tx)
                let v = try liveVault(vault, in: tx)
                let opened = try openBackupBlob(blob)
                let primary = opened.manifest.objects[0]
                draft.object = primary.name
                guard primary.kind == kind else {
                    throw VaultError(.malformedBackup,
                                     "The backup blob holds a \(primary.kind.rawValue), not a \(kind.rawValue); restore it as a \(primary.kind.rawValue).")
                }
                let restored = try restore(opened, into: v, tx: tx)
                let (object, current) = restored[0]
                draft.version = current.version
                try commitAudit(draft, in: tx)
                return try answer(object, current, v)
            }
        }
    }

    // MARK: the certificate's linked objects

    /// The objects that travel in a backup of `object`. This is the one place where a certificate's linked key and
    /// secret join its blob: Azure's certificate `c` owns the managed key `c` and the managed secret `c` (same name,
    /// `managed` set), and BackupCertificate carries them. Other kinds travel alone.
    func objectsTravellingWith(_ object: ObjectRecord, in vault: VaultRecord, tx: any StoreTransaction) throws -> [ObjectRecord] {
        guard object.kind == .certificate else { return [] }
        return try [ObjectKind.key, .secret].compactMap { kind in
            guard let linked = try tx.object(vaultID: vault.id, kind: kind, nameKey: object.nameKey), linked.managed else { return nil }
            return linked
        }
    }

    // MARK: making a blob

    func makeBackupBlob(of object: ObjectRecord, in vault: VaultRecord, tx: any StoreTransaction) throws -> BackupBlob {
        let key = try realmMembership.backupKey()
        let blobID = try SecureRandom.bytes(16)
        let header = BackupEnvelope.header(realm: realm, blobID: blobID)
        let objects = [object] + (try objectsTravellingWith(object, in: vault, tx: tx))
        let manifest = BackupManifest(format: Int(BackupEnvelope.format), made: clock.now().timeIntervalSince1970,
                                      objects: try objects.map { try backedUp($0, in: vault, blobID: blobID.hexString, key: key, tx: tx) })
        return try BackupEnvelope.seal(manifest, header: header, key: key)
    }

    private func backedUp(_ object: ObjectRecord, in vault: VaultRecord, blobID: String, key: SecureBytes,
                          tx: any StoreTransaction) throws -> BackupManifest.Object {
        let versions = try tx.versions(objectID: object.id)
        guard versions.count <= VaultEngine.maxBackupVersions else {
            throw VaultError(.backupTooManyVersions,
                             "\(object.kind.displayName) '\(object.name)' has \(versions.count) versions; a backup holds at most \(VaultEngine.maxBackupVersions). Purge the object's older history by restoring what you need into a new name, or keep it in the store.")
        }
        let dataKey = try dataKey(for: vault)
        return BackupManifest.Object(
            kind: object.kind, name: object.name, created: object.created.timeIntervalSince1970,
            currentVersion: object.currentVersion, managed: object.managed,
            versions: try versions.map { record in
                var sealed: String?
                if let box = record.sealedValue {
                    let aad = VaultEngine.valueAAD(vaultID: vault.id, kind: object.kind, name: object.name, version: record.version)
                    guard let plain = try AESGCM.open(box, key: dataKey, associatedData: aad) else {
                        logger.warning("integrity check failed", metadata: ["vault": "\(vault.name)", "object": "\(object.name)", "version": "\(record.version)"])
                        throw VaultError(.corrupted, "\(object.kind.displayName) '\(object.name)' version \(record.version) failed its integrity check; the store may be damaged.")
                    }
                    let resealed = try plain.withUnsafeBytes {
                        try AESGCM.seal($0, key: key, associatedData: BackupEnvelope.valueAAD(blobID: blobID, kind: object.kind,
                                                                                               name: object.name, version: record.version))
                    }
                    sealed = Base64URL.encode(resealed)
                }
                return BackupManifest.Version(
                    version: record.version, created: record.created.timeIntervalSince1970,
                    updated: record.updated.timeIntervalSince1970, enabled: record.enabled,
                    notBefore: record.notBefore?.timeIntervalSince1970, expires: record.expires?.timeIntervalSince1970,
                    contentType: record.contentType, tags: record.tags, valueLength: record.valueLength,
                    details: record.details, sealed: sealed)
            })
    }

    // MARK: opening a blob

    /// A blob whose manifest opened and passed every check; its values are still sealed.
    struct OpenedBackup {
        var header: BackupEnvelope.Header
        var manifest: BackupManifest
    }

    /// Opens a blob of this realm and checks its manifest: names, version ids, counts, the current version.
    /// - Throws: `.invalidArgument` (`Malformed backup blob`).
    func openBackupBlob(_ blob: BackupBlob) throws -> OpenedBackup {
        let header = try BackupEnvelope.readHeader(blob)
        guard header.realm == realm else {
            throw VaultError(.malformedBackup,
                             "The backup blob was made in realm \(header.realm); this store is realm \(realm). A blob restores only into a store of its realm: make the target store with `kvfs init --realm-file` from `kvfs realm export` of a store of that realm.")
        }
        let manifest = try BackupEnvelope.open(blob, header: header, key: try realmMembership.backupKey())
        let malformed = BackupEnvelope.malformed
        guard manifest.format == Int(BackupEnvelope.format), !manifest.objects.isEmpty else { throw malformed }
        var seen = Set<String>()
        for object in manifest.objects {
            guard (try? Names.validateObject(object.name, kind: object.kind)) != nil,
                  seen.insert("\(object.kind.rawValue)/\(Names.key(object.name))").inserted,
                  (1...VaultEngine.maxBackupVersions).contains(object.versions.count),
                  Set(object.versions.map(\.version)).count == object.versions.count,
                  object.versions.allSatisfy({ RealmMembership.isRealmID($0.version) && $0.valueLength >= 0 }),
                  object.versions.contains(where: { $0.version == object.currentVersion }) else {
                throw malformed
            }
        }
        return OpenedBackup(header: header, manifest: manifest)
    }

    /// Inserts every object of an opened blob into `vault`, re-sealing each value under the vault's data key.
    /// Refuses names already taken, live or soft-deleted, before writing anything.
    /// - Returns: each restored object with its current version, in the blob's order.
    func restore(_ opened: OpenedBackup, into vault: VaultRecord, tx: any StoreTransaction) throws -> [(ObjectRecord, VersionRecord)] {
        for object in opened.manifest.objects {
            if let existing = try tx.object(vaultID: vault.id, kind: object.kind, nameKey: Names.key(object.name)) {
                try ObjectStateRules.refuseDeletedName(existing)
                throw VaultError(.conflict,
                                 "\(object.kind.displayName) '\(existing.name)' already exists in vault '\(vault.name)'. A restore needs a free name: restore into another vault, or delete and purge the existing \(object.kind.rawValue) first.")
            }
        }
        let backupKey = try realmMembership.backupKey()
        let dataKey = try dataKey(for: vault)
        var restored: [(ObjectRecord, VersionRecord)] = []
        for object in opened.manifest.objects {
            var record = ObjectRecord(id: 0, vaultID: vault.id, kind: object.kind, name: object.name,
                                      currentVersion: object.currentVersion, created: Date(timeIntervalSince1970: object.created),
                                      deletedDate: nil, scheduledPurgeDate: nil, managed: object.managed)
            record.id = try tx.insertObject(record)
            var current: VersionRecord?
            for version in object.versions {
                var sealedValue: [UInt8]?
                if let text = version.sealed {
                    let aad = BackupEnvelope.valueAAD(blobID: opened.header.blobID, kind: object.kind, name: object.name,
                                                      version: version.version)
                    guard let box = try? Base64URL.decode(text),
                          let plain = try AESGCM.open(box, key: backupKey, associatedData: aad) else {
                        throw BackupEnvelope.malformed
                    }
                    sealedValue = try plain.withUnsafeBytes {
                        try AESGCM.seal($0, key: dataKey, associatedData: VaultEngine.valueAAD(vaultID: vault.id, kind: object.kind,
                                                                                                name: object.name, version: version.version))
                    }
                }
                let row = VersionRecord(objectID: record.id, version: version.version,
                                        created: Date(timeIntervalSince1970: version.created),
                                        updated: Date(timeIntervalSince1970: version.updated), enabled: version.enabled,
                                        notBefore: version.notBefore.map(Date.init(timeIntervalSince1970:)),
                                        expires: version.expires.map(Date.init(timeIntervalSince1970:)),
                                        contentType: version.contentType, tags: version.tags, sealedValue: sealedValue,
                                        valueLength: version.valueLength, details: version.details)
                try tx.insertVersion(row)
                if version.version == object.currentVersion { current = row }
            }
            restored.append((record, current!))
        }
        return restored
    }
}
