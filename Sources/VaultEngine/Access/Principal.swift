import Foundation

/// A named identity bound to a Unix user or group. A caller matches every principal bound to its uid,
/// its gid or one of its supplementary groups.
public struct Principal: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        case user, group
    }

    public var name: String
    public var kind: Kind
    /// The uid (for a user) or gid (for a group).
    public var unixID: UInt32
    public var created: Date

    public init(name: String, kind: Kind, unixID: UInt32, created: Date) {
        self.name = name
        self.kind = kind
        self.unixID = unixID
        self.created = created
    }

    /// Whether `caller` is this principal.
    public func matches(_ caller: Caller) -> Bool {
        switch kind {
        case .user: caller.uid == unixID
        case .group: caller.isMember(ofGroup: unixID)
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
