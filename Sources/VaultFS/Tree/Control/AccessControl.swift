import Foundation
import VaultEngine

/// `<mount>/.access`: role assignments, for the store's owner and for a Key Vault Data Access Administrator,
/// who may change the assignments of the roles it may delegate at its scope and below (decided by the engine).
///
/// - `{"op":"create","assignee":P,"role":R,"scope":S}` answers with the new assignment.
/// - `{"op":"delete","id":ID}` answers with `{"deleted":ID}`.
/// - `{"op":"list"}` with an optional `assignee` and `scope` answers with the assignments the caller may see.
///
/// An assignment is answered as `{"id","principalName","roleDefinitionName","roleDefinitionId","scope","createdOn"}`.
/// A caller without the right fails the write with `EACCES`, a role it may not delegate with `EPERM`; other
/// failures (no such principal, already assigned) are in the response.
struct AccessControl: ControlHandler {
    struct Deleted: Encodable {
        var deleted: String
    }

    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        guard request.firstNonSpace == UInt8(ascii: "{"), let parsed = request.decode(ManagementControlWire.AccessRequest.self) else { throw FileSystemError.invalidArgument }
        let access = tree.engine.access
        switch parsed.op {
        case "create":
            guard let assignee = parsed.assignee, let role = parsed.role, let scope = parsed.scope else { throw FileSystemError.invalidArgument }
            return try ControlResponse.reporting {
                guard let builtIn = BuiltInRole.named(role) else {
                    throw VaultError(.invalidArgument, "Unknown role '\(String(role.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.prefix(80)))'; `kvfs role list` shows the roles.")
                }
                return try .answer(ManagementControlWire.Assignment(try access.assign(principal: assignee, role: builtIn, scope: try Scope(parsing: scope), as: caller)))
            }
        case "delete":
            guard let id = parsed.id else { throw FileSystemError.invalidArgument }
            return try ControlResponse.reporting {
                try access.removeAssignment(id: id, as: caller)
                return try .answer(Deleted(deleted: id.lowercased()))
            }
        case "list":
            return try ControlResponse.reporting {
                let scope = try parsed.scope.map(Scope.init(parsing:))
                return try .answer(try access.assignments(principal: parsed.assignee, scope: scope, as: caller).map(ManagementControlWire.Assignment.init))
            }
        default:
            throw FileSystemError.invalidArgument
        }
    }
}
