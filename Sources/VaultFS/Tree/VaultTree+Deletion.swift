import VaultEngine

/// `rm` soft-deletes, `rm` in `.deleted/` purges, `mv` out of `.deleted/` recovers; nothing else renames.
/// Each node decides what removing it means.
extension VaultTree {
    public func unlink(parent: UInt64, name: String, context: OperationContext) throws {
        let caller = callers.caller(context)
        try child(of: inodes.node(parent), name, caller: caller).unlink(as: caller, in: tree)
    }

    public func rmdir(parent: UInt64, name: String, context: OperationContext) throws {
        try inodes.node(parent).child(name).rmdir(as: callers.caller(context), in: tree)
    }

    /// Two renames are known: a temporary file renamed in its `secrets/` folder (the commit of an atomic
    /// replace, see `TemporaryNode.rename`), and `mv .deleted/<type>/<name> <type>/<name>` (the same name,
    /// any case), which recovers the object. Another target name is `EINVAL`; every other rename is `EPERM`.
    public func rename(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: RenameFlags,
                       context: OperationContext) throws {
        guard !flags.contains(.exchange) else { throw FileSystemError.invalidArgument }
        let caller = callers.caller(context)
        if let temporary = try child(of: inodes.node(parent), name, caller: caller) as? TemporaryNode {
            try temporary.rename(into: inodes.node(newParent), as: newName, flags: flags, caller: caller, in: tree)
            return
        }
        guard let deleted = try inodes.node(parent).child(name) as? DeletedObjectNode else { throw FileSystemError.notPermitted }
        try deleted.recover(into: inodes.node(newParent), as: newName, caller: callers.caller(context), in: tree)
    }
}
