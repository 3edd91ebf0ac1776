import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// Opening, reading and writing files: each node opens itself; a handle serves reads and writes from its
/// buffer (secret values) or through its control file's protocol.
extension VaultTree {
    public func open(inode: UInt64, flags: Int32, context: OperationContext) throws -> OpenedFile {
        let handle = try inodes.node(inode).open(flags: flags, caller: callers.caller(context), in: tree)
        try admitControl(handle)
        let number = handles.add(handle)
        subscribe(handle, number)
        return OpenedFile(handle: number, nonSeekable: handle.control != nil)
    }

    /// A file of an object (a secret's value, a key's or a certificate's file) learns of the object's changes.
    private func subscribe(_ handle: OpenHandle, _ number: UInt64) {
        switch handle.purpose {
        case .secretValue, .staticContent: subscriptions.opened(handle: number, path: handle.node.path)
        case .control, .temporary: break
        }
    }

    /// `POLLPRI` once per batch of changes to the object behind the file since it was opened or last reported
    /// one (see `ChangeSubscriptions`); every file is always readable and writable.
    public func poll(inode: UInt64, handle: UInt64, waiter: PollWaiter?, context: OperationContext) throws -> PollEvents {
        guard handles.get(handle) != nil else { throw FileSystemError(EBADF) }
        return subscriptions.poll(handle: handle, waiter: waiter) == true ? [.ready, .priority] : .ready
    }

    /// The kernel calls create only after a lookup found nothing; the new file counts one lookup.
    public func create(parent: UInt64, name: String, mode: mode_t, flags: Int32, context: OperationContext) throws -> CreatedFile {
        let created = try inodes.node(parent).create(name, flags: flags, caller: callers.caller(context), in: tree)
        try admitControl(created.handle)
        let number = handles.add(created.handle)
        subscribe(created.handle, number)
        let file = OpenedFile(handle: number, nonSeekable: created.handle.control != nil)
        return CreatedFile(entry: Entry(created.attributes, inode: inodes.lookedUp(created.node)), file: file)
    }

    public func read(inode: UInt64, handle: UInt64, offset: UInt64, size: Int, context: OperationContext) throws -> [UInt8] {
        guard let open = handles.get(handle) else { throw FileSystemError(EBADF) }
        if open.control != nil { return try ControlProtocol.read(from: open, size: size, budget: budget) }
        if let temporary = open.temporary {
            return temporary.state.withLock { $0.buffer.read(at: Int(clamping: offset), size: size) }
        }
        return open.state.withLock { $0.buffer.read(at: Int(clamping: offset), size: size) }
    }

    public func write(inode: UInt64, handle: UInt64, offset: UInt64, data: UnsafeRawBufferPointer,
                      context: OperationContext) throws -> Int {
        guard let open = handles.get(handle) else { throw FileSystemError(EBADF) }
        guard open.writable else { throw FileSystemError(EBADF) }
        if let control = open.control {
            // Decided for the process that opened the file (the open is the authority), whoever writes on the
            // descriptor; the audit names the writer too when it is another process. What the handle holds counts
            // against the opener's budget.
            return try ControlProtocol.write(data, to: open, handler: control, as: open.caller.written(by: callers.caller(context)),
                                             budget: budget, in: tree, interruption: context.interruption)
        }
        if let temporary = open.temporary {
            return try temporary.state.withLock { state throws(FileSystemError) -> Int in
                let start = open.append ? state.buffer.count : Int(clamping: offset)
                guard start + data.count <= ObjectLimits.maxSecretValueBytes else {
                    state.refused = true
                    throw .fileTooLarge
                }
                state.buffer.write(data, at: start)
                return data.count
            }
        }
        return try open.state.withLock { state throws(FileSystemError) -> Int in
            let start = open.append ? state.buffer.count : Int(clamping: offset)
            guard start + data.count <= ObjectLimits.maxSecretValueBytes else {
                state.refused = true
                throw .fileTooLarge
            }
            state.buffer.write(data, at: start)
            state.dirty = true
            state.written = true
            return data.count
        }
    }

    /// Counts a control file's handle against its caller's budget (`ControlBudget`).
    /// - Throws: `EMFILE` when the caller already has as many control files open as the mount allows; the
    ///   handle is dropped.
    private func admitControl(_ handle: OpenHandle) throws {
        guard handle.control != nil else { return }
        do {
            try budget.admit(uid: handle.caller.uid)
        } catch {
            handle.wipe()
            throw error
        }
    }

    /// Stores what was written as one new version; its error is what `close()` returns.
    public func flush(inode: UInt64, handle: UInt64, context: OperationContext) throws {
        guard let open = handles.get(handle) else { return }
        guard open.writable, open.isSecretValue || open.temporary != nil else { return }
        if ProcessExit.isKilledBySignal(thread: context.pid) {
            // A writer killed before a clean close: what it wrote is dropped, now and at release.
            open.state.withLock { state in
                state.killed = true
                state.buffer.wipe()
            }
            if let temporary = open.temporary, temporary.creator == context.pid || temporary.key.uid == open.caller.uid {
                tree.temporaries.discard(temporary)
            }
            return
        }
        try store(open, onlyIfWritten: !closesLastDescriptor(open, thread: context.pid))
    }

    /// Whether this flush ends a secret file that was created or truncated and never written, with no other
    /// descriptor of the flushing process left on it (see `OpenDescriptors`): `touch new`, `: > file`. Its
    /// empty value is then stored now, so the name exists (or the value is empty) when `close()` returns.
    func closesLastDescriptor(_ open: OpenHandle, thread: Int32) -> Bool {
        guard let secret = open.node as? SecretNode else { return false }
        let pending = open.state.withLock { $0.dirty && !$0.written && !$0.killed && !$0.refused }
        guard pending else { return false }
        let place = secret.object.vault + "/" + ObjectKind.secret.collection + "/" + (open.newName ?? secret.object.name)
        return !OpenDescriptors.holdsAnother(thread: thread, endingIn: place)
    }

    /// Stores a secret handle's value (see `SecretNode.store`); other handles store nothing.
    func store(_ open: OpenHandle, onlyIfWritten: Bool) throws {
        guard open.isSecretValue, let secret = open.node as? SecretNode else { return }
        try secret.store(open, onlyIfWritten: onlyIfWritten, in: tree)
    }

    public func fsync(inode: UInt64, handle: UInt64, dataOnly: Bool, context: OperationContext) throws {
        try flush(inode: inode, handle: handle, context: context)
    }

    public func release(inode: UInt64, handle: UInt64, flags: Int32, context: OperationContext) throws {
        guard let open = handles.remove(handle) else { return }
        if open.control != nil {
            budget.release(uid: open.caller.uid, bytes: open.state.withLock { $0.controlBytes })
        }
        subscriptions.released(handle: handle)
        defer { open.wipe() }
        if let temporary = open.temporary {
            tree.temporaries.closed(temporary)
            return
        }
        do {
            try store(open, onlyIfWritten: false)
        } catch let error as FileSystemError where error == .fileTooLarge {
            // Already reported to close() by the flush.
        }
    }

    /// Modes and owners are the vault's to decide. A change that asks for what `stat` already shows — the
    /// caller as owner (`fchown` to oneself, as `sed -i` does), a mode with no group or other bits
    /// (`install -m 0600`, `chmod 600`) — succeeds and changes nothing; anything else is `EPERM`.
    static func refuseOwnershipChanges(_ changes: AttributeChanges, caller: Caller) throws {
        if let uid = changes.uid, uid != caller.uid { throw FileSystemError.notPermitted }
        if let gid = changes.gid, gid != caller.gid { throw FileSystemError.notPermitted }
        if let permissions = changes.permissions, permissions & 0o7077 != 0 { throw FileSystemError.notPermitted }
    }

    /// `truncate`, `O_TRUNC` and times. Modes and owners are the vault's to decide: `EPERM`.
    public func setattr(inode: UInt64, changes: AttributeChanges, handle: UInt64?, context: OperationContext) throws -> AttributeReply {
        let caller = callers.caller(context)
        let node = try inodes.node(inode)
        try Self.refuseOwnershipChanges(changes, caller: caller)
        if let size = changes.size {
            if let handle, let temporary = handles.get(handle)?.temporary {
                guard size <= UInt64(ObjectLimits.maxSecretValueBytes) else { throw FileSystemError.fileTooLarge }
                temporary.state.withLock { $0.buffer.resize(to: Int(size)) }
                return AttributeReply(try attributes(of: handles.get(handle)!, caller: caller))
            }
            guard size <= UInt64(ObjectLimits.maxSecretValueBytes) else { throw FileSystemError.fileTooLarge }
            if let handle, let open = handles.get(handle), open.isSecretValue {
                guard open.writable else { throw FileSystemError.invalidArgument }
                open.state.withLock { state in
                    if Int(size) != state.buffer.count || state.buffer.count == 0 {
                        state.buffer.resize(to: Int(size))
                        state.dirty = true
                    }
                }
                return AttributeReply(try attributes(of: open, caller: caller))
            }
            try node.truncate(to: size, caller: caller, in: tree)
        }
        // Access and modification times are the vault's (when a version was set): accepted and ignored, so
        // `touch` works for a caller who may see the file, and on a file it just created (`futimens`).
        if let handle, let open = handles.get(handle) { return AttributeReply(try attributes(of: open, caller: caller)) }
        return AttributeReply(try attributesOrPending(of: node, caller: caller))
    }
}
