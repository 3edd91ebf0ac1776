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
    /// The callers' temporary files (atomic replace), in memory only.
    let temporaries: TemporaryFiles
    /// Secrets processes soft-deleted a moment ago (`install`'s remove-then-create).
    let removals = RecentRemovals()

    /// `ENOENT` for a vault outside the mount's filter.
    func requireInFilter(_ vault: String) throws {
        if let vaultFilter, !vaultFilter.contains(Names.key(vault)) { throw FileSystemError.noSuchEntry }
    }

    /// A vault directory: the engine decides who may see it (and audits a refusal).
    func requireVisible(_ vault: String, caller: Caller) throws {
        try requireInFilter(vault)
        try engine.access.inspectVault(vault, as: caller)
    }

    /// What the caller may do with a collection, as the engine decides it.
    func collectionCapabilities(_ vault: String, _ kind: ObjectKind, caller: Caller) throws -> Capabilities {
        try requireInFilter(vault)
        return try engine.access.inspectCollection(kind, vault: vault, as: caller).capabilities
    }

    /// What the caller may do with an object (or one version) and its properties, `nil` when it does not exist.
    func inspect(_ object: ObjectAddress, caller: Caller) throws -> Inspection {
        try requireInFilter(object.vault)
        return try engine.access.inspect(object.kind, vault: object.vault, name: object.name, version: object.version, as: caller)
    }

    /// The engine's inspection of an object with its public view (`access.inspectPublicView`): no audit line
    /// unless refused.
    func inspectPublicView(_ object: ObjectAddress, caller: Caller) throws -> Inspection {
        try requireInFilter(object.vault)
        return try engine.access.inspectPublicView(object.kind, vault: object.vault, name: object.name,
                                                   version: object.version, as: caller)
    }

    /// `existing`, with the public view of a key or certificate the caller may read (to size its files).
    /// - Throws: `ENOENT` when it does not exist, or the engine's refusal.
    func existingWithPublicView(_ object: ObjectAddress, caller: Caller) throws
        -> (capabilities: Capabilities, properties: VersionProperties, view: PublicView?) {
        try requireInFilter(object.vault)
        let inspection = try engine.access.inspectPublicView(object.kind, vault: object.vault, name: object.name,
                                                             version: object.version, as: caller)
        guard let properties = inspection.properties else { throw FileSystemError.noSuchEntry }
        return (inspection.capabilities, properties, inspection.publicView)
    }

    /// The properties of an existing object (or version) with what the caller may do with it.
    /// - Throws: `ENOENT` when it does not exist, or the engine's refusal.
    func existing(_ object: ObjectAddress, caller: Caller) throws -> (capabilities: Capabilities, properties: VersionProperties) {
        let inspection = try inspect(object, caller: caller)
        guard let properties = inspection.properties else { throw FileSystemError.noSuchEntry }
        return (inspection.capabilities, properties)
    }
}
