import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<mount>/.audit` and `<mount>/.access`: the management-plane control files, through which a caller who is
/// not the store's owner — and so cannot open the store's files — reads and verifies the audit log (a Key
/// Vault Audit Reader) or changes role assignments (a Key Vault Data Access Administrator). They speak the
/// control-file protocol (`ControlProtocol`); every request is decided and audited by the engine. They are
/// reached by name and not listed in the mount's root, which lists vaults only.
struct ManagementControlNode: TreeNode {
    enum File: String, Sendable, CaseIterable {
        case audit = ".audit"
        case access = ".access"
    }

    let which: File

    var path: String { which.rawValue }
    var isDirectory: Bool { false }

    var handler: any ControlHandler {
        switch which {
        case .audit: AuditControl()
        case .access: AccessControl()
        }
    }

    /// `rw-` for a caller who may use the file (the engine says who), nothing for the others.
    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        file(try mayUse(caller, in: tree) ? 0o600 : 0, for: caller, modified: tree.started)
    }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        guard try mayUse(caller, in: tree) else { throw FileSystemError.accessDenied }
        return OpenHandle(node: self, purpose: .control(handler), caller: caller.pinned(), writable: flags & O_ACCMODE != O_RDONLY)
    }

    private func mayUse(_ caller: Caller, in tree: TreeContext) throws -> Bool {
        switch which {
        case .audit: try tree.engine.audit.mayRead(as: caller)
        case .access: try tree.engine.access.mayManageAssignments(as: caller)
        }
    }
}
