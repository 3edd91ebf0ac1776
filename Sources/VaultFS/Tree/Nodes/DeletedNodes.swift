import Foundation
import VaultEngine

/// `<vault>/.deleted/`: one directory per collection of soft-deleted objects.
struct DeletedRootNode: TreeNode {
    let vault: String

    var path: String { vault + "/" + PathSyntax.deleted }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        guard let kind = PathSyntax.collection(name) else { throw .noSuchEntry }
        return DeletedCollectionNode(vault: vault, kind: kind)
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        try tree.requireVisible(vault, caller: caller)
        return directory(ModeBits.browsable, for: caller, modified: tree.started)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.requireVisible(vault, caller: caller)
        return ObjectKind.allCases.map { Listed(name: $0.collection, node: DeletedCollectionNode(vault: vault, kind: $0)) }
    }
}

/// `<vault>/.deleted/{secrets,keys,certificates}/`: the soft-deleted objects of one kind.
struct DeletedCollectionNode: TreeNode {
    let vault: String
    let kind: ObjectKind

    var path: String { vault + "/" + PathSyntax.deleted + "/" + kind.collection }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        DeletedObjectNode(vault: vault, kind: kind, name: try PathSyntax.objectName(name, kind))
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        directory(ModeBits.deletedCollection(try tree.collectionCapabilities(vault, kind, caller: caller)), for: caller,
                  modified: tree.started)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.requireInFilter(vault)
        return try tree.engine.objects(kind).listDeleted(vault: vault, as: caller).map {
            Listed(name: $0.properties.name, node: DeletedObjectNode(vault: vault, kind: kind, name: Names.key($0.properties.name)))
        }
    }
}

/// `<vault>/.deleted/<collection>/<name>`: a soft-deleted object (a file for a secret, an empty directory for
/// a key or certificate) with its metadata; its content cannot be read. `rm`/`rmdir` purges it, `mv` back
/// to its collection under the same name recovers it.
struct DeletedObjectNode: TreeNode {
    let vault: String
    let kind: ObjectKind
    let name: String

    var path: String { vault + "/" + PathSyntax.deleted + "/" + kind.collection + "/" + name }
    var isDirectory: Bool { kind != .secret }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode { throw .notDirectory }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let inspection = try tree.engine.access.inspectDeleted(kind, vault: vault, name: name, as: caller)
        guard let deleted = inspection.deleted else { throw FileSystemError.noSuchEntry }
        return isDirectory
            ? directory(ModeBits.deletedObject, for: caller, modified: deleted.deletedDate)
            : file(ModeBits.deletedObject, for: caller, modified: deleted.deletedDate)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] { [] }

    /// A soft-deleted object can only be listed, recovered or purged.
    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        _ = try attributes(for: caller, in: tree)
        throw FileSystemError.accessDenied
    }

    func metadata(for caller: Caller, in tree: TreeContext) throws -> [String: String] {
        try tree.requireInFilter(vault)
        let deleted = try tree.engine.objects(kind).deleted(vault: vault, name: name, as: caller)
        var values = Rendering.values(deleted.properties,
                                      id: deleted.properties.id.description)
        values["deleted_date"] = Rendering.format(deleted.deletedDate)
        values["scheduled_purge_date"] = Rendering.format(deleted.scheduledPurgeDate)
        values["recovery_id"] = deleted.recoveryID
        return values
    }

    func updatableObject() throws(FileSystemError) -> ObjectAddress { throw .notPermitted }

    func unlink(as caller: Caller, in tree: TreeContext) throws {
        guard kind == .secret else { throw FileSystemError.isDirectory }
        try purge(as: caller, in: tree)
    }

    func rmdir(as caller: Caller, in tree: TreeContext) throws {
        guard kind != .secret else { throw FileSystemError.notDirectory }
        try purge(as: caller, in: tree)
    }

    private func purge(as caller: Caller, in tree: TreeContext) throws {
        try tree.requireInFilter(vault)
        try tree.engine.objects(kind).purge(vault: vault, name: name, as: caller)
    }

    /// `mv .deleted/<collection>/<name> <collection>/<name>`: the same name in any case; another name is
    /// `EINVAL`, another place `EPERM`.
    func recover(into target: any TreeNode, as newName: String, caller: Caller, in tree: TreeContext) throws {
        guard let collection = target as? CollectionNode, collection.vault == vault, collection.kind == kind else {
            throw FileSystemError.notPermitted
        }
        guard Names.key(newName) == name else { throw FileSystemError.invalidArgument }
        try tree.requireInFilter(vault)
        _ = try tree.engine.objects(kind).recover(vault: vault, name: name, as: caller)
    }
}
