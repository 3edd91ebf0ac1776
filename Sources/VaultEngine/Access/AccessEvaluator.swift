/// What a data-plane request is about: a vault's collection (for listing and creating) or one object.
public struct Resource: Sendable, Hashable, CustomStringConvertible {
    public var vault: String
    public var kind: ObjectKind
    /// `nil` when the request is about the collection (list, create a new name).
    public var name: String?

    public init(vault: String, kind: ObjectKind, name: String? = nil) {
        self.vault = vault
        self.kind = kind
        self.name = name
    }

    public var description: String {
        "/vaults/\(vault)/\(kind.collection)" + (name.map { "/\($0)" } ?? "")
    }
}

/// The answer of the access evaluator: a value, never an error. Only the edge turns a denial into one.
public enum AccessDecision: Sendable, Equatable {
    /// Allowed by this assignment.
    case allow(RoleAssignment)
    /// Denied, with the reason the audit log records.
    case deny(String)

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }
}

/// Decides data-plane requests from role assignments. Everything not granted is denied.
public struct AccessEvaluator: Sendable {
    /// The assignments held by the caller (already filtered to the principals it matches).
    public let assignments: [RoleAssignment]

    public init(assignments: [RoleAssignment]) {
        self.assignments = assignments
    }

    /// Decides whether the caller may perform `action` on `resource`.
    ///
    /// A vault-scope assignment covers every object of the vault and its collections. An object-scope
    /// assignment covers that object only: it never lets one list a collection or create a new name
    /// (`objectExists == false`), as in Azure.
    public func decide(_ action: DataAction, on resource: Resource, objectExists: Bool = true) -> AccessDecision {
        let target = Target(resource, objectExists: objectExists)
        if let assignment = assignments.first(where: { target.isCovered(by: $0) && $0.role.grants(action) }) {
            return .allow(assignment)
        }
        if assignments.isEmpty {
            return .deny("DeniedWithNoValidRBAC: the caller holds no role assignment")
        }
        return .deny("DeniedWithNoValidRBAC: no assignment grants \(action) on \(resource)")
    }

    /// The data actions the caller holds on `resource` (for capabilities): the same answers as `decide` for
    /// each action, from the same scope rule, in one pass over the assignments.
    public func grantedActions(on resource: Resource, among actions: [DataAction]) -> Set<DataAction> {
        let target = Target(resource, objectExists: true)
        var granted = Set<DataAction>()
        for assignment in assignments where target.isCovered(by: assignment) {
            for action in actions where assignment.role.grants(action) { granted.insert(action) }
        }
        return granted
    }

    /// The one scope rule: a vault-scope assignment covers every object of its vault and the vault's
    /// collections; an object-scope assignment covers that existing object only.
    private struct Target {
        let vaultKey: String
        let kind: ObjectKind
        let nameKey: String?
        let objectExists: Bool

        init(_ resource: Resource, objectExists: Bool) {
            vaultKey = Names.key(resource.vault)
            kind = resource.kind
            nameKey = resource.name.map(Names.key)
            self.objectExists = objectExists
        }

        func isCovered(by assignment: RoleAssignment) -> Bool {
            guard assignment.scope.vaultKey == vaultKey else { return false }
            guard let object = assignment.scope.object else { return true }
            return objectExists && nameKey != nil && object.kind == kind && assignment.scope.objectKey == nameKey
        }
    }

    /// The first assignment that grants `action` on `kind` anywhere in `vault`: at vault scope, or on any one
    /// object of that kind (a writer's temporary file may become any object it may write).
    public func grantAnywhere(_ action: DataAction, _ kind: ObjectKind, in vault: String) -> RoleAssignment? {
        let vaultKey = Names.key(vault)
        return assignments.first {
            $0.scope.vaultKey == vaultKey && $0.role.grants(action) && ($0.scope.object.map { $0.kind == kind } ?? true)
        }
    }

    /// Whether the caller holds any assignment in `vault` (it may then see the vault's directory).
    public func holdsAnyRole(in vault: String) -> Bool {
        let vaultKey = Names.key(vault)
        return assignments.contains { $0.scope.vaultKey == vaultKey }
    }
}
