import Foundation
import VaultEngine

/// `<vault>/<collection>/.versions/`: one directory per object.
struct VersionsNode: TreeNode {
    let vault: String
    let kind: ObjectKind

    var path: String { vault + "/" + kind.collection + "/" + PathSyntax.versions }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        VersionListNode(ObjectAddress(kind: kind, vault: vault, name: try PathSyntax.objectName(name, kind)))
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        directory(ModeBits.versions(try tree.collectionCapabilities(vault, kind, caller: caller)), for: caller,
                  modified: tree.started)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.requireInFilter(vault)
        return try tree.engine.objects(kind).list(vault: vault, as: caller).map {
            Listed(name: $0.name, node: VersionListNode(ObjectAddress(kind: kind, vault: vault, name: Names.key($0.name))))
        }
    }
}

/// `<vault>/<collection>/.versions/<name>/`: every version of one object, named by version id.
struct VersionListNode: TreeNode {
    /// The object (its `version` is nil).
    let object: ObjectAddress

    init(_ object: ObjectAddress) { self.object = object }

    var path: String { object.vault + "/" + object.kind.collection + "/" + PathSyntax.versions + "/" + object.name }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        guard PathSyntax.isVersion(name) else { throw .noSuchEntry }
        var version = object
        version.version = name.lowercased()
        return CollectionNode.object(version)
    }

    /// Shown for a caller with a right on the object; its time is the current version's update.
    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let inspection = try tree.inspect(object, caller: caller)
        return directory(ModeBits.objectDirectory(inspection.capabilities), for: caller,
                         modified: inspection.properties?.updated ?? tree.started)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.requireInFilter(object.vault)
        return try tree.engine.objects(object.kind).versions(vault: object.vault, name: object.name, as: caller).map {
            var version = object
            version.version = $0.version
            return Listed(name: $0.version, node: CollectionNode.object(version))
        }
    }

    /// Versions go with their object: `rm -r` on this directory removes nothing.
    func unlink(as caller: Caller, in tree: TreeContext) throws { throw FileSystemError.isDirectory }
}
