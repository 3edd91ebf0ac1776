import Foundation
import VaultEngine

/// The engine's verdict, by a name the nested wire type does not hide.
typealias EngineAuditVerification = AuditVerification

/// The JSON a mount's management control files (`.audit`, `.access`) read and answer, shared by the handlers
/// and by the CLI that writes to them (`kvfs audit … --mount`, `kvfs role assignment … --mount`).
public enum ManagementControlWire {
    /// A request on `.audit`: `list` with the filter's fields, or `verify`.
    public struct AuditRequest: Codable, Sendable {
        public var op: String
        public var vault: String?
        public var principal: String?
        public var operation: String?
        public var result: String?
        public var workload: String?
        /// ISO 8601 times with a zone (`DateRules`).
        public var since: String?
        public var until: String?

        /// The request for `op` with `filter`'s conditions.
        public init(op: String, filter: AuditFilter = AuditFilter()) {
            self.op = op
            vault = filter.vault
            principal = filter.principal
            operation = filter.operation
            result = filter.result
            workload = filter.workload
            since = filter.since.map(ManagementControlWire.time)
            until = filter.until.map(ManagementControlWire.time)
        }
    }

    /// The answer to `.audit`'s `verify`.
    public struct AuditVerification: Codable, Sendable {
        public struct Pruned: Codable, Sendable {
            public var throughLine: Int64
            public var before: String
            public var checkpoint: String
        }
        public var intact: Bool
        public var lines: Int64
        public var firstLine: Int64
        public var problem: String?
        public var pruned: Pruned?
        public var vaults: [String]?

        init(_ result: EngineAuditVerification) {
            intact = result.isIntact
            lines = result.lines
            firstLine = result.firstLine
            problem = result.problem
            pruned = result.pruned.map { Pruned(throughLine: $0.throughLine, before: $0.before, checkpoint: $0.checkpoint.line) }
            vaults = result.vaults
        }
    }

    /// A request on `.access`: `create` (assignee, role, scope), `delete` (id) or `list` (assignee, scope).
    public struct AccessRequest: Codable, Sendable {
        public var op: String
        public var assignee: String?
        public var role: String?
        public var scope: String?
        public var id: String?

        public init(op: String, assignee: String? = nil, role: String? = nil, scope: String? = nil, id: String? = nil) {
            self.op = op
            self.assignee = assignee
            self.role = role
            self.scope = scope
            self.id = id
        }
    }

    /// A role assignment as `.access` answers it.
    public struct Assignment: Codable, Sendable {
        public var id: String
        public var principalName: String
        public var roleDefinitionName: String
        public var roleDefinitionId: String
        public var scope: String
        public var createdOn: String

        init(_ a: RoleAssignment) {
            id = a.id
            principalName = a.principal
            roleDefinitionName = a.role.name
            roleDefinitionId = a.role.id
            scope = a.scope.description
            createdOn = ManagementControlWire.time(a.created)
        }
    }

    /// A time as the wire carries it: ISO 8601 in UTC with milliseconds.
    public static func time(_ date: Date) -> String {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format.string(from: date)
    }
}
