import Foundation

/// One object of a whole-vault backup: its family, name, how many versions it carries, and its blob (the same blob
/// ``VaultEngine/backupObject(_:vault:name:as:)`` makes, so it also restores on its own).
public struct VaultBackupEntry: Sendable {
    public let kind: ObjectKind
    public let name: String
    public let versions: Int
    public let blob: BackupBlob
}

/// Whole-vault backup and restore — beyond Azure, which backs up one object at a time. A vault backup is every
/// live object's blob, read in one transaction; a vault restore puts every blob into one vault in one transaction,
/// so it restores all of them or nothing.
extension VaultEngine {
    /// Backs up every live object of `vault` (managed keys and secrets ride in their certificate's blob).
    /// Needs secrets/backup, keys/backup and certificates/backup at vault scope (Key Vault Administrator).
    /// `progress` is called with (objects done, objects in all) after each object.
    /// - Throws: `.forbidden` (an object with more than 500 versions), `.notFound`, `.accessDenied`, `.corrupted`.
    public func backupVault(named vault: String, as caller: Caller,
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> [VaultBackupEntry] {
        try audited("VaultBackup", caller, vault: vault) { draft in
            try backend.read { tx in
                for kind in ObjectKind.allCases {
                    try authorize(kind.backupAction, on: Resource(vault: vault, kind: kind), draft: draft, in: tx)
                }
                let v = try liveVault(vault, in: tx)
                let objects = try ObjectKind.allCases.flatMap { kind in
                    try tx.objects(vaultID: v.id, kind: kind, deleted: false).filter { !$0.managed }
                }
                var entries: [VaultBackupEntry] = []
                for (index, object) in objects.enumerated() {
                    let versions = try tx.versions(objectID: object.id).count
                    entries.append(VaultBackupEntry(kind: object.kind, name: object.name, versions: versions,
                                                    blob: try makeBackupBlob(of: object, in: v, tx: tx)))
                    progress(index + 1, objects.count)
                }
                draft.note = "backed up \(entries.count) objects"
                return entries
            }
        }
    }

    /// Restores many blobs into `vault` in one transaction: every object restores, or none does (a taken name,
    /// a foreign or corrupt blob anywhere leaves the vault unchanged). Needs secrets/restore, keys/restore and
    /// certificates/restore at vault scope. `progress` is called with (blobs done, blobs in all).
    /// - Returns: the current version's properties of each restored object, in the order of `blobs`.
    /// - Throws: as ``restoreObject(_:vault:blob:as:)``.
    @discardableResult
    public func restoreVault(named vault: String, blobs: [BackupBlob], as caller: Caller,
                             progress: (Int, Int) -> Void = { _, _ in }) throws -> [VersionProperties] {
        try audited("VaultRestore", caller, vault: vault) { draft in
            try backend.write { tx in
                for kind in ObjectKind.allCases {
                    try authorize(kind.restoreAction, on: Resource(vault: vault, kind: kind), objectExists: false, draft: draft, in: tx)
                }
                try purgeExpired(in: tx)
                let v = try liveVault(vault, in: tx)
                var answers: [VersionProperties] = []
                for (index, blob) in blobs.enumerated() {
                    let restored: [(ObjectRecord, VersionRecord)]
                    do {
                        restored = try restore(try openBackupBlob(blob), into: v, tx: tx)
                    } catch var error as VaultError {
                        error.message = "Blob \(index + 1) of \(blobs.count): \(error.message) Nothing was restored."
                        throw error
                    }
                    answers.append(properties(restored[0].0, restored[0].1, vault: v))
                    progress(index + 1, blobs.count)
                }
                draft.note = "restored \(answers.count) objects"
                try commitAudit(draft, in: tx)
                return answers
            }
        }
    }
}
