import Foundation

/// Who may do what: principals bound to uids and gids, role assignments at vault and object scopes, and what a
/// caller may do with an object or collection (capabilities, for front-ends that render rights).
public struct AccessService: Sendable {
    let context: EngineContext

    /// Creates a principal bound to a uid or gid. Owner only.
    /// - Throws: `.invalidArgument`, `.conflict` (name or binding taken), `.accessDenied`.
    @discardableResult
    public func createPrincipal(named name: String, kind: Principal.Kind, unixID: UInt32, as caller: Caller) throws -> Principal {
        try context.runOnStore(.principalCreate, caller, checking: {
            try Names.validatePrincipal(name)
            guard kind != .workload else {
                throw VaultError(.invalidArgument, "A workload principal needs its selectors: create it with createWorkloadPrincipal.")
            }
        }) { step in
                let existing = try step.tx.principals()
                if let clash = existing.first(where: { Names.key($0.name) == Names.key(name) }) {
                    throw VaultError(.conflict, "A principal named '\(clash.name)' already exists.")
                }
                if let clash = existing.first(where: { $0.kind == kind && $0.unixID == unixID }) {
                    throw VaultError(.conflict, "Principal '\(clash.name)' is already bound to \(kind == .user ? "uid" : "gid") \(unixID).")
                }
                let principal = Principal(name: name, kind: kind, unixID: unixID, created: context.clock.now())
                try step.tx.insertPrincipal(principal)
                return principal
        }
    }

    /// Creates a principal bound to a workload run by `uid`: every selector set must match the caller (its
    /// systemd unit, container, pod, executable and digest, and its gid when given). Owner only. The first
    /// workload principal moves the store to format 2 (docs/store-format.md), in the same transaction.
    /// - Throws: `.invalidArgument` (a selector that is not valid, or none naming a workload), `.conflict`
    ///   (the name is taken, or another principal has the same uid and selectors), `.accessDenied`.
    @discardableResult
    public func createWorkloadPrincipal(named name: String, uid: UInt32, selectors: WorkloadSelectors,
                                        as caller: Caller) throws -> Principal {
        var canonical = selectors
        return try context.runOnStore(.principalCreate, caller, checking: {
            try Names.validatePrincipal(name)
            canonical = try WorkloadRules.validated(selectors)
        }) { step in
            let existing = try step.tx.principals()
            if let clash = existing.first(where: { Names.key($0.name) == Names.key(name) }) {
                throw VaultError(.conflict, "A principal named '\(clash.name)' already exists.")
            }
            if let clash = existing.first(where: { $0.kind == .workload && $0.unixID == uid && $0.selectors == canonical }) {
                throw VaultError(.conflict, "Principal '\(clash.name)' is already bound to uid \(uid) with the same selectors.")
            }
            let principal = Principal(name: name, kind: .workload, unixID: uid, selectors: canonical, created: context.clock.now())
            try step.tx.insertPrincipal(principal)
            return principal
        }
    }

    /// Every principal. Owner only.
    /// - Throws: `.accessDenied`.
    public func principals(as caller: Caller) throws -> [Principal] {
        try context.runOnStore(.principalList, caller) { step in try step.tx.principals() }
    }

    /// Deletes a principal and all its role assignments. Owner only.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func deletePrincipal(named name: String, as caller: Caller) throws {
        try context.runOnStore(.principalDelete, caller) { step in
                guard try step.tx.principals().contains(where: { Names.key($0.name) == Names.key(name) }) else {
                    throw VaultError(.principalNotFound, "No principal named '\(Names.printable(name))'.")
                }
                try step.tx.removePrincipal(nameKey: Names.key(name))
        }
    }

    /// Assigns a built-in role to a principal at a scope. The Owner may assign any role; a Key Vault Data
    /// Access Administrator at a covering scope (its own and below) may assign the eight roles Azure lets it
    /// delegate. The store scope `/` takes only the Key Vault Audit Reader (`AssignmentRules`).
    /// - Throws: `.invalidArgument` (a role that does not fit the scope), `.principalNotFound`, `.vaultNotFound`,
    ///   `.assignmentExists`, `.managementDenied` (no right at the scope), `.roleNotDelegable` (a Data Access
    ///   Administrator asking for a role its condition forbids).
    @discardableResult
    public func assign(principal: String, role: BuiltInRole, scope: Scope, as caller: Caller) throws -> RoleAssignment {
        try context.runOnStore(.assignmentCreate, caller, vault: scope.isStore ? nil : scope.vault,
                               checking: { try AssignmentRules.validate(role, at: scope) }) { step in
                step.draft.kind = scope.object?.kind
                step.draft.object = scope.object?.name
                try authorizeAssignmentChange(role: role, scope: scope, draft: step.draft, in: step.tx)
                guard let target = try step.tx.principals().first(where: { Names.key($0.name) == Names.key(principal) }) else {
                    throw VaultError(.principalNotFound, "No principal named '\(Names.printable(principal))'. Create it with `kvfs principal create`.")
                }
                if !scope.isStore { _ = try context.liveVault(scope.vault, in: step.tx) }
                let existing = try step.tx.assignments(principalKeys: [Names.key(target.name)])
                if existing.contains(where: { $0.role == role && $0.scope == scope }) {
                    throw VaultError(.assignmentExists, "'\(target.name)' already holds '\(role.name)' at \(scope).")
                }
                let assignment = RoleAssignment(id: try SecureRandom.hexIdentifier(), principal: target.name, role: role,
                                                scope: scope, created: context.clock.now())
                try step.tx.insertAssignment(assignment)
                return assignment
        }
    }

    /// Role assignments, filtered by principal and scope. The Owner sees all; anyone else sees those in vaults
    /// where it holds a role with Azure's `Microsoft.Authorization/*/read` action (``BuiltInRole/readsAssignments``).
    /// - Throws: store errors.
    public func assignments(principal: String? = nil, scope: Scope? = nil, as caller: Caller) throws -> [RoleAssignment] {
        try context.runOnStore(.assignmentList, caller, vault: scope?.vault) { step in
                var all = try step.tx.assignments()
                if !context.isOwner(caller) {
                    let readable = Set(try context.assignments(for: caller, in: step.tx).filter(\.role.readsAssignments).map { Names.key($0.scope.vault) })
                    all = all.filter { readable.contains(Names.key($0.scope.vault)) }
                }
                if let principal { all = all.filter { Names.key($0.principal) == Names.key(principal) } }
                if let scope { all = all.filter { $0.scope == scope } }
                return all
        }
    }

    /// Removes a role assignment by id, under the same rules as creating one.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func removeAssignment(id: String, as caller: Caller) throws {
        try context.runOnStore(.assignmentDelete, caller) { step in
                guard let assignment = try step.tx.assignments().first(where: { $0.id == id.lowercased() }) else {
                    throw VaultError(.assignmentNotFound, "No role assignment with id '\(Names.printable(id))'.")
                }
                step.draft.vault = assignment.scope.isStore ? nil : assignment.scope.vault
                try authorizeAssignmentChange(role: assignment.role, scope: assignment.scope, draft: step.draft, in: step.tx)
                try step.tx.removeAssignment(id: assignment.id)
        }
    }

    /// Whether the caller may change some role assignments (the Owner, or a Key Vault Data Access Administrator
    /// at any scope), for front-ends that show rights (a control file's mode bits). Writes no audit line: each
    /// change is decided and audited on its own.
    /// - Throws: store errors.
    public func mayManageAssignments(as caller: Caller) throws -> Bool {
        if context.isOwner(caller) { return true }
        return try context.backend.read { tx in try context.assignments(for: caller, in: tx).contains { $0.role.managesAssignments } }
    }

    private func authorizeAssignmentChange(role: BuiltInRole, scope: Scope, draft: AuditDraft, in tx: any StoreTransaction) throws {
        if context.isOwner(draft.caller) { return }
        let held = try context.assignments(for: draft.caller, in: tx)
        switch AssignmentRules.decideDelegation(of: role, at: scope, held: held, caller: draft.caller) {
        case .success(let grant):
            draft.decision = .allow(grant)
        case .failure(let refusal):
            draft.decision = .deny(refusal.reason == .roleNotDelegable
                ? "a Key Vault Data Access Administrator may not assign or remove '\(role.name)' (Azure's condition on the role)"
                : "the caller is neither the store's owner nor a Key Vault Data Access Administrator at \(scope) or above")
            throw refusal
        }
    }
}
