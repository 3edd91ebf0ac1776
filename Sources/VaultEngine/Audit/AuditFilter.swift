import Foundation

/// Which audit lines to read: every condition given must hold (`nil` matches everything). Times compare as
/// the lines' UTC timestamps; a folded line (with a `count`) is matched by its first request's time.
public struct AuditFilter: Sendable, Equatable {
    /// Only lines about this vault.
    public var vault: String?
    /// Only lines whose principal (the one whose assignment allowed it) has this name.
    public var principal: String?
    /// Only lines of this Azure operationName (`SecretGet`, `RoleAssignmentCreate`, …); case-insensitive.
    public var operation: String?
    /// Only `Success` or only `Failure` lines; case-insensitive.
    public var result: String?
    /// Only lines whose caller was identified as this workload: a systemd unit, a container id, a pod UID, a
    /// pod namespace or service account, or an executable path, matched exactly against each.
    public var workload: String?
    /// Only lines at or after this time.
    public var since: Date?
    /// Only lines at or before this time.
    public var until: Date?

    /// A filter; every argument defaults to matching everything.
    public init(vault: String? = nil, principal: String? = nil, operation: String? = nil, result: String? = nil,
                workload: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.vault = vault
        self.workload = workload
        self.principal = principal
        self.operation = operation
        self.result = result
        self.since = since
        self.until = until
    }

    /// Whether `workload` is one of the identified workload's names.
    static func names(_ identified: Workload?, _ workload: String) -> Bool {
        guard let identified else { return false }
        let names = [identified.systemdUnit, identified.containerID, identified.podUID, identified.podNamespace,
                     identified.podServiceAccount, identified.executable].compactMap { $0 }
        return names.contains(workload) || names.contains(workload.lowercased())
    }

    /// Whether the filter needs the line decoded (anything but the empty filter).
    var isEmpty: Bool { self == AuditFilter() }

    /// Whether `record` passes every condition. `sinceText`/`untilText` are the bounds as audit timestamps.
    func matches(_ record: AuditRecord, sinceText: String?, untilText: String?) -> Bool {
        if let vault, record.vault.map(Names.key) != Names.key(vault) { return false }
        if let principal, record.principal.map(Names.key) != Names.key(principal) { return false }
        if let operation, record.operationName.lowercased() != operation.lowercased() { return false }
        if let result, record.resultType.lowercased() != result.lowercased() { return false }
        if let workload, !AuditFilter.names(record.caller.workload, workload) { return false }
        if let sinceText, record.time < sinceText { return false }
        if let untilText, record.time > untilText { return false }
        return true
    }
}
