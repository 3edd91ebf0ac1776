import Foundation

/// Backup and restore of one object with all its versions (Azure's BackupSecret/RestoreSecret,
/// BackupKey/RestoreKey, BackupCertificate/RestoreCertificate). Generic over the store's rows: every field of the
/// object row and of each version row travels, so any kind comes back exactly as it was, with its version ids.
///
/// Values are re-sealed on the way: each version is opened with the source vault's data key and sealed into the
/// blob under the realm's backup key; a restore opens it from the blob and seals it under the target vault's
/// data key with the target's associated data (vault id, kind, name, version). See docs/backup.md.
///
/// Beyond Azure, which backs up one object at a time: a vault backup is every live object's blob, read in one
/// transaction; a vault restore puts every blob into one vault in one transaction, so it restores all of them
/// or nothing.
public struct BackupService: Sendable {
    let context: EngineContext

    /// Azure's limit: an object with more versions than this cannot be backed up.
    public static let maxBackupVersions = 500

    /// Backs up an object with all its versions into one blob that only a store of this realm can open.
    /// Needs the family's backup action (object scope is enough). A certificate's blob also carries its managed
    /// key and secret; those cannot be backed up on their own.
    /// - Throws: `.forbidden` (more than 500 versions, or a managed object), `.notFound`, `.accessDenied`,
    ///   `.corrupted` when a stored value fails its integrity check.
    public func backup(_ kind: ObjectKind, vault: String, name: String, as caller: Caller) throws -> BackupBlob {
        try context.run(.backup(kind), caller, vault: vault, name: name) { step in
            if step.object.managed {
                throw VaultError(.managedByCertificate, "\(kind.displayName) '\(step.object.name)' is managed by its certificate; back up the certificate instead (its blob carries the \(kind.rawValue)).")
            }
            step.draft.version = step.object.currentVersion
            return try context.makeBackupBlob(of: step.object, in: step.vault, tx: step.tx)
        }
    }

    /// Restores a blob made by ``backup(_:vault:name:as:)`` in any store of this realm into `vault`, under its
    /// original name, with every version (same ids), attribute, tag, content type and managed flag. Needs the
    /// family's restore action at vault scope (a restore makes a new name). Nothing changes unless all of it
    /// restores.
    /// - Throws: `.invalidArgument` (`Malformed backup blob`) for a blob that does not parse, fails its integrity
    ///   check, comes from another realm or holds another kind; `.conflict` when the name is taken by a live
    ///   object, `.deletedButRecoverable` when a soft-deleted one holds it; `.notFound` (vault), `.accessDenied`.
    /// - Returns: the properties of the restored object's current version.
    @discardableResult
    public func restore(_ kind: ObjectKind, vault: String, blob: BackupBlob, as caller: Caller) throws -> VersionProperties {
        try restoring(kind, vault: vault, blob: blob, as: caller) { object, current, v in context.properties(object, current, vault: v) }
    }

    /// Restores a key backup and answers with Azure's KeyBundle (public material only), as RestoreKey does.
    /// - Throws: as ``restore(_:vault:blob:as:)``.
    @discardableResult
    public func restoreKey(vault: String, blob: BackupBlob, as caller: Caller) throws -> KeyBundle {
        try restoring(.key, vault: vault, blob: blob, as: caller) { object, current, v in try context.keyBundle(object, current, vault: v) }
    }

    private func restoring<T>(_ kind: ObjectKind, vault: String, blob: BackupBlob, as caller: Caller,
                              answer: (ObjectRecord, VersionRecord, VaultRecord) throws -> T) throws -> T {
        try context.run(.restore(kind), caller, vault: vault) { step in
            let opened = try context.openBackupBlob(blob)
            let primary = opened.manifest.objects[0]
            step.draft.object = primary.name
            guard primary.kind == kind else {
                throw VaultError(.malformedBackup,
                                 "The backup blob holds a \(primary.kind.rawValue), not a \(kind.rawValue); restore it as a \(primary.kind.rawValue).")
            }
            let restored = try context.restore(opened, into: step.vault, tx: step.tx)
            let (object, current) = restored[0]
            step.draft.version = current.version
            return try answer(object, current, step.vault)
        }
    }


    /// Backs up every live object of `vault` (managed keys and secrets ride in their certificate's blob).
    /// Needs secrets/backup, keys/backup and certificates/backup at vault scope (Key Vault Administrator).
    /// `progress` is called with (objects done, objects in all) after each object.
    /// - Throws: `.forbidden` (an object with more than 500 versions), `.notFound`, `.accessDenied`, `.corrupted`.
    public func backupVault(named vault: String, as caller: Caller,
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> [VaultBackupEntry] {
        try context.runOnStore(.vaultBackup, caller, vault: vault) { step in
            try collect(vault, step, progress: progress)
        }
    }

    /// Backs up every live object of `vault` into the directory `directory` (new, or an empty directory), all
    /// or nothing: the blobs and a manifest (every blob with its size and SHA-256, the counts, the vault and the
    /// realm, sealed under a key of the realm) are written under a temporary name beside it and renamed to
    /// `directory` only when complete, so an interrupted backup never appears under its final name
    /// (docs/backup.md). Rights as ``backupVault(named:as:progress:)``.
    /// - Throws: `.conflict` when `directory` exists and is not empty, `.storeFailure` for file-system errors,
    ///   and what ``backupVault(named:as:progress:)`` throws.
    @discardableResult
    public func backupVault(named vault: String, toDirectory directory: String, as caller: Caller,
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> VaultBackupManifest {
        try context.runOnStore(.vaultBackup, caller, vault: vault, checking: { try VaultBackupDirectory.requireFree(directory) }) { step in
            let entries = try collect(vault, step, progress: progress)
            return try VaultBackupDirectory.write(entries, vault: try context.liveVault(vault, in: step.tx).name, realm: context.realmMembership,
                                                  created: context.clock.now(), to: directory)
        }
    }

    private func collect(_ vault: String, _ step: StoreStep, progress: (Int, Int) -> Void) throws -> [VaultBackupEntry] {
        let (tx, draft) = (step.tx, step.draft)
        for kind in ObjectKind.allCases {
            try context.authorize([kind.backupAction], on: Resource(vault: vault, kind: kind), draft: draft, in: tx)
        }
        let v = try context.liveVault(vault, in: tx)
        let objects = try ObjectKind.allCases.flatMap { kind in
            try tx.objects(vaultID: v.id, kind: kind, deleted: false).filter { !$0.managed }
        }
        var entries: [VaultBackupEntry] = []
        for (index, object) in objects.enumerated() {
            let versions = try tx.versions(objectID: object.id).count
            entries.append(VaultBackupEntry(kind: object.kind, name: object.name, versions: versions,
                                            blob: try context.makeBackupBlob(of: object, in: v, tx: tx)))
            progress(index + 1, objects.count)
        }
        draft.note = "backed up \(entries.count) objects"
        return entries
    }

    /// Restores many blobs into `vault` in one transaction: every object restores, or none does (a taken name,
    /// a foreign or corrupt blob anywhere leaves the vault unchanged). Needs secrets/restore, keys/restore and
    /// certificates/restore at vault scope. `progress` is called with (blobs done, blobs in all).
    /// - Returns: the current version's properties of each restored object, in the order of `blobs`.
    /// - Throws: as ``restore(_:vault:blob:as:)``.
    @discardableResult
    public func restoreVault(named vault: String, blobs: [BackupBlob], as caller: Caller,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> [VersionProperties] {
        try restoreVault(vault, caller, checking: { blobs }, progress: progress)
    }

    /// Restores a directory written by ``backupVault(named:toDirectory:as:progress:)`` into `vault`, all or
    /// nothing: the manifest is checked first — it must be there, sealed under this realm's key, and list exactly
    /// the blob files present with their sizes and SHA-256 digests — and any difference refuses the whole restore
    /// before the store is touched; then every blob restores in one transaction. Rights as
    /// ``restoreVault(named:blobs:as:progress:)``.
    /// - Throws: `.malformedBackup` for a missing or altered manifest or a missing, extra or changed blob;
    ///   `.notFound` when `directory` is not a directory; and what ``restoreVault(named:blobs:as:progress:)`` throws.
    @discardableResult
    public func restoreVault(named vault: String, fromDirectory directory: String, as caller: Caller,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> [VersionProperties] {
        try restoreVault(vault, caller, checking: { try VaultBackupDirectory.read(directory, realm: context.realmMembership).1 },
                         progress: progress)
    }

    /// `checking` gives the blobs (reading them is an input check: it runs, and is audited, before the store is touched).
    private func restoreVault(_ vault: String, _ caller: Caller, checking: () throws -> [BackupBlob],
                              progress: (Int, Int) -> Void) throws -> [VersionProperties] {
        var blobs: [BackupBlob] = []
        return try context.runOnStore(.vaultRestore, caller, vault: vault, checking: { blobs = try checking() }) { step in
                let (tx, draft) = (step.tx, step.draft)
                for kind in ObjectKind.allCases {
                    try context.authorize([kind.restoreAction], on: Resource(vault: vault, kind: kind), objectExists: false, draft: draft, in: tx)
                }
                let v = try context.liveVault(vault, in: tx)
                var answers: [VersionProperties] = []
                for (index, blob) in blobs.enumerated() {
                    let restored: [(ObjectRecord, VersionRecord)]
                    do {
                        restored = try context.restore(try context.openBackupBlob(blob), into: v, tx: tx)
                    } catch var error as VaultError {
                        error.message = "Blob \(index + 1) of \(blobs.count): \(error.message) Nothing was restored."
                        throw error
                    }
                    answers.append(context.properties(restored[0].0, restored[0].1, vault: v))
                    progress(index + 1, blobs.count)
                }
                draft.note = "restored \(answers.count) objects"
                return answers
        }
    }
}

/// One object of a whole-vault backup: its family, name, how many versions it carries, and its blob (the same blob
/// ``BackupService/backup(_:vault:name:as:)`` makes, so it also restores on its own).
public struct VaultBackupEntry: Sendable {
    public let kind: ObjectKind
    public let name: String
    public let versions: Int
    public let blob: BackupBlob
}
