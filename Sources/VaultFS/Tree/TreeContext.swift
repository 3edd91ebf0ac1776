import Foundation
import VaultEngine

/// What every node needs to answer a request: the engine, the mount's vault filter and its start time, and
/// the checks many nodes share.
struct TreeContext: Sendable {
    let engine: VaultEngine
    /// When set, only these vaults (case-folded) appear in the mount.
    let vaultFilter: Set<String>?
    /// The mount's start, shown as the time of directories and files that have no time of their own.
    let started: Date

    /// `ENOENT` for a vault outside the mount's filter.
    func requireInFilter(_ vault: String) throws {
        if let vaultFilter, !vaultFilter.contains(Names.key(vault)) { throw FileSystemError.noSuchEntry }
    }

    /// A vault directory is visible to the store's Owner and to callers holding any role in it; anyone
    /// else gets `EACCES`, whether or not the vault exists.
    func requireVisible(_ vault: String, caller: Caller) throws {
        try requireInFilter(vault)
        let (visible, exists) = try engine.access.vaultVisibility(vault, as: caller)
        guard visible else { throw FileSystemError.accessDenied }
        guard exists else { throw FileSystemError.noSuchEntry }
    }

    /// The caller's rights on a collection; `EACCES` when the vault is not visible to it.
    func collectionRights(_ vault: String, _ kind: ObjectKind, caller: Caller) throws -> Set<DataAction> {
        try requireInFilter(vault)
        let collection = try engine.access.inspectCollection(kind, vault: vault, as: caller)
        guard collection.visible else { throw FileSystemError.accessDenied }
        guard collection.vaultExists else { throw FileSystemError.noSuchEntry }
        return collection.rights
    }

    /// The caller's rights on an object (or one version) and its properties, `nil` when it does not exist.
    func inspect(_ object: ObjectAddress, caller: Caller) throws -> Inspection {
        try requireInFilter(object.vault)
        return try engine.access.inspect(object.kind, vault: object.vault, name: object.name, version: object.version, as: caller)
    }

    /// The properties of an existing object (or version) with the caller's rights on it.
    /// - Throws: `ENOENT` when it does not exist, or the engine's refusal.
    func existing(_ object: ObjectAddress, caller: Caller) throws -> (rights: Set<DataAction>, properties: VersionProperties) {
        let inspection = try inspect(object, caller: caller)
        guard let properties = inspection.properties else { throw FileSystemError.noSuchEntry }
        return (inspection.rights, properties)
    }
}
