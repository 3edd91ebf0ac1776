import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/secrets/<temporary name>` as its creator sees it: one of the caller's `TemporaryFiles`. The node
/// names the file by key and finds it in the table on each request, so a node the kernel still holds never
/// reaches a file that was renamed, removed or abandoned (it is `ENOENT` then).
struct TemporaryNode: TreeNode {
    let key: TemporaryFiles.Key

    var path: String { key.vault + "/" + ObjectKind.secret.collection + "/.temporary/\(key.uid)/" + key.name }
    var isDirectory: Bool { false }

    /// The file, for its creator only. - Throws: `ENOENT` for anyone else, or once it is gone.
    func file(for caller: Caller, in tree: TreeContext) throws(FileSystemError) -> TemporaryFile {
        guard caller.uid == key.uid, let file = tree.temporaries.find(vault: key.vault, uid: key.uid, name: key.name) else {
            throw .noSuchEntry
        }
        return file
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let file = try file(for: caller, in: tree)
        return self.file(ModeBits.newFile, for: caller, size: UInt64(file.size), modified: file.created)
    }

    /// Creates the caller's temporary file `name` in `vault` and opens it. The engine decides whether the
    /// caller may stage a value there (it may write some secret of the vault).
    static func create(vault: String, name: String, flags: Int32, caller: Caller, in tree: TreeContext) throws -> Created {
        try tree.requireInFilter(vault)
        guard name.utf8.count <= TemporaryNode.maxNameBytes else { throw FileSystemError(ENAMETOOLONG) }
        try tree.engine.secrets.prepareTemporaryFile(vault: vault, as: caller)
        let file = try tree.temporaries.create(vault: vault, uid: caller.uid, name: name, creator: caller.pid)
        let node = TemporaryNode(key: file.key)
        let handle = node.handle(file, flags: flags, caller: caller)
        return Created(node: node, handle: handle, attributes: try node.attributes(for: caller, in: tree))
    }

    /// The longest name a temporary file may have (NAME_MAX).
    static let maxNameBytes = 255

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        let file = try file(for: caller, in: tree)
        if flags & O_TRUNC != 0, flags & O_ACCMODE != O_RDONLY {
            file.state.withLock { $0.buffer.resize(to: 0) }
        }
        return handle(file, flags: flags, caller: caller)
    }

    private func handle(_ file: TemporaryFile, flags: Int32, caller: Caller) -> OpenHandle {
        file.opened()
        return OpenHandle(node: self, purpose: .temporary(file), caller: caller, writable: flags & O_ACCMODE != O_RDONLY,
                          append: flags & O_APPEND != 0)
    }

    /// `rm` of a temporary file wipes it; nothing reaches the vault or the audit log.
    func unlink(as caller: Caller, in tree: TreeContext) throws {
        tree.temporaries.discard(try file(for: caller, in: tree))
    }

    func truncate(to size: UInt64, caller: Caller, in tree: TreeContext) throws {
        guard size <= UInt64(ObjectLimits.maxSecretValueBytes) else { throw FileSystemError.fileTooLarge }
        try file(for: caller, in: tree).state.withLock { $0.buffer.resize(to: Int(size)) }
    }

    /// The commit of an atomic replace: `rename(temporary, target)` in the same `secrets/` folder. Onto a secret
    /// name it stores the whole value as one new version of the target (the engine decides, as for any write:
    /// `prepareWrite`, then one `set`; content type and tags carry over from the target's current version),
    /// then wipes the temporary file. Onto another name that cannot be a secret it stays a temporary file under
    /// that name. Another folder is `EXDEV` (tools then copy).
    func rename(into parent: any TreeNode, as newName: String, flags: RenameFlags, caller: Caller, in tree: TreeContext) throws {
        let file = try file(for: caller, in: tree)
        guard let folder = parent as? CollectionNode, folder.kind == .secret, Names.key(folder.vault) == key.vault else {
            throw FileSystemError(EXDEV)
        }
        if newName == key.name { return }
        let targetIsTemporary = tree.temporaries.find(vault: key.vault, uid: caller.uid, name: newName) != nil
        if targetIsTemporary || !Names.isValidObject(newName) {
            guard newName.utf8.count <= TemporaryNode.maxNameBytes else { throw FileSystemError(ENAMETOOLONG) }
            guard !(targetIsTemporary && flags.contains(.noReplace)) else { throw FileSystemError.exists }
            guard newName != PathSyntax.versions, newName != PathSyntax.control else { throw FileSystemError.notPermitted }
            _ = tree.temporaries.move(file, to: newName)
            return
        }
        let write = try tree.engine.secrets.prepareWrite(vault: folder.vault, name: newName, as: caller)
        if flags.contains(.noReplace), write.current != nil { throw FileSystemError.exists }
        let pending = try file.state.withLock { state throws(FileSystemError) -> [UInt8] in
            if state.refused { throw .fileTooLarge }
            return state.buffer.copy()
        }
        var value = pending
        defer { value.wipe() }
        var carried = write.carried
        carried.enabled = true
        try tree.engine.secrets.set(vault: folder.vault, name: write.current?.name ?? newName, value: value,
                                    attributes: carried, as: caller)
        tree.temporaries.discard(file)
    }
}
