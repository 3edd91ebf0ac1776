import Foundation

extension VaultEngine {
    /// Creates a vault. Only the store's Owner may.
    /// - Throws: `VaultError` `.invalidArgument` (name, retention), `.conflict` (`VaultAlreadyExists`, live or
    ///   soft-deleted), `.accessDenied`.
    @discardableResult
    public func createVault(named name: String, options: VaultCreateOptions = VaultCreateOptions(), as caller: Caller) throws -> VaultProperties {
        try audited("VaultPut", caller, vault: name) { draft in
            try requireOwner(caller, "create vaults")
            try Names.validateVault(name)
            try VaultRules.validate(options)
            return try writeChangingAccess { tx in
                try purgeExpired(in: tx)
                if let existing = try tx.vault(nameKey: Names.key(name)) {
                    let state = existing.deletedDate == nil ? "" : " (in soft-deleted state; recover or purge it first)"
                    throw VaultError(.vaultExists, "The vault '\(existing.name)' already exists\(state).")
                }
                let id = try SecureRandom.hexIdentifier()
                let dataKey = try SecureRandom.secureBytes(AESGCM.keySize)
                let sealed = try dataKey.withUnsafeBytes {
                    try AESGCM.seal($0, key: masterKey, associatedData: VaultEngine.dataKeyAAD(vaultID: id))
                }
                let now = clock.now()
                let record = VaultRecord(id: id, name: name, sku: options.sku, retentionDays: options.retentionDays,
                                         purgeProtection: options.purgeProtection, created: now, updated: now,
                                         deletedDate: nil, scheduledPurgeDate: nil, dataKey: sealed)
                try tx.insertVault(record)
                try commitAudit(draft, in: tx)
                return record.properties
            }
        }
    }

    /// A vault's properties. The Owner sees every vault; a caller holding any role in the vault sees it too.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func vault(named name: String, as caller: Caller) throws -> VaultProperties {
        try audited("VaultGet", caller, vault: name) { draft in
            try backend.read { tx in
                if !isOwner(caller) {
                    let held = try assignments(for: caller, in: tx).filter { Names.key($0.scope.vault) == Names.key(name) }
                    guard let grant = held.first else {
                        draft.decision = .deny("the caller holds no role in vault '\(Names.printable(name))' and is not the store's Owner")
                        throw VaultError(.managementDenied, "Caller \(caller) may not read vault '\(Names.printable(name))'.")
                    }
                    draft.decision = .allow(grant)
                }
                return try liveVault(name, in: tx).properties
            }
        }
    }

    /// The vaults the caller may see: all of them for the Owner, else those where it holds a role.
    /// With `deleted: true`, the soft-deleted vaults instead (Owner only).
    /// - Throws: `.accessDenied` when a non-owner asks for deleted vaults.
    public func listVaults(deleted: Bool = false, as caller: Caller) throws -> [VaultProperties] {
        try audited(deleted ? "VaultListDeleted" : "VaultList", caller) { _ in
            if deleted { try requireOwner(caller, "list deleted vaults") }
            return try backend.read { tx in
                let now = clock.now()
                let all = try tx.vaults().filter { deleted ? ($0.deletedDate != nil && ($0.scheduledPurgeDate ?? now) > now) : $0.deletedDate == nil }
                if isOwner(caller) { return all.map(\.properties) }
                let evaluator = AccessEvaluator(assignments: try assignments(for: caller, in: tx))
                return all.filter { evaluator.holdsAnyRole(in: $0.name) }.map(\.properties)
            }
        }
    }

    /// Changes a live vault's sku or turns purge protection on. Retention is immutable; purge protection
    /// cannot be turned off once on.
    /// - Throws: `.invalidArgument` for a forbidden change, `.notFound`, `.accessDenied`.
    @discardableResult
    public func updateVault(named name: String, _ update: VaultUpdate, as caller: Caller) throws -> VaultProperties {
        try audited("VaultPatch", caller, vault: name) { draft in
            try requireOwner(caller, "update vaults")
            return try writeChangingAccess { tx in
                var vault = try liveVault(name, in: tx)
                try VaultRules.validate(update, of: vault)
                if let sku = update.sku { vault.sku = sku }
                if update.purgeProtection == true { vault.purgeProtection = true }
                vault.updated = clock.now()
                try tx.updateVault(vault)
                try commitAudit(draft, in: tx)
                return vault.properties
            }
        }
    }

    /// Soft-deletes a vault with everything in it, and removes its role assignments (recovery does not bring
    /// them back, as in Azure).
    /// - Throws: `.notFound`, `.accessDenied`.
    @discardableResult
    public func deleteVault(named name: String, as caller: Caller) throws -> VaultProperties {
        try audited("VaultDelete", caller, vault: name) { draft in
            try requireOwner(caller, "delete vaults")
            return try writeChangingAccess { tx in
                var vault = try liveVault(name, in: tx)
                let now = clock.now()
                vault.deletedDate = now
                vault.scheduledPurgeDate = now.addingTimeInterval(TimeInterval(vault.retentionDays) * 86_400)
                vault.updated = now
                try tx.updateVault(vault)
                try tx.removeAssignments(vaultKey: vault.nameKey)
                try commitAudit(draft, in: tx)
                return vault.properties
            }
        }
    }

    /// Recovers a soft-deleted vault with its objects as they were.
    /// - Throws: `.notFound` when no deleted vault has that name, `.accessDenied`.
    @discardableResult
    public func recoverVault(named name: String, as caller: Caller) throws -> VaultProperties {
        try audited("VaultRecover", caller, vault: name) { draft in
            try requireOwner(caller, "recover vaults")
            return try writeChangingAccess { tx in
                try purgeExpired(in: tx)
                guard var vault = try tx.vault(nameKey: Names.key(name)), vault.deletedDate != nil else {
                    throw VaultError(.deletedVaultNotFound, "No deleted vault named '\(Names.printable(name))' was found.")
                }
                vault.deletedDate = nil
                vault.scheduledPurgeDate = nil
                vault.updated = clock.now()
                try tx.updateVault(vault)
                try commitAudit(draft, in: tx)
                return vault.properties
            }
        }
    }

    /// Permanently removes a soft-deleted vault and everything in it. Refused under purge protection until
    /// the scheduled purge date.
    /// - Throws: `.purgeProtected`, `.notFound`, `.accessDenied`.
    public func purgeVault(named name: String, as caller: Caller) throws {
        try audited("VaultPurge", caller, vault: name) { draft in
            try requireOwner(caller, "purge vaults")
            try writeChangingAccess { tx in
                try purgeExpired(in: tx)
                guard let vault = try tx.vault(nameKey: Names.key(name)), vault.deletedDate != nil else {
                    throw VaultError(.deletedVaultNotFound, "No deleted vault named '\(Names.printable(name))' was found.")
                }
                if vault.purgeProtection {
                    throw VaultError(.vaultPurgeProtected, "Operation 'DeletedVaultPurge' is not allowed: purge protection is enabled for vault '\(vault.name)'. It will be purged automatically after \(vault.scheduledPurgeDate.map(AuditChain.timestamp) ?? "its retention period").")
                }
                try tx.removeVault(id: vault.id)
                forgetDataKey(vaultID: vault.id)
                keyMaterial.removeAll()
                try commitAudit(draft, in: tx)
            }
        }
    }

    func requireOwner(_ caller: Caller, _ what: String) throws {
        guard isOwner(caller) else {
            throw VaultError(.managementDenied, "Only the store's owner (uid \(ownerUID)) may \(what); caller is \(caller).")
        }
    }

    static func dataKeyAAD(vaultID: String) -> [UInt8] { Array("kvfs/v1/vault-key/\(vaultID)".utf8) }

    /// The vault's data key, unwrapped once and kept in memory while the engine lives.
    func dataKey(for vault: VaultRecord) throws -> SecureBytes {
        if let key = dataKeys.withLock({ $0[vault.id] }) { return key }
        guard let key = try AESGCM.open(vault.dataKey, key: masterKey, associatedData: VaultEngine.dataKeyAAD(vaultID: vault.id)) else {
            throw VaultError(.corrupted, "The data key of vault '\(vault.name)' failed its integrity check.")
        }
        dataKeys.withLock { $0[vault.id] = key }
        return key
    }

    func forgetDataKey(vaultID: String) {
        _ = dataKeys.withLock { $0.removeValue(forKey: vaultID) }
    }
}
