import Foundation
import VaultEngine

/// `<mount>/.audit`: the audit log for the caller the engine lets read it.
///
/// - `{"op":"list"}` with any of `vault`, `principal`, `operation`, `result` (`Success`/`Failure`), `workload`, `since` and
///   `until` (ISO 8601 times) answers with the matching lines the caller may read, as JSON lines (the stored
///   lines, one per line, oldest first).
/// - `{"op":"verify"}` answers with `{"intact":…,"lines":…,"firstLine":…,"problem":…,"pruned":{…},"vaults":[…]}`.
///
/// A caller who may not read the log fails the write with `EACCES` (the response says why).
struct AuditControl: ControlHandler {
    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        guard request.firstNonSpace == UInt8(ascii: "{"), let parsed = request.decode(ManagementControlWire.AuditRequest.self) else { throw FileSystemError.invalidArgument }
        switch parsed.op {
        case "list":
            return try ControlResponse.reporting {
                let filter = AuditFilter(vault: parsed.vault, principal: parsed.principal, operation: parsed.operation, result: parsed.result,
                                         workload: parsed.workload, since: try Self.date(parsed.since, "since"), until: try Self.date(parsed.until, "until"))
                let lines = try tree.engine.audit.records(matching: filter, as: caller)
                return ControlResponse(bytes: Array(lines.map { $0 + "\n" }.joined().utf8))
            }
        case "verify":
            return try ControlResponse.reporting {
                let result = try tree.engine.audit.verify(as: caller)
                return try .answer(ManagementControlWire.AuditVerification(result))
            }
        default:
            throw FileSystemError.invalidArgument
        }
    }

    /// An ISO 8601 time with a zone (`DateRules`, as the CLI's).
    static func date(_ text: String?, _ field: String) throws -> Date? {
        try text.map { try DateRules.parse($0, field: field) }
    }
}
