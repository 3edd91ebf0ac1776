import Foundation

/// Making, opening and restoring backup blobs (docs/backup.md): the rows every backup operation shares.
extension EngineContext {
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

    func backedUp(_ object: ObjectRecord, in vault: VaultRecord, blobID: String, key: SecureBytes,
                          tx: any StoreTransaction) throws -> BackupManifest.Object {
        let versions = try tx.versions(objectID: object.id)
        guard versions.count <= BackupService.maxBackupVersions else {
            throw VaultError(.backupTooManyVersions,
                             "\(object.kind.displayName) '\(object.name)' has \(versions.count) versions; a backup holds at most \(BackupService.maxBackupVersions). Purge the object's older history by restoring what you need into a new name, or keep it in the store.")
        }
        return BackupManifest.Object(
            kind: object.kind, name: object.name, created: object.created.timeIntervalSince1970,
            currentVersion: object.currentVersion, managed: object.managed,
            versions: try versions.map { record in
                var sealed: String?
                if record.sealedValue != nil {
                    let plain = try openValue(of: object, record, in: vault)
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
                  (1...BackupService.maxBackupVersions).contains(object.versions.count),
                  Set(object.versions.map(\.version)).count == object.versions.count,
                  object.versions.allSatisfy({ RealmMembership.isRealmID($0.version) && $0.valueLength >= 0 && $0.hasRepresentableDates }),
                  AttributeRules.dateRange.contains(object.created),
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
                        try AESGCM.seal($0, key: dataKey, associatedData: EngineContext.valueAAD(vaultID: vault.id, kind: object.kind,
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
            guard let current else { throw BackupEnvelope.malformed }
            restored.append((record, current))
        }
        return restored
    }
}
