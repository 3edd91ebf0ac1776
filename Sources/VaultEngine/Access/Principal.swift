import Foundation

/// A named identity bound to a Unix user or group, or to a workload run by a uid. A caller matches every
/// user principal bound to its uid, every group principal bound to its gid or one of its supplementary
/// groups, and every workload principal whose uid and selectors all match it.
public struct Principal: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case user, group, workload
    }

    public var name: String
    public var kind: Kind
    /// The uid (for a user or a workload) or gid (for a group).
    public var unixID: UInt32
    /// What a workload principal requires besides its uid; `nil` for users and groups.
    public var selectors: WorkloadSelectors?
    public var created: Date

    public init(name: String, kind: Kind, unixID: UInt32, selectors: WorkloadSelectors? = nil, created: Date) {
        self.name = name
        self.kind = kind
        self.unixID = unixID
        self.selectors = selectors
        self.created = created
    }

    /// Whether `caller` is this principal. A workload principal matches only a caller whose workload was
    /// identified (``Caller/workload``) and satisfies every selector; the caller's groups must already be
    /// resolved when the principal names a gid.
    public func matches(_ caller: Caller) -> Bool {
        switch kind {
        case .user: return caller.uid == unixID
        case .group: return caller.isMember(ofGroup: unixID)
        case .workload:
            guard caller.uid == unixID, let selectors else { return false }
            if let gid = selectors.gid, !caller.isMember(ofGroup: gid) { return false }
            guard let lookup = caller.workload,
                  case .identified(let workload) = lookup.identification(withDigest: selectors.needsDigest) else { return false }
            return selectors.matches(workload)
        }
    }
}

/// A principal holding a built-in role at a scope.
public struct RoleAssignment: Sendable, Hashable {
    /// A random 32-hex-character id.
    public var id: String
    public var principal: String
    public var role: BuiltInRole
    public var scope: Scope
    public var created: Date

    public init(id: String, principal: String, role: BuiltInRole, scope: Scope, created: Date) {
        self.id = id
        self.principal = principal
        self.role = role
        self.scope = scope
        self.created = created
    }
}
