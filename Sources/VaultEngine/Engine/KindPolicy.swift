/// The data actions and operation names that govern one object family. Soft delete, recovery and purge work
/// the same for every family; only these names differ.
struct KindPolicy: Sendable {
    let kind: ObjectKind
    var readMetadata: DataAction { kind.readMetadataAction }
    var update: DataAction { kind.updateAction }
    var delete: DataAction { kind.deleteAction }
    var recover: DataAction { kind.recoverAction }
    var purge: DataAction { kind.purgeAction }
    var actions: [DataAction] { kind.allActions }
    /// Azure's operationName prefix: `Secret`, `Key`, `Certificate`.
    var operationPrefix: String { kind.displayName }

    static func of(_ kind: ObjectKind) -> KindPolicy { KindPolicy(kind: kind) }
}
