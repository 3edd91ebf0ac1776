import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/secrets/<name>` (the current version, readable and writable) and
/// `<vault>/secrets/.versions/<name>/<version>` (one version, read-only).
///
/// Each version is its own inode: a lookup of the name answers with the inode of the version current at that
/// moment (`Held.version`), whose size, times and content never change, so the kernel's page cache of that
/// inode — what `mmap` shows — can only ever hold that version's bytes. A rotation makes the next lookup answer
/// with another inode; a mapping made before it keeps showing exactly the version its caller opened, and a
/// later reader never sees a mix. Whether the caller's `stat` shows the length is part of the inode too (a
/// caller without the right sees size 0 on an inode of its own), so one caller's `stat` never changes the size
/// another caller's mapping depends on. A lookup made for an open that writes (`O_WRONLY`, `O_RDWR`,
/// `O_TRUNC`, read from `/proc/<tid>/syscall`) gets a fresh inode of its own (`Held.writer`): the kernel's
/// truncation and size updates for that open never touch a version's inode.
struct SecretNode: TreeNode {
    let object: ObjectAddress
    /// Which inode of the name or version this node is.
    var held: Held = .byPath

    /// How the kernel holds a secret's node.
    enum Held: Hashable, Sendable {
        /// By its path alone: before a lookup resolved it, and a name created by this mount.
        case byPath
        /// One version as a lookup found it (for the name: the version current then); `sized` when the
        /// caller's `stat` shows the length.
        case version(String, sized: Bool)
        /// A lookup made for an open that writes; `serial` makes each one its own inode.
        case writer(UInt64)
    }

    init(_ object: ObjectAddress) { self.object = object }

    var path: String { object.path }
    var isDirectory: Bool { false }

    var identity: String {
        switch held {
        case .byPath: path
        case .version(let version, let sized): path + "\u{0}" + version + (sized ? "" : "\u{0}-")
        case .writer(let serial): path + "\u{0}w" + String(serial)
        }
    }

    /// The version this node reads: the one it names, or the one its lookup found current.
    var version: String? {
        if let version = object.version { return version }
        if case .version(let version, _) = held { return version }
        return nil
    }

    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let (can, current) = try tree.existing(object, caller: caller)
        guard case .version(let version, let sized) = held else { return rendered(can, current, for: caller) }
        // The inode's size is fixed: a caller whose right to know it differs from the lookup's holds another inode.
        guard ModeBits.showsSecretSize(can) == sized else { throw FileSystemError.accessDenied }
        guard current.version != version else { return rendered(can, current, for: caller) }
        let pinned = ObjectAddress(kind: .secret, vault: object.vault, name: object.name, version: version)
        return rendered(can, try tree.existing(pinned, caller: caller).properties, for: caller)
    }

    /// The node a lookup hands the kernel, with its attributes: the inode of the version current now (or of
    /// this version), or, for a lookup made by an open that writes the name, a writer's own inode.
    func resolved(for caller: Caller, thread: Int32, in tree: TreeContext) throws -> (node: any TreeNode, attributes: FileAttributes) {
        if object.version == nil, PendingSyscall.isOpenForWriting(thread: thread) {
            var writer = self
            writer.held = .writer(WriterSerial.next())
            return (writer, try attributes(for: caller, in: tree))
        }
        let (can, properties) = try tree.existing(object, caller: caller)
        var pinned = self
        pinned.held = .version(properties.version, sized: ModeBits.showsSecretSize(can))
        return (pinned, pinned.rendered(can, properties, for: caller))
    }

    /// What `stat` shows `caller` of `properties` (one version) with capabilities `can`.
    private func rendered(_ can: Capabilities, _ properties: VersionProperties, for caller: Caller) -> FileAttributes {
        let size = ModeBits.showsSecretSize(can) ? UInt64(properties.valueLength) : 0
        return file(ModeBits.secret(can), for: caller, size: size, modified: properties.created, changed: properties.updated)
    }

    /// Reading takes the whole value now — of the version this inode is, whatever is current by now. Writing (current version only) needs setSecret and starts from the
    /// current value unless truncated; content type and tags carry over to the version the writes make.
    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        try tree.requireInFilter(object.vault)
        let accessMode = flags & O_ACCMODE
        guard accessMode == O_WRONLY || accessMode == O_RDWR else {
            let secret = try tree.engine.secrets.get(vault: object.vault, name: object.name, version: version, as: caller)
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
