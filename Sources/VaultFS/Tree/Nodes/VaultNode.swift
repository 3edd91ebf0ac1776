import VaultEngine

/// `<vault>/`: its three collections and `.deleted/`, for a caller who may see the vault.
struct VaultNode: TreeNode {
    /// The vault's name, case-folded.
    let vault: String

    var path: String { vault }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        if name == PathSyntax.deleted { return DeletedRootNode(vault: vault) }
        guard let kind = PathSyntax.collection(name) else { throw .noSuchEntry }
        return CollectionNode(vault: vault, kind: kind)
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        try tree.requireVisible(vault, caller: caller)
        return directory(ModeBits.browsable, for: caller, modified: tree.started)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.requireVisible(vault, caller: caller)
        return ObjectKind.allCases.map { Listed(name: $0.collection, node: CollectionNode(vault: vault, kind: $0)) }
            + [Listed(name: PathSyntax.deleted, node: DeletedRootNode(vault: vault))]
    }
}
