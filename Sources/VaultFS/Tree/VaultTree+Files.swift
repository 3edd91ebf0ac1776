import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// Opening, reading and writing files: secret values, and (through the key extension) generated and
/// control files.
extension VaultTree {
    public func open(inode: UInt64, flags: Int32, context: OperationContext) throws -> OpenedFile {
        let caller = callers.caller(context)
        let node = try inodes.node(inode)
        let handle: OpenHandle
        switch node {
        case .secret(let v, let name, let version):
            handle = try openSecret(v, name, version, flags: flags, caller: caller, node: node)
        case .deletedObject:
            // A soft-deleted object can only be listed, recovered or purged.
            _ = try attributes(of: node, caller: caller)
            throw FileSystemError.accessDenied
        case .certificateFile:
            handle = try openCertificateFile(node, flags: flags, caller: caller)
        case .keyFile, .control:
            handle = try openKeyFile(node, flags: flags, caller: caller)
        default:
            throw FileSystemError.isDirectory
        }
        return OpenedFile(handle: handles.add(handle), nonSeekable: handle.purpose == .control)
    }

    private func openSecret(_ vault: String, _ name: String, _ version: String?, flags: Int32, caller: Caller,
                            node: Node) throws -> OpenHandle {
        try requireInFilter(vault)
        let accessMode = flags & O_ACCMODE
        let wantsWrite = accessMode == O_WRONLY || accessMode == O_RDWR
        let truncate = flags & O_TRUNC != 0
        if !wantsWrite {
            let secret = try engine.secrets.get(vault: vault, name: name, version: version, as: caller)
            return OpenHandle(node: node, purpose: .secretValue, caller: caller, writable: false, append: false,
                              content: secret.value.bytes, dirty: false)
        }
        guard version == nil else { throw FileSystemError.accessDenied }
        let inspection = try engine.access.inspect(.secret, vault: vault, name: name, as: caller)
        guard let props = inspection.properties else { throw FileSystemError.noSuchEntry }
        try engine.access.require(DataAction.Secrets.setSecret, on: Resource(vault: vault, kind: .secret, name: name),
                                operation: "SecretSet", as: caller)
        if props.managed { throw FileSystemError.notPermitted }
        let carried = NewVersionAttributes(contentType: props.contentType, tags: props.tags)
        var content: [UInt8] = []
        if !truncate {
            content = try engine.secrets.get(vault: vault, name: name, as: caller).value.bytes
        }
        return OpenHandle(node: node, purpose: .secretValue, caller: caller, writable: true, append: flags & O_APPEND != 0,
                          content: content, dirty: truncate && props.valueLength > 0, carried: carried)
    }

    public func create(parent: UInt64, name: String, mode: mode_t, flags: Int32, context: OperationContext) throws -> CreatedFile {
        let caller = callers.caller(context)
        let node = try inodes.node(parent).child(name)
        guard case .secret(let v, let key, nil) = node else {
            if case .collection = try inodes.node(parent) { throw FileSystemError.invalidArgument }
            throw FileSystemError.notPermitted
        }
        // The kernel calls create only after a lookup found nothing, so this is a new name: it needs the
        // right at vault scope, and must not belong to a soft-deleted secret.
        _ = try collectionRights(v, .secret, caller: caller)
        try engine.access.require(DataAction.Secrets.setSecret, on: Resource(vault: v, kind: .secret, name: name),
                                objectExists: false, operation: "SecretSet", as: caller)
        if try engine.access.inspectDeleted(.secret, vault: v, name: key, as: caller).deleted != nil {
            throw FileSystemError.exists
        }
        if try engine.access.inspect(.secret, vault: v, name: key, as: caller).properties != nil {
            if flags & O_EXCL != 0 { throw FileSystemError.exists }
            let opened = try open(inode: inodes.inode(for: node), flags: flags, context: context)
            return CreatedFile(entry: Entry(try attributes(of: node, caller: caller)), file: opened)
        }
        let handle = OpenHandle(node: node, purpose: .secretValue, caller: caller, writable: true,
                                append: flags & O_APPEND != 0, content: [], dirty: true)
        let number = handles.add(handle)
        let attributes = FileAttributes(inode: inodes.inode(for: node), type: .regularFile, permissions: 0o600,
                                        uid: caller.uid, gid: caller.gid, modificationTime: Date())
        return CreatedFile(entry: Entry(attributes), file: OpenedFile(handle: number))
    }

    public func read(inode: UInt64, handle: UInt64, offset: UInt64, size: Int, context: OperationContext) throws -> [UInt8] {
        guard let open = handles.get(handle) else { throw FileSystemError(EBADF) }
        if open.purpose == .control { return readControl(open, size: size) }
        return open.state.withLock { state in
            guard offset < UInt64(state.buffer.count) else { return [] }
            let start = Int(offset)
            return Array(state.buffer[start..<min(state.buffer.count, start + size)])
        }
    }

    public func write(inode: UInt64, handle: UInt64, offset: UInt64, data: UnsafeRawBufferPointer,
                      context: OperationContext) throws -> Int {
        guard let open = handles.get(handle) else { throw FileSystemError(EBADF) }
        guard open.writable else { throw FileSystemError(EBADF) }
        if open.purpose == .control { return try writeControl(open, data) }
        return try open.state.withLock { state throws(FileSystemError) -> Int in
            let start = open.append ? state.buffer.count : Int(clamping: offset)
            let end = start + data.count
            guard end <= ObjectLimits.maxSecretValueBytes else {
                state.refused = true
                throw .fileTooLarge
            }
            if end > state.buffer.count { state.buffer.append(contentsOf: repeatElement(0, count: end - state.buffer.count)) }
            state.buffer.replaceSubrange(start..<end, with: data)
            state.dirty = true
            state.written = true
            return data.count
        }
    }

    /// Stores what was written as one new version; its error is what `close()` returns.
    public func flush(inode: UInt64, handle: UInt64, context: OperationContext) throws {
        guard let open = handles.get(handle) else { return }
        try store(open, onlyIfWritten: true)
    }

    /// Stores the handle's value as a new version when it changed: on flush only after a `write`, on release
    /// also after a truncation alone (`: > file`, `touch new-name`). An oversized write poisons the handle:
    /// nothing is stored and the flush reports `EFBIG`.
    func store(_ open: OpenHandle, onlyIfWritten: Bool) throws {
        guard open.purpose == .secretValue, open.writable, case .secret(let v, let name, nil) = open.node else { return }
        let pending = try open.state.withLock { state throws(FileSystemError) -> (value: [UInt8], carried: NewVersionAttributes)? in
            if state.refused {
                state.dirty = false
                state.written = false
                throw .fileTooLarge
            }
            guard state.dirty, state.written || !onlyIfWritten else { return nil }
            return (state.buffer, state.carried)
        }
        guard var (value, carried) = pending else { return }
        defer { value.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        carried.enabled = true
        try engine.secrets.set(vault: v, name: name, value: value, attributes: carried, as: open.caller)
        open.state.withLock { state in
            state.dirty = false
            state.written = false
        }
    }

    public func fsync(inode: UInt64, handle: UInt64, dataOnly: Bool, context: OperationContext) throws {
        try flush(inode: inode, handle: handle, context: context)
    }

    public func release(inode: UInt64, handle: UInt64, flags: Int32, context: OperationContext) throws {
        guard let open = handles.remove(handle) else { return }
        defer { open.wipe() }
        do {
            try store(open, onlyIfWritten: false)
        } catch let error as FileSystemError where error == .fileTooLarge {
            // Already reported to close() by the flush.
        }
    }

    /// `truncate`, `O_TRUNC` and times. Modes and owners are the vault's to decide: `EPERM`.
    public func setattr(inode: UInt64, changes: AttributeChanges, handle: UInt64?, context: OperationContext) throws -> AttributeReply {
        let caller = callers.caller(context)
        let node = try inodes.node(inode)
        if changes.permissions != nil || changes.uid != nil || changes.gid != nil { throw FileSystemError.notPermitted }
        if let size = changes.size {
            guard size <= UInt64(ObjectLimits.maxSecretValueBytes) else { throw FileSystemError.fileTooLarge }
            if let handle, let open = handles.get(handle), open.purpose == .secretValue {
                guard open.writable else { throw FileSystemError.invalidArgument }
                open.state.withLock { state in
                    if Int(size) != state.buffer.count || state.buffer.isEmpty {
                        state.buffer = Array(state.buffer.prefix(Int(size))) + Array(repeating: 0, count: max(0, Int(size) - state.buffer.count))
                        state.dirty = true
                    }
                }
                return AttributeReply(try attributes(of: open, caller: caller))
            }
            guard case .secret(let v, let name, nil) = node else { throw FileSystemError.notPermitted }
            let current = try engine.access.inspect(.secret, vault: v, name: name, as: caller)
            guard let props = current.properties else { throw FileSystemError.noSuchEntry }
            if props.valueLength == Int(size) {
                // Nothing would change: no new version.
                return AttributeReply(try attributes(of: node, caller: caller))
            }
            var value = size == 0 ? [] : try engine.secrets.get(vault: v, name: name, as: caller).value.bytes
            defer { value.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
            value = Array(value.prefix(Int(size))) + Array(repeating: 0, count: max(0, Int(size) - value.count))
            let carried = NewVersionAttributes(contentType: props.contentType, tags: props.tags)
            try engine.secrets.set(vault: v, name: name, value: value, attributes: carried, as: caller)
        }
        // Access and modification times are the vault's (when a version was set): accepted and ignored, so
        // `touch` works for a caller who may see the file.
        return AttributeReply(try attributes(of: node, caller: caller))
    }
}
