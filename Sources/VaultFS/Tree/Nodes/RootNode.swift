import VaultEngine

/// `<mount>/`: one directory per vault the caller may see, and the management control files `.audit` and
/// `.access` (`ManagementControlNode`), reached by name.
struct RootNode: TreeNode {
    var path: String { "" }
    var isDirectory: Bool { true }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        if let file = ManagementControlNode.File(rawValue: name) { return ManagementControlNode(which: file) }
        guard (try? Names.validateVault(name)) != nil else { throw .invalidArgument }
        return VaultNode(vault: Names.key(name))
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        directory(ModeBits.browsable, for: caller, modified: tree.started)
    }

    /// The vaults where the caller holds a role (all of them for the store's Owner).
    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try tree.engine.vaults.list(as: caller).compactMap { vault in
            guard tree.vaultFilter?.contains(Names.key(vault.name)) ?? true else { return nil }
            return Listed(name: vault.name, node: VaultNode(vault: Names.key(vault.name)))
        }
    }
}
