import Foundation

extension EngineContext {
    /// The role assignments that apply to `caller` (through every principal it matches).
    func assignments(for caller: Caller, in tx: any StoreTransaction) throws -> [RoleAssignment] {
        try accessSnapshot(in: tx).assignments(for: caller)
    }

    func accessSnapshot(in tx: any StoreTransaction) throws -> AccessSnapshot {
        let generation = try tx.meta(AccessSnapshotCache.generationKey) ?? "0"
        return try accessCache.snapshot(generation: generation) {
            AccessSnapshot(principals: try tx.principals(), assignments: try tx.assignments(), vaults: try tx.vaults())
        }
    }

    /// Decides whether any of `actions` (the first is the operation's own) is granted on `resource` to the
    /// caller recorded in `draft`, records the decision, and throws `accessDenied` when none is. Creating a new
    /// name needs a vault-scope grant (`objectExists: false`).
    func authorize(_ actions: [DataAction], on resource: Resource, objectExists: Bool = true, draft: AuditDraft,
                   in tx: any StoreTransaction) throws {
        let held: [RoleAssignment]
        do {
            held = try assignments(for: draft.caller, in: tx)
        } catch let error as VaultError {
            if let denial = error.cause as? AccessDenial { draft.decision = .deny(denial.reason) }
            throw error
        }
        let evaluator = AccessEvaluator(assignments: held)
        var denial: AccessDecision?
        for action in actions {
            let decision = evaluator.decide(action, on: resource, objectExists: objectExists)
            if decision.isAllowed {
                draft.decision = decision
                return
            }
            if denial == nil { denial = decision }
        }
        draft.decision = denial
        try refuseMissingVaultForOwner(resource.vault, draft: draft, in: tx)
        let reason: String
        if case .deny(let why) = denial { reason = why } else { reason = "no action to decide" }
        throw VaultError(.accessDenied,
                         "Caller \(draft.caller) is not authorized to perform '\(actions.map(\.rawValue).joined(separator: "' or '"))' on '\(resource)'.",
                         cause: AccessDenial(reason: reason))
    }

    /// The one rule about who learns that a vault does not exist. A data caller denied on a vault is told
    /// "not authorized" whether or not the vault exists (no existence oracle); the store's Owner, who sees every
    /// vault through the management plane anyway, is told the truth: a missing vault is `vaultNotFound`, so a
    /// mistyped name is not reported as a missing role. Asked only after a denial, so allowed calls pay nothing.
    func refuseMissingVaultForOwner(_ vault: String, draft: AuditDraft, in tx: any StoreTransaction) throws {
        guard isOwner(draft.caller) else { return }
        _ = try liveVault(vault, in: tx)
    }

    /// The live vault named `name`, or `notFound`.
    func liveVault(_ name: String, in tx: any StoreTransaction) throws -> VaultRecord {
        guard let vault = try tx.vault(nameKey: Names.key(name)), vault.deletedDate == nil else {
            throw VaultError(.vaultNotFound, "Vault '\(Names.printable(name))' was not found.")
        }
        return vault
    }

    /// The assignments that apply to `caller` in `snapshot`, for a decision made outside the pipeline; a caller
    /// refused because its workload could not be identified is audited under `operation` with the reason.
    func assignments(in snapshot: AccessSnapshot, for caller: Caller, auditedAs operation: Operation,
                     vault: String) throws -> [RoleAssignment] {
        do {
            return try snapshot.assignments(for: caller)
        } catch let error as VaultError {
            return try audited(operation.name, caller, vault: vault, kind: operation.kind) { draft -> [RoleAssignment] in
                if let denial = error.cause as? AccessDenial { draft.decision = .deny(denial.reason) }
                throw error
            }
        }
    }

    /// The current access snapshot; the tables are read only when their generation moved.
    func snapshot() throws -> AccessSnapshot {
        try readCache.read { tx in try accessSnapshot(in: tx) }
    }
}

/// The reason behind an access denial, carried as the error's cause.
public struct AccessDenial: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

extension EngineContext {
    /// A write transaction that changes principals, role assignments or vaults: it bumps the access
    /// generation, so every engine on the store (this process or another) reads the tables anew.
    ///
    /// The bump comes after the body: a body that decides from the caller's assignments (a Data Access
    /// Administrator's change) loads the snapshot of the tables as they were, under the old generation; bumped
    /// first, that old snapshot would be cached under the new generation and outlive the change.
    func writeChangingAccess<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try backend.write { tx in
            let result = try body(tx)
            let current = Int(try tx.meta(AccessSnapshotCache.generationKey) ?? "0") ?? 0
            try tx.setMeta(AccessSnapshotCache.generationKey, String(current + 1))
            return result
        }
    }
}
