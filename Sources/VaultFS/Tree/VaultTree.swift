import Foundation
import Logging
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The kvfs filesystem: vaults as directories, objects as files, every answer decided for the caller
/// that asks. Nothing is cached across callers: entries and attributes are replied with timeout 0 and
/// files are opened with direct I/O, so the kernel never reuses one caller's answer for another.
///
/// Lock order: `handles` (the table) before any one handle's lock; no lock is held across an engine call
/// that writes, and none while the bridge replies.
public final class VaultTree: FileSystemOperations {
    let engine: VaultEngine
    let inodes = InodeTable()
    let callers = CallerResolver()
    let handles = HandleTable()
    let logger: Logger
    /// When set, only these vaults (case-folded) appear in the mount.
    let vaultFilter: Set<String>?
    /// The mount's start, shown as the time of directories that have no time of their own.
    let started = Date()

    /// A tree over `engine`, optionally limited to some vaults.
    public init(engine: VaultEngine, vaults: [String]? = nil, logger: Logger = Logger(label: "kvfs.fs")) {
        self.engine = engine
        self.vaultFilter = vaults.map { Set($0.map(Names.key)) }
        self.logger = logger
    }

    // MARK: names and attributes

    public func lookup(parent: UInt64, name: String, context: OperationContext) throws -> Entry {
        let caller = callers.caller(context)
        let node = try inodes.node(parent).child(name)
        return Entry(try attributesOrPending(of: node, caller: caller))
    }

    /// The attributes of `node`, or of the caller's own file created under that name and not yet stored.
    func attributesOrPending(of node: Node, caller: Caller) throws -> FileAttributes {
        do {
            return try attributes(of: node, caller: caller)
        } catch let error as FileSystemError where error == .noSuchEntry {
            guard let pending = handles.writer(of: node, uid: caller.uid) else { throw error }
            return try attributes(of: pending, caller: caller)
        }
    }

    public func forget(inode: UInt64, lookups: UInt64) {}

    public func getattr(inode: UInt64, handle: UInt64?, context: OperationContext) throws -> AttributeReply {
        let caller = callers.caller(context)
        if let handle, let open = handles.get(handle) {
            return AttributeReply(try attributes(of: open, caller: caller))
        }
        return AttributeReply(try attributesOrPending(of: inodes.node(inode), caller: caller))
    }

    /// What `fstat` shows on an open file: the node's attributes with the size of what the handle holds. A
    /// file created but not yet stored has no version in the vault; it shows as the caller's, 0600, now.
    func attributes(of open: OpenHandle, caller: Caller) throws -> FileAttributes {
        var attributes: FileAttributes
        do {
            attributes = try self.attributes(of: open.node, caller: caller)
        } catch let error as FileSystemError where error == .noSuchEntry && open.writable && open.purpose == .secretValue {
            attributes = FileAttributes(inode: inodes.inode(for: open.node), type: .regularFile, permissions: 0o600,
                                        uid: caller.uid, gid: caller.gid, modificationTime: Date())
        }
        if open.purpose != .control { attributes.size = UInt64(open.size) }
        return attributes
    }

    /// What `stat` shows this caller for `node`: owner = the caller, the owner's mode bits = the caller's
    /// rights (group and other bits stay clear: the answer is for this caller only).
    func attributes(of node: Node, caller: Caller) throws -> FileAttributes {
        let inode = inodes.inode(for: node)
        func directory(_ permissions: mode_t, time: Date? = nil) -> FileAttributes {
            FileAttributes(inode: inode, type: .directory, permissions: permissions, uid: caller.uid, gid: caller.gid,
                           modificationTime: time ?? started)
        }
        switch node {
        case .root:
            return directory(0o500)
        case .vault(let v):
            try requireVisible(v, caller: caller)
            return directory(0o500)
        case .deletedRoot(let v):
            try requireVisible(v, caller: caller)
            return directory(0o500)
        case .collection(let v, let kind), .versionsRoot(let v, let kind):
            let rights = try collectionRights(v, kind, caller: caller)
            var mode: mode_t = 0o100
            if rights.contains(kind.readMetadataAction) { mode |= 0o400 }
            if case .collection = node, rights.contains(kind.createAction) { mode |= 0o200 }
            return directory(mode)
        case .deletedCollection(let v, let kind):
            let rights = try collectionRights(v, kind, caller: caller)
            var mode: mode_t = 0o100
            if rights.contains(kind.readMetadataAction) { mode |= 0o400 }
            if rights.contains(kind.purgeAction) || rights.contains(kind.recoverAction) { mode |= 0o200 }
            return directory(mode)
        case .versionsOf(let v, let kind, let name):
            let inspection = try inspect(kind, v, name, nil, caller: caller)
            return directory(inspection.rights.contains(kind.readMetadataAction) ? 0o500 : 0o100, time: inspection.properties?.updated)
        case .secret(let v, let name, let version):
            let inspection = try inspect(.secret, v, name, version, caller: caller)
            guard let props = inspection.properties else { throw FileSystemError.noSuchEntry }
            let readable = inspection.rights.contains(DataAction.Secrets.getSecret)
            var mode: mode_t = 0
            if readable && props.enabled { mode |= 0o400 }
            if version == nil && inspection.rights.contains(DataAction.Secrets.setSecret) && !props.managed { mode |= 0o200 }
            return FileAttributes(inode: inode, type: .regularFile, permissions: mode, uid: caller.uid, gid: caller.gid,
                                  size: readable ? UInt64(props.valueLength) : 0, modificationTime: props.created,
                                  changeTime: props.updated)
        case .deletedObject(let v, let kind, let name):
            let inspection = try engine.access.inspectDeleted(kind, vault: v, name: name, as: caller)
            guard let deleted = inspection.deleted else { throw FileSystemError.noSuchEntry }
            return FileAttributes(inode: inode, type: kind == .secret ? .regularFile : .directory, permissions: 0,
                                  uid: caller.uid, gid: caller.gid, modificationTime: deleted.deletedDate,
                                  changeTime: deleted.deletedDate)
        case .certificate, .certificateFile, .control(_, .certificate):
            return try certificateAttributes(of: node, inode: inode, caller: caller)
        case .key, .keyFile, .control:
            return try keyAttributes(of: node, inode: inode, caller: caller)
        }
    }

    func inspect(_ kind: ObjectKind, _ vault: String, _ name: String, _ version: String?, caller: Caller) throws -> Inspection {
        try requireInFilter(vault)
        return try engine.access.inspect(kind, vault: vault, name: name, version: version, as: caller)
    }

    /// The caller's rights on a collection; `EACCES` when the vault is not visible to it.
    func collectionRights(_ vault: String, _ kind: ObjectKind, caller: Caller) throws -> Set<DataAction> {
        try requireInFilter(vault)
        let collection = try engine.access.inspectCollection(kind, vault: vault, as: caller)
        guard collection.visible else { throw FileSystemError.accessDenied }
        guard collection.vaultExists else { throw FileSystemError.noSuchEntry }
        return collection.rights
    }

    /// A vault directory is visible to the store's Owner and to callers holding any role in it; anyone
    /// else gets `EACCES`, whether or not the vault exists.
    func requireVisible(_ vault: String, caller: Caller) throws {
        try requireInFilter(vault)
        let (visible, exists) = try engine.access.vaultVisibility(vault, as: caller)
        guard visible else { throw FileSystemError.accessDenied }
        guard exists else { throw FileSystemError.noSuchEntry }
    }

    func requireInFilter(_ vault: String) throws {
        if let vaultFilter, !vaultFilter.contains(Names.key(vault)) { throw FileSystemError.noSuchEntry }
    }

    // MARK: directories

    public func opendir(inode: UInt64, flags: Int32, context: OperationContext) throws -> UInt64 {
        let node = try inodes.node(inode)
        guard node.isDirectory else { throw FileSystemError.notDirectory }
        return 0
    }

    public func readdir(inode: UInt64, handle: UInt64, context: OperationContext) throws -> [DirectoryEntry] {
        let caller = callers.caller(context)
        let node = try inodes.node(inode)
        var entries = [DirectoryEntry(name: ".", inode: inode, type: .directory),
                       DirectoryEntry(name: "..", inode: 1, type: .directory)]
        func add(_ name: String, _ child: Node) {
            entries.append(DirectoryEntry(name: name, inode: inodes.inode(for: child), type: child.isDirectory ? .directory : .regularFile))
        }
        switch node {
        case .root:
            for vault in try engine.vaults.list(as: caller) where vaultFilter?.contains(Names.key(vault.name)) ?? true {
                add(vault.name, .vault(Names.key(vault.name)))
            }
        case .vault(let v):
            try requireVisible(v, caller: caller)
            for kind in ObjectKind.allCases { add(kind.collection, .collection(vault: v, kind: kind)) }
            add(Node.deletedName, .deletedRoot(vault: v))
        case .deletedRoot(let v):
            try requireVisible(v, caller: caller)
            for kind in ObjectKind.allCases { add(kind.collection, .deletedCollection(vault: v, kind: kind)) }
        case .collection(let v, let kind):
            try requireInFilter(v)
            add(Node.versionsName, .versionsRoot(vault: v, kind: kind))
            add(Node.controlName, .control(vault: v, kind: kind))
            for props in try engine.objects(kind).list(vault: v, as: caller) {
                add(props.name, try objectNode(for: kind, vault: v, name: props.name))
            }
        case .versionsRoot(let v, let kind):
            try requireInFilter(v)
            for props in try engine.objects(kind).list(vault: v, as: caller) {
                add(props.name, .versionsOf(vault: v, kind: kind, name: Names.key(props.name)))
            }
        case .versionsOf(let v, let kind, let name):
            try requireInFilter(v)
            for props in try engine.objects(kind).versions(vault: v, name: name, as: caller) {
                switch kind {
                case .key: add(props.version, .key(vault: v, name: name, version: props.version))
                case .certificate: add(props.version, .certificate(vault: v, name: name, version: props.version))
                case .secret: add(props.version, .secret(vault: v, name: name, version: props.version))
                }
            }
        case .deletedCollection(let v, let kind):
            try requireInFilter(v)
            for deleted in try engine.objects(kind).listDeleted(vault: v, as: caller) {
                add(deleted.properties.name, .deletedObject(vault: v, kind: kind, name: Names.key(deleted.properties.name)))
            }
        case .key(let v, let name, let version):
            _ = try keyAttributes(of: node, inode: inode, caller: caller)
            for file in Node.KeyFile.allCases { add(file.rawValue, .keyFile(vault: v, name: name, version: version, file: file)) }
        case .certificate(let v, let name, let version):
            for file in try certificateFiles(v, name, version, caller: caller) {
                add(file.rawValue, .certificateFile(vault: v, name: name, version: version, file: file))
            }
        case .deletedObject:
            break
        case .secret, .keyFile, .control, .certificateFile:
            throw FileSystemError.notDirectory
        }
        return entries
    }

    private func objectNode(for kind: ObjectKind, vault: String, name: String) throws -> Node {
        switch kind {
        case .secret: .secret(vault: vault, name: Names.key(name), version: nil)
        case .key: .key(vault: vault, name: Names.key(name), version: nil)
        case .certificate: .certificate(vault: vault, name: Names.key(name), version: nil)
        }
    }

    public func releasedir(inode: UInt64, handle: UInt64, context: OperationContext) throws {}

    public func mkdir(parent: UInt64, name: String, mode: mode_t, context: OperationContext) throws -> Entry {
        throw FileSystemError.notPermitted
    }

    // MARK: whole-file system

    public func statfs(inode: UInt64, context: OperationContext) throws -> FileSystemStatistics {
        FileSystemStatistics(blockSize: 4096, maximumNameLength: 127)
    }

    public func access(inode: UInt64, mask: Int32, context: OperationContext) throws {
        let caller = callers.caller(context)
        let attributes = try attributes(of: inodes.node(inode), caller: caller)
        let granted = Int32(attributes.permissions >> 6) & 0o7
        guard mask & ~granted == 0 else { throw FileSystemError.accessDenied }
    }
}
