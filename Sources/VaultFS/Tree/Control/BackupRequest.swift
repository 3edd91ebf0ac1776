import Foundation
import VaultEngine

/// Backup and restore, which `secrets/.ops`, `keys/.ops`, `certificates/.ops` and `keys/<name>/ops` share:
///
/// ```
/// secrets/.ops        {"op":"backup","name":N}      → {"value":"<blob>"}
///                     {"op":"restore","value":B}    → the restored secret's properties
/// keys/.ops           {"op":"backup","name":N}      → {"value":"<blob>"}
///                     {"op":"restore","value":B}    → the restored key's KeyBundle
/// keys/<name>/ops     {"op":"backup"}               → {"value":"<blob>"}
/// certificates/.ops   the same two, for certificates with their managed key and secret
/// ```
struct BackupRequest: Decodable {
    enum Operation: String, Decodable { case backup, restore }
    var op: Operation
    var name: String?
    var value: String?

    /// `request` as a backup or restore request; `nil` when it is some other request.
    static func parse(_ request: ControlRequest) -> BackupRequest? {
        guard request.firstNonSpace == UInt8(ascii: "{") else { return nil }
        return request.decode(BackupRequest.self)
    }

    /// Backs up object `name` (the request's own for a collection's `.ops`) or restores the request's blob
    /// into `vault`.
    /// - Throws: `EINVAL` when the request lacks its fields or has one too many.
    func answer(kind: ObjectKind, vault: String, name: String?, caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        try ControlResponse.reporting {
            switch op {
            case .backup:
                guard let name, value == nil else { throw FileSystemError.invalidArgument }
                return try .answer(try tree.engine.backups.backup(kind, vault: vault, name: name, as: caller))
            case .restore:
                guard let value, self.name == nil else { throw FileSystemError.invalidArgument }
                let blob = try BackupBlob(value: value)
                if kind == .key {
                    return try .answer(try tree.engine.backups.restoreKey(vault: vault, blob: blob, as: caller))
                }
                return try .answer(RestoredObjectView(try tree.engine.backups.restore(kind, vault: vault, blob: blob, as: caller),
                                                      vault: vault, kind: kind))
            }
        }
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
