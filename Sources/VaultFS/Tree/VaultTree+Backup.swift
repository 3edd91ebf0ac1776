import Foundation
import VaultEngine

/// Backup and restore through control files, with the keys/.ops protocol rules (one request per write, the
/// answer read back on the same open file; malformed JSON is `EINVAL`, a missing right `EACCES`, every other
/// failure an `{"error":…}` answer):
///
/// ```
/// secrets/.ops        {"op":"backup","name":N}      → {"value":"<blob>"}
///                     {"op":"restore","value":B}    → the restored secret's properties
/// keys/.ops           {"op":"backup","name":N}      → {"value":"<blob>"}
///                     {"op":"restore","value":B}    → the restored key's KeyBundle
/// keys/<name>/ops     {"op":"backup"}               → {"value":"<blob>"}
/// certificates/.ops   the same two, for certificates with their managed key and secret
/// ```
extension VaultTree {
    /// A backup or restore request; any other `op` is not one, and goes to the file's usual handler.
    struct BackupRequest: Decodable {
        enum Operation: String, Decodable { case backup, restore }
        var op: Operation
        var name: String?
        var value: String?
    }

    /// The actions that make a collection's `.ops` file writable for a caller.
    static func controlActions(_ kind: ObjectKind) -> [DataAction] {
        switch kind {
        case .secret: [DataAction.Secrets.backup, DataAction.Secrets.restore]
        case .key: [DataAction.Keys.create, DataAction.Keys.import, DataAction.Keys.rotate, DataAction.Keys.backup, DataAction.Keys.restore]
        case .certificate: [DataAction.Certificates.create, DataAction.Certificates.import, DataAction.Certificates.backup,
                            DataAction.Certificates.restore]
        }
    }

    /// Answers `request` when it is a backup or restore written to `node`; `nil` when it is some other request.
    /// - Throws: `EINVAL` for a backup/restore request that lacks its fields.
    func backupControl(_ request: [UInt8], node: Node, caller: Caller) throws -> ([UInt8], Bool)? {
        guard VaultTree.firstNonSpace(request) == UInt8(ascii: "{"),
              let parsed = try? JSONDecoder().decode(BackupRequest.self, from: Data(request)) else {
            // secrets/.ops takes nothing else; other control files have their own requests.
            if case .control(_, .secret) = node { throw FileSystemError.invalidArgument }
            return nil
        }
        let vault: String, kind: ObjectKind, name: String?
        switch node {
        case .control(let v, let k):
            (vault, kind) = (v, k)
            name = parsed.name
        case .keyFile(let v, let n, nil, .ops):
            guard parsed.op == .backup, parsed.name == nil || parsed.name.map(Names.key) == n else { throw FileSystemError.invalidArgument }
            (vault, kind, name) = (v, .key, n)
        default:
            return nil
        }
        do {
            switch parsed.op {
            case .backup:
                guard let name, parsed.value == nil else { throw FileSystemError.invalidArgument }
                return (try VaultTree.json(try engine.backups.backup(kind, vault: vault, name: name, as: caller)), false)
            case .restore:
                guard let text = parsed.value, parsed.name == nil else { throw FileSystemError.invalidArgument }
                let blob = try BackupBlob(value: text)
                if kind == .key {
                    return (try VaultTree.json(try engine.backups.restoreKey(vault: vault, blob: blob, as: caller)), false)
                }
                return (try VaultTree.json(RestoredObjectView(try engine.backups.restore(kind, vault: vault, blob: blob, as: caller),
                                                              vault: vault, kind: kind)), false)
            }
        } catch let error as VaultError {
            return (try VaultTree.json(KeyOperationResponse.failure(error)), error.code == .accessDenied)
        }
    }

    /// Azure's SecretBundle (or CertificateBundle) without its value: id, attributes (Unix seconds), content type, tags.
    struct RestoredObjectView: Encodable {
        var id: String
        var attributes: AttributesJSON
        var contentType: String?
        var tags: [String: String]
        var managed: Bool?

        init(_ p: VersionProperties, vault: String, kind: ObjectKind) {
            id = p.id.description
            attributes = AttributesJSON(p)
            contentType = p.contentType
            tags = p.tags
            managed = p.managed ? true : nil
        }
    }
}
