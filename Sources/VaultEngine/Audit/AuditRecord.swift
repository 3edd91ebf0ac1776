import Foundation

/// One audit line, as Azure's AuditEvent names things: the operation, the result, what was touched, who asked,
/// and which role assignment allowed it or why it was denied. It never holds a secret value or key material.
public struct AuditRecord: Codable, Sendable, Hashable {
    /// Position in the chain, from 1.
    public var seq: Int64
    /// UTC, ISO 8601 with milliseconds.
    public var time: String
    /// Azure's operationName: SecretGet, SecretSet, VaultDelete, RoleAssignmentCreate, …
    public var operationName: String
    /// `Success` or `Failure`.
    public var resultType: String
    /// Azure's error code when the operation failed (ForbiddenByRbac, SecretNotFound, …).
    public var resultSignature: String?
    /// Why the operation was denied or failed.
    public var resultDescription: String?
    public var vault: String?
    /// `secrets`, `keys` or `certificates`.
    public var collection: String?
    public var object: String?
    public var version: String?
    /// A cryptographic algorithm, for key operations.
    public var algorithm: String?
    public var caller: AuditCaller
    /// The principal whose assignment allowed the request.
    public var principal: String?
    public var appliedAssignmentId: String?
    public var role: String?
    /// The MAC of the previous line (64 zeros for the first).
    public var prev: String
    /// How many identical requests this line stands for, when more than one (see `AuditAggregate`): same
    /// caller uid, gid and executable, operation, target, result and reason, within one aggregation window.
    /// `time` is then the first request's time and `lastTime` the last one's. Absent for a single request.
    public var count: Int64? = nil
    /// The time of the last request an aggregated line stands for.
    public var lastTime: String? = nil
    /// The other processes (pids, in the order they first asked, at most `AuditAggregate.maxPids`) an
    /// aggregated line stands for, besides `caller.pid`.
    public var otherPids: [Int32]? = nil
    /// How many distinct processes an aggregated line stands for, when more than `otherPids` can name.
    public var pidCount: Int64? = nil
}

/// The process behind an audited request.
public struct AuditCaller: Codable, Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var executable: String?
    /// The workload the caller was identified as (unit, container, pod, executable), when the decision looked
    /// at it: only callers whose uid a workload principal names.
    public var workload: Workload?
    /// The process that wrote the request on a file this one opened, when that was another process (a
    /// passed or inherited descriptor); the decision was this caller's.
    public var writer: AuditWriter?

    init(_ caller: Caller) {
        uid = caller.uid
        gid = caller.gid
        pid = caller.pid
        executable = caller.executable ?? Caller.procExecutable(of: caller.pid)
        if case .identified(let workload) = caller.workload?.identifiedSoFar { self.workload = workload }
        writer = caller.writer.map(AuditWriter.init)
    }
}

/// The process that wrote a request on a descriptor another process opened.
public struct AuditWriter: Codable, Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var executable: String?

    init(_ writer: Caller.Writer) {
        uid = writer.uid
        gid = writer.gid
        pid = writer.pid
        executable = writer.executable
    }
}

/// What an audited operation is about, filled in as the operation learns it.
final class AuditDraft: @unchecked Sendable {
    let operation: String
    let caller: Caller
    var vault: String?
    var kind: ObjectKind?
    var object: String?
    var version: String?
    var algorithm: String?
    var decision: AccessDecision?
    /// A remark for the audit line when no decision explains the operation (automatic purge).
    var note: String?
    /// Set once the success line was written inside the operation's own transaction.
    var committed = false

    init(operation: String, caller: Caller, vault: String?, kind: ObjectKind?, object: String?, version: String?) {
        self.operation = operation
        self.caller = caller
        self.vault = vault
        self.kind = kind
        self.object = object
        self.version = version
    }
}
