/// Which role may be assigned at which scope, and what a Key Vault Data Access Administrator may delegate.
enum AssignmentRules {
    /// A role fits a scope: the store scope `/` takes only kvfs's Key Vault Audit Reader; the Audit Reader takes
    /// the store or one vault, never one object (an audit line is about a vault, not owned by an object).
    /// - Throws: `VaultError.invalidArgument` for any other pairing.
    static func validate(_ role: BuiltInRole, at scope: Scope) throws {
        if scope.isStore && !role.readsAudit {
            throw VaultError.invalid("Only '\(BuiltInRole.auditReader.name)' may be assigned at the store scope /; assign '\(role.name)' at /vaults/VAULT.")
        }
        if role.readsAudit && scope.object != nil {
            throw VaultError.invalid("'\(role.name)' is assigned at the store scope / or at a vault (/vaults/VAULT), not at one object.")
        }
    }

    /// Whether an assignment at `held` lets a Data Access Administrator change assignments at `target`: its own
    /// scope and below (a vault-scope grant covers the vault and every object in it; an object-scope grant, that
    /// object only). Nothing covers the store scope.
    static func covers(_ held: Scope, _ target: Scope) -> Bool {
        !target.isStore && !held.isStore && held.applies(at: target)
    }

    /// Decides an assignment change by someone who is not the store's Owner: allowed by one of `held` (the
    /// caller's assignments) that is a Data Access Administrator covering `scope`, for a role Azure's condition
    /// lets it delegate.
    static func decideDelegation(of role: BuiltInRole, at scope: Scope, held: [RoleAssignment],
                                 caller: Caller) -> Result<RoleAssignment, VaultError> {
        guard let grant = held.first(where: { $0.role.managesAssignments && covers($0.scope, scope) }) else {
            return .failure(VaultError(.managementDenied, "Caller \(caller) may not manage role assignments at \(scope): that needs the store's owner or a Key Vault Data Access Administrator at \(scope) or above."))
        }
        guard BuiltInRole.delegable.contains(role) else {
            return .failure(VaultError(.roleNotDelegable, "A Key Vault Data Access Administrator may not assign or remove '\(role.name)'; it may delegate only \(BuiltInRole.delegableNames)."))
        }
        return .success(grant)
    }
}

extension BuiltInRole {
    /// The names of the roles a Data Access Administrator may delegate, in documentation order, for messages.
    static var delegableNames: String {
        all.filter(delegable.contains).map { "'\($0.name)'" }.joined(separator: ", ")
    }
}
