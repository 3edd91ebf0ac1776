import Foundation

/// Vaults: the management plane's create, show, list, update, delete, recover and purge. Creating, changing
/// and removing vaults is the store's Owner's; a caller holding a role in a vault may read it.
public struct VaultService: Sendable {
    let context: EngineContext

    /// Creates a vault. Only the store's Owner may.
    /// - Throws: `VaultError` `.invalidArgument` (name, retention), `.conflict` (`VaultAlreadyExists`, live or
    ///   soft-deleted), `.accessDenied`.
    @discardableResult
    public func create(named name: String, options: VaultCreateOptions = VaultCreateOptions(), as caller: Caller) throws -> VaultProperties {
        try context.runOnStore(.vaultCreate, caller, vault: name, checking: {
            try Names.validateVault(name)
            try VaultRules.validate(options)
        }) { step in
            if let existing = try step.tx.vault(nameKey: Names.key(name)) {
                let state = existing.deletedDate == nil ? "" : " (in soft-deleted state; recover or purge it first)"
                throw VaultError(.vaultExists, "The vault '\(existing.name)' already exists\(state).")
            }
            let id = try SecureRandom.hexIdentifier()
            let dataKey = try SecureRandom.secureBytes(AESGCM.keySize)
            let sealed = try dataKey.withUnsafeBytes {
                try AESGCM.seal($0, key: context.masterKey, associatedData: EngineContext.dataKeyAAD(vaultID: id))
            }
            let now = context.clock.now()
            let record = VaultRecord(id: id, name: name, sku: options.sku, retentionDays: options.retentionDays,
                                     purgeProtection: options.purgeProtection, created: now, updated: now,
                                     deletedDate: nil, scheduledPurgeDate: nil, dataKey: sealed)
            try step.tx.insertVault(record)
            return record.properties
        }
    }

    /// A vault's properties. The Owner sees every vault; a caller holding any role in the vault sees it too.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func show(named name: String, as caller: Caller) throws -> VaultProperties {
        try context.runOnStore(.vaultGet, caller, vault: name) { step in
            if !context.isOwner(caller) {
                let held = try context.assignments(for: caller, in: step.tx).filter { Names.key($0.scope.vault) == Names.key(name) }
                guard let grant = held.first else {
                    step.draft.decision = .deny("the caller holds no role in vault '\(Names.printable(name))' and is not the store's Owner")
                    throw VaultError(.managementDenied, "Caller \(caller) may not read vault '\(Names.printable(name))'.")
                }
                step.draft.decision = .allow(grant)
            }
            return try context.liveVault(name, in: step.tx).properties
        }
    }

    /// The vaults the caller may see: all of them for the Owner, else those where it holds a role.
    /// With `deleted: true`, the soft-deleted vaults instead (Owner only).
    /// - Throws: `.accessDenied` when a non-owner asks for deleted vaults.
    public func list(deleted: Bool = false, as caller: Caller) throws -> [VaultProperties] {
        try context.runOnStore(deleted ? .vaultListDeleted : .vaultList, caller) { step in
            let now = context.clock.now()
            let all = try step.tx.vaults().filter {
                deleted ? ($0.deletedDate != nil && ($0.scheduledPurgeDate ?? now) > now) : $0.deletedDate == nil
            }
            if context.isOwner(caller) { return all.map(\.properties) }
            let evaluator = AccessEvaluator(assignments: try context.assignments(for: caller, in: step.tx))
            return all.filter { evaluator.holdsAnyRole(in: $0.name) }.map(\.properties)
        }
    }

    /// Changes a live vault's sku or turns purge protection on. Retention is immutable; purge protection
    /// cannot be turned off once on.
    /// - Throws: `.invalidArgument` for a forbidden change, `.notFound`, `.accessDenied`.
    @discardableResult
    public func update(named name: String, _ update: VaultUpdate, as caller: Caller) throws -> VaultProperties {
        try context.run(.vaultUpdate, caller, vault: name) { step in
            var vault = step.vault
            try VaultRules.validate(update, of: vault)
            if let sku = update.sku { vault.sku = sku }
            if update.purgeProtection == true { vault.purgeProtection = true }
            vault.updated = context.clock.now()
            try step.tx.updateVault(vault)
            return vault.properties
        }
    }

    /// Soft-deletes a vault with everything in it, and removes its role assignments (recovery does not bring
    /// them back, as in Azure).
    /// - Throws: `.notFound`, `.accessDenied`.
    @discardableResult
    public func delete(named name: String, as caller: Caller) throws -> VaultProperties {
        try context.run(.vaultDelete, caller, vault: name) { step in
            var vault = step.vault
            let now = context.clock.now()
            vault.deletedDate = now
            vault.scheduledPurgeDate = now.addingTimeInterval(TimeInterval(vault.retentionDays) * 86_400)
            vault.updated = now
            try step.tx.updateVault(vault)
            try step.tx.removeAssignments(vaultKey: vault.nameKey)
            return vault.properties
        }
    }

    /// Recovers a soft-deleted vault with its objects as they were.
    /// - Throws: `.notFound` when no deleted vault has that name, `.accessDenied`.
    @discardableResult
    public func recover(named name: String, as caller: Caller) throws -> VaultProperties {
        try context.runOnStore(.vaultRecover, caller, vault: name) { step in
            var vault = try deletedVault(name, in: step.tx)
            vault.deletedDate = nil
            vault.scheduledPurgeDate = nil
            vault.updated = context.clock.now()
            try step.tx.updateVault(vault)
            return vault.properties
        }
    }

    /// Permanently removes a soft-deleted vault and everything in it. Refused under purge protection until
    /// the scheduled purge date.
    /// - Throws: `.purgeProtected`, `.notFound`, `.accessDenied`.
    public func purge(named name: String, as caller: Caller) throws {
        try context.runOnStore(.vaultPurge, caller, vault: name) { step in
            let vault = try deletedVault(name, in: step.tx)
            if vault.purgeProtection {
                throw VaultError(.vaultPurgeProtected, "Operation 'DeletedVaultPurge' is not allowed: purge protection is enabled for vault '\(vault.name)'. It will be purged automatically after \(vault.scheduledPurgeDate.map(AuditChain.timestamp) ?? "its retention period").")
            }
            try step.tx.removeVault(id: vault.id)
            context.forgetDataKey(vaultID: vault.id)
            context.keyMaterial.removeAll()
        }
    }

    private func deletedVault(_ name: String, in tx: any StoreTransaction) throws -> VaultRecord {
        guard let vault = try tx.vault(nameKey: Names.key(name)), vault.deletedDate != nil else {
            throw VaultError(.deletedVaultNotFound, "No deleted vault named '\(Names.printable(name))' was found.")
        }
        return vault
    }
}
