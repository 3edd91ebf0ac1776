import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/secrets/<name>` (the current version, readable and writable) and
/// `<vault>/secrets/.versions/<name>/<version>` (one version, read-only).
struct SecretNode: TreeNode {
    let object: ObjectAddress

    init(_ object: ObjectAddress) { self.object = object }

    var path: String { object.path }
    var isDirectory: Bool { false }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let (can, properties) = try tree.existing(object, caller: caller)
        let size = ModeBits.showsSecretSize(can) ? UInt64(properties.valueLength) : 0
        return file(ModeBits.secret(can), for: caller, size: size,
                    modified: properties.created, changed: properties.updated)
    }

    /// Reading takes the whole value now. Writing (current version only) needs setSecret and starts from the
    /// current value unless truncated; content type and tags carry over to the version the writes make.
    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        try tree.requireInFilter(object.vault)
        let accessMode = flags & O_ACCMODE
        guard accessMode == O_WRONLY || accessMode == O_RDWR else {
            let secret = try tree.engine.secrets.get(vault: object.vault, name: object.name, version: object.version, as: caller)
            return OpenHandle(node: self, purpose: .secretValue, caller: caller, writable: false,
                              content: ValueBuffer(copying: secret.value))
        }
        guard object.version == nil else { throw FileSystemError.accessDenied }
        let write = try tree.engine.secrets.prepareWrite(vault: object.vault, name: object.name, as: caller)
        guard let properties = write.current else { throw FileSystemError.noSuchEntry }
        let truncate = flags & O_TRUNC != 0
        var content = ValueBuffer(capacity: ObjectLimits.maxSecretValueBytes)
        if !truncate {
            let secret = try tree.engine.secrets.get(vault: object.vault, name: object.name, as: caller)
            content = ValueBuffer(copying: secret.value, capacity: ObjectLimits.maxSecretValueBytes)
        }
        return OpenHandle(node: self, purpose: .secretValue, caller: caller, writable: true, append: flags & O_APPEND != 0,
                          content: content, dirty: truncate && properties.valueLength > 0, carried: write.carried)
    }

    /// `O_CREAT` of a name the kernel found missing: the engine decides in one call (a new name needs
    /// setSecret at vault scope and must not belong to a soft-deleted secret). Nothing is stored until the file
    /// is flushed. `name` is the name as the caller wrote it.
    func create(named name: String, flags: Int32, caller: Caller, in tree: TreeContext) throws -> Created {
        try tree.requireInFilter(object.vault)
        if tree.removals.take(vault: object.vault, name: name, pid: caller.pid),
           (try? tree.engine.objects(.secret).recover(vault: object.vault, name: object.name, as: caller)) != nil {
            // `install`: this process removed the secret a moment ago and now writes it again; the secret is
            // back with all its versions, and this file writes its next one.
            let handle = try open(flags: flags | O_TRUNC, caller: caller, in: tree)
            return Created(node: self, handle: handle, attributes: try attributes(for: caller, in: tree))
        }
        let write = try tree.engine.secrets.prepareWrite(vault: object.vault, name: name, as: caller)
        if write.current != nil {
            // Another process stored the name since the kernel's lookup.
            if flags & O_EXCL != 0 { throw FileSystemError.exists }
            let handle = try open(flags: flags, caller: caller, in: tree)
            return Created(node: self, handle: handle, attributes: try attributes(for: caller, in: tree))
        }
        let handle = OpenHandle(node: self, purpose: .secretValue, caller: caller, writable: true,
                                append: flags & O_APPEND != 0, newName: name, content: ValueBuffer(capacity: ObjectLimits.maxSecretValueBytes),
                                dirty: true)
        return Created(node: self, handle: handle, attributes: newFileAttributes(for: caller))
    }

    /// What a file the caller created and has not stored yet shows: the caller's, 0600, now.
    func newFileAttributes(for caller: Caller) -> FileAttributes {
        file(ModeBits.newFile, for: caller, modified: Date())
    }

    /// `truncate` by path: one new version with the value cut or zero-extended, none when the size is the same.
    func truncate(to size: UInt64, caller: Caller, in tree: TreeContext) throws {
        guard object.version == nil else { throw FileSystemError.notPermitted }
        let (_, properties) = try tree.existing(object, caller: caller)
        guard properties.valueLength != Int(size) else { return }
        var value = ValueBuffer(capacity: Int(size))
        if size > 0 {
            let secret = try tree.engine.secrets.get(vault: object.vault, name: object.name, as: caller)
            value = ValueBuffer(copying: secret.value, capacity: Int(size))
        }
        value.resize(to: Int(size))
        var bytes = value.copy()
        defer { bytes.wipe() }
        try tree.engine.secrets.set(vault: object.vault, name: object.name, value: bytes,
                                  attributes: NewVersionAttributes(contentType: properties.contentType, tags: properties.tags),
                                  as: caller)
    }

    /// Stores `handle`'s value as one new version when it changed: on flush only after a `write`, on release
    /// also after a truncation alone (`: > file`, `touch new-name`). An oversized write poisons the handle:
    /// nothing is stored and the flush reports `EFBIG`.
    func store(_ handle: OpenHandle, onlyIfWritten: Bool, in tree: TreeContext) throws {
        guard handle.writable, object.version == nil else { return }
        let pending = try handle.state.withLock { state throws(FileSystemError) -> (value: [UInt8], carried: NewVersionAttributes)? in
            if state.killed { return nil }
            if state.refused {
                state.dirty = false
                state.written = false
                throw .fileTooLarge
            }
            guard state.dirty, state.written || !onlyIfWritten else { return nil }
            return (state.buffer.copy(), state.carried)
        }
        guard var (value, carried) = pending else { return }
        defer { value.wipe() }
        carried.enabled = true
        try tree.engine.secrets.set(vault: object.vault, name: handle.newName ?? object.name, value: value, attributes: carried,
                                    as: handle.caller)
        handle.state.withLock { state in
            state.dirty = false
            state.written = false
        }
    }

    func metadata(for caller: Caller, in tree: TreeContext) throws -> [String: String] {
        try tree.requireInFilter(object.vault)
        let properties = try tree.engine.objects(.secret).properties(vault: object.vault, name: object.name,
                                                          version: object.version, as: caller)
        return Rendering.values(properties, id: properties.id.description)
    }

    func updatableObject() throws(FileSystemError) -> ObjectAddress { object }

    /// `rm secrets/x` soft-deletes the secret with all its versions; one version cannot be deleted (Azure's rule).
    func unlink(as caller: Caller, in tree: TreeContext) throws {
        guard object.version == nil else { throw FileSystemError.notPermitted }
        try tree.requireInFilter(object.vault)
        _ = try tree.engine.objects(.secret).delete(vault: object.vault, name: object.name, as: caller)
        tree.removals.record(vault: object.vault, name: object.name, pid: caller.pid)
    }
}
