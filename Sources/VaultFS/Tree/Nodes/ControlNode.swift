import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/{secrets,keys,certificates}/.ops`: the collection's control file (create, import, backup,
/// restore; see the handlers under `Control/`).
struct ControlNode: TreeNode {
    let vault: String
    let kind: ObjectKind

    var path: String { vault + "/" + kind.collection + "/" + PathSyntax.control }
    var isDirectory: Bool { false }

    /// The handler of this file's requests.
    var handler: any ControlHandler {
        switch kind {
        case .secret: SecretsControl(vault: vault)
        case .key: KeysControl(vault: vault)
        case .certificate: CertificatesControl(vault: vault)
        }
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        file(ModeBits.controlFile(try tree.collectionCapabilities(vault, kind, caller: caller)), for: caller,
             modified: tree.started)
    }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        _ = try attributes(for: caller, in: tree)
        try tree.requireInFilter(vault)
        return OpenHandle(node: self, purpose: .control(handler), caller: caller.pinned(), writable: flags & O_ACCMODE != O_RDONLY)
    }
}
