import CFuse
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Turns libfuse's raw requests into calls of ``FileSystemOperations`` and sends exactly one reply per
/// request. One dispatcher lives per mount; libfuse reaches it through the session's userdata pointer.
///
/// Lock order: `directories` is the only lock, and it is never held while calling the implementation or
/// replying to the kernel.
final class FuseDispatcher: Sendable {
    let operations: any FileSystemOperations
    let logger: Logger
    /// The session, for the poll waiters handed to the implementation.
    let gate: SessionGate
    private let directories = Mutex(DirectoryStreams())

    init(operations: any FileSystemOperations, gate: SessionGate, logger: Logger) {
        self.operations = operations
        self.gate = gate
        self.logger = logger
    }

    /// The dispatcher a request belongs to (the retained box passed to `fuse_session_new`).
    static func of(_ request: fuse_req_t?) -> FuseDispatcher {
        Unmanaged<FuseDispatcher>.fromOpaque(fuse_req_userdata(request)!).takeUnretainedValue()
    }

    // MARK: Running one operation

    /// Runs `body` with the caller's context and replies with its value through `reply`, or with the errno
    /// of what it threw. Exactly one reply, never under a lock.
    private func answer<Value>(_ request: fuse_req_t?, _ name: StaticString,
                               _ body: (OperationContext) throws -> Value,
                               reply: (Value) -> Int32) {
        let context = Self.context(of: request)
        let result: Int32
        do {
            let value = try body(context)
            result = reply(value)
        } catch {
            result = fuse_reply_err(request, errno(for: error, in: name))
        }
        if result != 0 {
            // The caller went away (interrupted) before the reply arrived; nothing else to do.
            logger.debug("reply to \(name) not delivered: \(String(cString: strerror(-result)))")
        }
    }

    private func answerWithStatus(_ request: fuse_req_t?, _ name: StaticString,
                                  _ body: (OperationContext) throws -> Void) {
        answer(request, name, body, reply: { fuse_reply_err(request, 0) })
    }

    private func errno(for error: any Error, in name: StaticString) -> Int32 {
        if let known = error as? any ErrnoConvertible, known.errno > 0 {
            return known.errno
        }
        logger.warning("\(name) failed with an error that has no errno; answering EIO: \(error)")
        return EIO
    }

    static func context(of request: fuse_req_t?) -> OperationContext {
        guard let raw = fuse_req_ctx(request) else { return OperationContext(uid: 0, gid: 0, pid: 0) }
        let ctx = raw.pointee
        return OperationContext(uid: ctx.uid, gid: ctx.gid, pid: ctx.pid, umask: ctx.umask,
                                interruption: RequestInterruption(request))
    }

    private static func name(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    // MARK: Replies

    private static func entryParameters(_ entry: Entry) -> fuse_entry_param {
        var attributes = entry.attributes.statValue
        var parameters = fuse_entry_param()
        kvfs_fill_entry(&parameters, entry.inode, &attributes, entry.attributeTimeout, entry.entryTimeout)
        return parameters
    }

    /// Replies with `entry`. An entry the kernel never received (its request was interrupted: the reply
    /// fails with `ENOENT`) counts no lookup, so the implementation forgets it at once, as libfuse's
    /// high-level layer does.
    private func replyEntry(_ request: fuse_req_t?, _ entry: Entry) -> Int32 {
        var parameters = Self.entryParameters(entry)
        let result = fuse_reply_entry(request, &parameters)
        if result == -ENOENT { operations.forget(inode: entry.inode, lookups: 1) }
        return result
    }

    private static func replyAttributes(_ request: fuse_req_t?, _ reply: AttributeReply) -> Int32 {
        var attributes = reply.attributes.statValue
        return fuse_reply_attr(request, &attributes, reply.timeout)
    }

    private static func apply(_ file: OpenedFile, to info: UnsafeMutablePointer<fuse_file_info>) {
        kvfs_fi_set_fh(info, file.handle)
        kvfs_fi_set_direct_io(info, file.directIO ? 1 : 0)
        kvfs_fi_set_keep_cache(info, file.keepCache ? 1 : 0)
        kvfs_fi_set_nonseekable(info, file.nonSeekable ? 1 : 0)
    }

    /// Replies to a size probe (`size == 0`) with the needed size, with `ERANGE` when the buffer is too
    /// small, and with the bytes otherwise.
    private static func replyExtendedAttribute(_ request: fuse_req_t?, _ bytes: [UInt8], size: Int) -> Int32 {
        if size == 0 {
            return fuse_reply_xattr(request, bytes.count)
        }
        if bytes.count > size {
            return fuse_reply_err(request, ERANGE)
        }
        return bytes.withUnsafeBytes { fuse_reply_buf(request, $0.baseAddress, $0.count) }
    }

    // MARK: Names and attributes

    func lookup(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        answer(request, "lookup", { try operations.lookup(parent: parent, name: Self.name(name), context: $0) },
               reply: { replyEntry(request, $0) })
    }

    func forget(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ lookups: UInt64) {
        operations.forget(inode: inode, lookups: lookups)
        fuse_reply_none(request)
    }

    func forgetMany(_ request: fuse_req_t?, _ count: Int, _ forgets: UnsafeMutablePointer<fuse_forget_data>?) {
        if let forgets {
            for item in UnsafeBufferPointer(start: forgets, count: count) {
                operations.forget(inode: item.ino, lookups: item.nlookup)
            }
        }
        fuse_reply_none(request)
    }

    func getattr(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        let handle = info.map { kvfs_fi_fh($0) }
        answer(request, "getattr", { try operations.getattr(inode: inode, handle: handle, context: $0) },
               reply: { Self.replyAttributes(request, $0) })
    }

    func setattr(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ attributes: UnsafeMutablePointer<stat>?,
                 _ toSet: Int32, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        let changes = attributes.map { Self.changes(from: $0.pointee, toSet: toSet) } ?? AttributeChanges()
        let handle = info.map { kvfs_fi_fh($0) }
        answer(request, "setattr",
               { try operations.setattr(inode: inode, changes: changes, handle: handle, context: $0) },
               reply: { Self.replyAttributes(request, $0) })
    }

    static func changes(from value: stat, toSet: Int32) -> AttributeChanges {
        func has(_ bit: Int32) -> Bool { toSet & bit != 0 }
        var changes = AttributeChanges()
        if has(Int32(KVFS_SET_ATTR_MODE)) { changes.permissions = value.st_mode & 0o7777 }
        if has(Int32(KVFS_SET_ATTR_UID)) { changes.uid = value.st_uid }
        if has(Int32(KVFS_SET_ATTR_GID)) { changes.gid = value.st_gid }
        if has(Int32(KVFS_SET_ATTR_SIZE)) { changes.size = UInt64(clamping: value.st_size) }
        if has(Int32(KVFS_SET_ATTR_ATIME_NOW)) {
            changes.accessTime = .now
        } else if has(Int32(KVFS_SET_ATTR_ATIME)) {
            changes.accessTime = .at(value.st_atim.date)
        }
        if has(Int32(KVFS_SET_ATTR_MTIME_NOW)) {
            changes.modificationTime = .now
        } else if has(Int32(KVFS_SET_ATTR_MTIME)) {
            changes.modificationTime = .at(value.st_mtim.date)
        }
        return changes
    }

    func access(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ mask: Int32) {
        answerWithStatus(request, "access") { try operations.access(inode: inode, mask: mask, context: $0) }
    }

    func statfs(_ request: fuse_req_t?, _ inode: fuse_ino_t) {
        answer(request, "statfs", { try operations.statfs(inode: inode, context: $0) },
               reply: { statistics in
                   var value = statistics.statvfsValue
                   return fuse_reply_statfs(request, &value)
               })
    }

    // MARK: Directories

    func opendir(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let flags = kvfs_fi_flags(info)
        answer(request, "opendir", { try operations.opendir(inode: inode, flags: flags, context: $0) },
               reply: { handle in
                   let stream = directories.withLock { $0.open(handle: handle) }
                   kvfs_fi_set_fh(info, stream)
                   return fuse_reply_open(request, info)
               })
    }

    func readdir(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int, _ offset: off_t,
                 _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info, let stream = directories.withLock({ $0.streams[kvfs_fi_fh(info)] }) else {
            fuse_reply_err(request, EBADF)
            return
        }
        let streamID = kvfs_fi_fh(info)
        answer(request, "readdir", { context -> [DirectoryEntry] in
            // Offset 0 is a fresh read or a rewind: take a new snapshot. Later offsets continue the snapshot.
            if offset == 0 || stream.entries == nil {
                let entries = try operations.readdir(inode: inode, handle: stream.handle, context: context)
                directories.withLock { $0.streams[streamID]?.entries = entries }
                return entries
            }
            return stream.entries ?? []
        }, reply: { entries in Self.replyDirectory(request, entries, size: size, offset: offset) })
    }

    /// Packs entries from `offset` on into at most `size` bytes; each entry's offset is its index + 1.
    private static func replyDirectory(_ request: fuse_req_t?, _ entries: [DirectoryEntry], size: Int,
                                       offset: off_t) -> Int32 {
        let start = Int(clamping: max(offset, 0))
        guard start < entries.count else { return fuse_reply_buf(request, nil, 0) }
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
        defer { buffer.deallocate() }
        var used = 0
        for index in start..<entries.count {
            let entry = entries[index]
            var attributes = stat()
            attributes.st_ino = ino_t(truncatingIfNeeded: entry.inode)
            attributes.st_mode = entry.type.modeBits
            let needed = fuse_add_direntry(request, buffer + used, size - used, entry.name, &attributes,
                                           off_t(index + 1))
            if needed > size - used { break }
            used += needed
        }
        return fuse_reply_buf(request, buffer, used)
    }

    func releasedir(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        let stream = info.flatMap { info in directories.withLock { $0.close(kvfs_fi_fh(info)) } }
        if let stream {
            do {
                try operations.releasedir(inode: inode, handle: stream.handle, context: Self.context(of: request))
            } catch {
                logger.warning("releasedir of inode \(inode) failed: \(error)")
            }
        }
        fuse_reply_err(request, 0)
    }

    func fsyncdir(_ request: fuse_req_t?) {
        fuse_reply_err(request, 0)
    }

    func mkdir(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t) {
        answer(request, "mkdir",
               { try operations.mkdir(parent: parent, name: Self.name(name), mode: mode, context: $0) },
               reply: { replyEntry(request, $0) })
    }

    func rmdir(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        answerWithStatus(request, "rmdir") { try operations.rmdir(parent: parent, name: Self.name(name), context: $0) }
    }

    func unlink(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        answerWithStatus(request, "unlink") {
            try operations.unlink(parent: parent, name: Self.name(name), context: $0)
        }
    }

    func rename(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?,
                _ newParent: fuse_ino_t, _ newName: UnsafePointer<CChar>?, _ flags: UInt32) {
        answerWithStatus(request, "rename") {
            try operations.rename(parent: parent, name: Self.name(name), newParent: newParent,
                                  newName: Self.name(newName), flags: RenameFlags(rawValue: flags), context: $0)
        }
    }

    // MARK: Files

    func open(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let flags = kvfs_fi_flags(info)
        answer(request, "open", { try operations.open(inode: inode, flags: flags, context: $0) },
               reply: { file in
                   Self.apply(file, to: info)
                   return fuse_reply_open(request, info)
               })
    }

    func create(_ request: fuse_req_t?, _ parent: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ mode: mode_t,
                _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let flags = kvfs_fi_flags(info)
        answer(request, "create",
               { try operations.create(parent: parent, name: Self.name(name), mode: mode, flags: flags, context: $0) },
               reply: { created in
                   Self.apply(created.file, to: info)
                   var parameters = Self.entryParameters(created.entry)
                   let result = fuse_reply_create(request, &parameters, info)
                   if result == -ENOENT {
                       // The kernel never saw the file: no lookup to count and no release to come.
                       operations.forget(inode: created.entry.inode, lookups: 1)
                       try? operations.release(inode: created.entry.inode, handle: created.file.handle, flags: flags,
                                               context: Self.context(of: request))
                   }
                   return result
               })
    }

    func read(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int, _ offset: off_t,
              _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let handle = kvfs_fi_fh(info)
        // Not through `answer`: the bytes may be a secret's value, and are wiped once the kernel has them.
        let result: Int32
        do {
            var bytes = try operations.read(inode: inode, handle: handle, offset: UInt64(clamping: offset), size: size,
                                            context: Self.context(of: request))
            result = bytes.withUnsafeBytes { fuse_reply_buf(request, $0.baseAddress, min($0.count, size)) }
            bytes.wipe()
        } catch {
            result = fuse_reply_err(request, errno(for: error, in: "read"))
        }
        if result != 0 {
            logger.debug("reply to read not delivered: \(String(cString: strerror(-result)))")
        }
    }

    func poll(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?,
              _ pollHandle: OpaquePointer?) {
        // The waiter owns the poll handle from here on (destroyed with it), whatever happens next.
        let waiter = pollHandle.map { PollWaiter($0, gate: gate) }
        guard let info else { fuse_reply_err(request, EIO); return }
        let handle = kvfs_fi_fh(info)
        answer(request, "poll", { try operations.poll(inode: inode, handle: handle, waiter: waiter, context: $0) },
               reply: { fuse_reply_poll(request, $0.rawValue) })
    }

    func write(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ buffer: UnsafePointer<CChar>?, _ size: Int,
               _ offset: off_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let handle = kvfs_fi_fh(info)
        let data = UnsafeRawBufferPointer(start: buffer, count: buffer == nil ? 0 : size)
        answer(request, "write", {
            try operations.write(inode: inode, handle: handle, offset: UInt64(clamping: offset), data: data, context: $0)
        }, reply: { written in fuse_reply_write(request, min(max(written, 0), size)) })
    }

    func flush(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let handle = kvfs_fi_fh(info)
        answerWithStatus(request, "flush") { try operations.flush(inode: inode, handle: handle, context: $0) }
    }

    func release(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ info: UnsafeMutablePointer<fuse_file_info>?) {
        if let info {
            do {
                try operations.release(inode: inode, handle: kvfs_fi_fh(info), flags: kvfs_fi_flags(info),
                                       context: Self.context(of: request))
            } catch {
                logger.warning("release of inode \(inode) failed: \(error)")
            }
        }
        fuse_reply_err(request, 0)
    }

    func fsync(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ dataOnly: Int32,
               _ info: UnsafeMutablePointer<fuse_file_info>?) {
        guard let info else { fuse_reply_err(request, EIO); return }
        let handle = kvfs_fi_fh(info)
        answerWithStatus(request, "fsync") {
            try operations.fsync(inode: inode, handle: handle, dataOnly: dataOnly != 0, context: $0)
        }
    }

    // MARK: Extended attributes

    func setxattr(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ name: UnsafePointer<CChar>?,
                  _ value: UnsafePointer<CChar>?, _ size: Int, _ flags: Int32) {
        let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
        answerWithStatus(request, "setxattr") {
            try operations.setxattr(inode: inode, name: Self.name(name), value: bytes,
                                    mode: ExtendedAttributeSetMode(flags: flags), context: $0)
        }
    }

    func getxattr(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ name: UnsafePointer<CChar>?, _ size: Int) {
        answer(request, "getxattr", { try operations.getxattr(inode: inode, name: Self.name(name), context: $0) },
               reply: { Self.replyExtendedAttribute(request, $0, size: size) })
    }

    func listxattr(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ size: Int) {
        answer(request, "listxattr", { try operations.listxattr(inode: inode, context: $0) },
               reply: { names in
                   // The list is each name followed by a NUL byte.
                   let bytes = names.flatMap { Array($0.utf8) + [UInt8(0)] }
                   return Self.replyExtendedAttribute(request, bytes, size: size)
               })
    }

    func removexattr(_ request: fuse_req_t?, _ inode: fuse_ino_t, _ name: UnsafePointer<CChar>?) {
        answerWithStatus(request, "removexattr") {
            try operations.removexattr(inode: inode, name: Self.name(name), context: $0)
        }
    }

    // MARK: Deliberate refusals

    /// Hard links, symbolic links and device nodes have no place in this file system.
    func refuse(_ request: fuse_req_t?, with errno: Int32) {
        fuse_reply_err(request, errno)
    }
}

/// Open directory handles: the implementation's handle and the listing snapshot served to the kernel.
struct DirectoryStreams: ~Copyable {
    struct Stream {
        var handle: UInt64
        var entries: [DirectoryEntry]?
    }

    var streams: [UInt64: Stream] = [:]
    private var nextID: UInt64 = 1

    /// Registers an open directory and returns the id the kernel will hold as `fh`.
    mutating func open(handle: UInt64) -> UInt64 {
        let id = nextID
        nextID += 1
        streams[id] = Stream(handle: handle, entries: nil)
        return id
    }

    mutating func close(_ id: UInt64) -> Stream? {
        streams.removeValue(forKey: id)
    }
}
