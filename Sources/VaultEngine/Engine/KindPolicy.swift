/// The data actions and operation names that govern one object family. Soft delete, recovery and purge work
/// the same for every family; only these names differ.
struct KindPolicy: Sendable {
    let kind: ObjectKind
    /// Reading metadata and listing (`secrets/readMetadata/action`, `keys/read`, `certificates/read`).
    let readMetadata: DataAction
    let update: DataAction
    let delete: DataAction
    let recover: DataAction
    let purge: DataAction
    /// Every data action of this family (for rights shown as mode bits).
    var actions: [DataAction] {
        switch kind {
        case .secret: DataAction.Secrets.all
        case .key: DataAction.Keys.all
        case .certificate: DataAction.Certificates.all
        }
    }
    /// Azure's operationName prefix: `Secret`, `Key`, `Certificate`.
    var operationPrefix: String { kind.displayName }

    static func of(_ kind: ObjectKind) -> KindPolicy {
        switch kind {
        case .secret:
            KindPolicy(kind: kind, readMetadata: DataAction.Secrets.readMetadata, update: DataAction.Secrets.update,
                       delete: DataAction.Secrets.delete, recover: DataAction.Secrets.recover, purge: DataAction.Secrets.purge)
        case .key:
            KindPolicy(kind: kind, readMetadata: DataAction.Keys.read, update: DataAction.Keys.update,
                       delete: DataAction.Keys.delete, recover: DataAction.Keys.recover, purge: DataAction.Keys.purge)
        case .certificate:
            KindPolicy(kind: kind, readMetadata: DataAction.Certificates.read, update: DataAction.Certificates.update,
                       delete: DataAction.Certificates.delete, recover: DataAction.Certificates.recover,
                       purge: DataAction.Certificates.purge)
        }
    }
}
