import VaultEngine

/// `rm` soft-deletes, `rm` in `.deleted/` purges, `mv` out of `.deleted/` recovers; nothing else renames.
/// Each node decides what removing it means.
extension VaultTree {
    public func unlink(parent: UInt64, name: String, context: OperationContext) throws {
        try inodes.node(parent).child(name).unlink(as: callers.caller(context), in: tree)
    }

    public func rmdir(parent: UInt64, name: String, context: OperationContext) throws {
        try inodes.node(parent).child(name).rmdir(as: callers.caller(context), in: tree)
    }

    /// Only `mv .deleted/<type>/<name> <type>/<name>` (the same name, any case) is a rename kvfs knows: it
    /// recovers the object. Another target name is `EINVAL`; every other rename is `EPERM`.
    public func rename(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: RenameFlags,
                       context: OperationContext) throws {
        guard !flags.contains(.exchange) else { throw FileSystemError.invalidArgument }
        guard let deleted = try inodes.node(parent).child(name) as? DeletedObjectNode else { throw FileSystemError.notPermitted }
        try deleted.recover(into: inodes.node(newParent), as: newName, caller: callers.caller(context), in: tree)
    }
}
