import Foundation

extension VaultEngine {
    /// Creates a principal bound to a uid or gid. Owner only.
    /// - Throws: `.invalidArgument`, `.conflict` (name or binding taken), `.accessDenied`.
    @discardableResult
    public func createPrincipal(named name: String, kind: Principal.Kind, unixID: UInt32, as caller: Caller) throws -> Principal {
        try audited("PrincipalCreate", caller) { draft in
            try requireOwner(caller, "create principals")
            try Names.validatePrincipal(name)
            return try writeChangingAccess { tx in
                let existing = try tx.principals()
                if let clash = existing.first(where: { Names.key($0.name) == Names.key(name) }) {
                    throw VaultError(.conflict, "A principal named '\(clash.name)' already exists.")
                }
                if let clash = existing.first(where: { $0.kind == kind && $0.unixID == unixID }) {
                    throw VaultError(.conflict, "Principal '\(clash.name)' is already bound to \(kind == .user ? "uid" : "gid") \(unixID).")
                }
                let principal = Principal(name: name, kind: kind, unixID: unixID, created: clock.now())
                try tx.insertPrincipal(principal)
                try commitAudit(draft, in: tx)
                return principal
            }
        }
    }

    /// Every principal. Owner only.
    /// - Throws: `.accessDenied`.
    public func listPrincipals(as caller: Caller) throws -> [Principal] {
        try audited("PrincipalList", caller) { _ in
            try requireOwner(caller, "list principals")
            return try backend.read { tx in try tx.principals() }
        }
    }

    /// Deletes a principal and all its role assignments. Owner only.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func deletePrincipal(named name: String, as caller: Caller) throws {
        try audited("PrincipalDelete", caller) { draft in
            try requireOwner(caller, "delete principals")
            try writeChangingAccess { tx in
                guard try tx.principals().contains(where: { Names.key($0.name) == Names.key(name) }) else {
                    throw VaultError(.notFound, "No principal named '\(Names.printable(name))'.")
                }
                try tx.removePrincipal(nameKey: Names.key(name))
                try commitAudit(draft, in: tx)
            }
        }
    }

    /// Assigns a built-in role to a principal at a scope. The Owner may assign any role; a Key Vault Data
    /// Access Administrator at a covering scope may assign the eight roles Azure lets it delegate.
    /// - Throws: `.invalidArgument`, `.notFound` (principal or vault), `.conflict` (already assigned), `.accessDenied`.
    @discardableResult
    public func createRoleAssignment(principal: String, role: BuiltInRole, scope: Scope, as caller: Caller) throws -> RoleAssignment {
        try audited("RoleAssignmentCreate", caller, vault: scope.vault, kind: scope.object?.kind, object: scope.object?.name) { draft in
            try writeChangingAccess { tx in
                try authorizeAssignmentChange(role: role, scope: scope, draft: draft, in: tx)
                guard let target = try tx.principals().first(where: { Names.key($0.name) == Names.key(principal) }) else {
                    throw VaultError(.notFound, "No principal named '\(Names.printable(principal))'. Create it with `kvfs principal create`.")
                }
                _ = try liveVault(scope.vault, in: tx)
                let existing = try tx.assignments(principalKeys: [Names.key(target.name)])
                if existing.contains(where: { $0.role == role && $0.scope == scope }) {
                    throw VaultError(.assignmentExists, "'\(target.name)' already holds '\(role.name)' at \(scope).")
                }
                let assignment = RoleAssignment(id: try SecureRandom.hexIdentifier(), principal: target.name, role: role,
                                                scope: scope, created: clock.now())
                try tx.insertAssignment(assignment)
                try commitAudit(draft, in: tx)
                return assignment
            }
        }
    }

    /// Role assignments, filtered by principal and scope. The Owner sees all; anyone else sees those in vaults
    /// where it holds a role with Azure's `Microsoft.Authorization/*/read` action (``BuiltInRole/readsAssignments``).
    /// - Throws: store errors.
    public func listRoleAssignments(principal: String? = nil, scope: Scope? = nil, as caller: Caller) throws -> [RoleAssignment] {
        try audited("RoleAssignmentList", caller, vault: scope?.vault) { _ in
            try backend.read { tx in
                var all = try tx.assignments()
                if !isOwner(caller) {
                    let readable = Set(try assignments(for: caller, in: tx).filter(\.role.readsAssignments).map { Names.key($0.scope.vault) })
                    all = all.filter { readable.contains(Names.key($0.scope.vault)) }
                }
                if let principal { all = all.filter { Names.key($0.principal) == Names.key(principal) } }
                if let scope { all = all.filter { $0.scope == scope } }
                return all
            }
        }
    }

    /// Removes a role assignment by id, under the same rules as creating one.
    /// - Throws: `.notFound`, `.accessDenied`.
    public func deleteRoleAssignment(id: String, as caller: Caller) throws {
        try audited("RoleAssignmentDelete", caller) { draft in
            try writeChangingAccess { tx in
                guard let assignment = try tx.assignments().first(where: { $0.id == id.lowercased() }) else {
                    throw VaultError(.assignmentNotFound, "No role assignment with id '\(Names.printable(id))'.")
                }
                draft.vault = assignment.scope.vault
                try authorizeAssignmentChange(role: assignment.role, scope: assignment.scope, draft: draft, in: tx)
                try tx.removeAssignment(id: assignment.id)
                try commitAudit(draft, in: tx)
            }
        }
    }

    private func authorizeAssignmentChange(role: BuiltInRole, scope: Scope, draft: AuditDraft, in tx: any StoreTransaction) throws {
        if isOwner(draft.caller) { return }
        let held = try assignments(for: draft.caller, in: tx).filter { a in
            a.role.managesAssignments && Names.key(a.scope.vault) == Names.key(scope.vault) && (a.scope.object == nil || a.scope == scope)
        }
        guard let grant = held.first else {
            draft.decision = .deny("the caller is neither the store's owner nor a Key Vault Data Access Administrator at \(scope)")
            throw VaultError(.managementDenied, "Caller \(draft.caller) may not manage role assignments at \(scope).")
        }
        guard BuiltInRole.delegable.contains(role) else {
            draft.decision = .deny("a Key Vault Data Access Administrator may not assign '\(role.name)'")
            throw VaultError(.managementDenied, "A Key Vault Data Access Administrator may not assign or remove '\(role.name)'.")
        }
        draft.decision = .allow(grant)
    }
}
