import Foundation
import Logging
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The kvfs filesystem: vaults as directories, objects as files, every answer decided for the caller
/// that asks. `VaultTree` is the dispatcher: it finds the node a request names (through the inode table,
/// or a parent's `child(_:)`) and hands it the request; each kind of node answers for itself (`Nodes/`),
/// each control file through its handler (`Control/`).
///
/// Nothing is cached across callers: entries and attributes are replied with timeout 0 and files are
/// opened with direct I/O, so the kernel never reuses one caller's answer for another.
///
/// Lock order: `handles` (the table) before any one handle's lock; the inode table's lock is taken alone. No
/// lock is held across an engine call that writes, and none while the bridge replies.
public final class VaultTree: FileSystemOperations {
    let tree: TreeContext
    let inodes = InodeTable()
    let callers = CallerResolver()
    let handles = HandleTable()
    /// What each caller may hold through control files.
    let budget: ControlBudget
    /// Open files waiting to learn of changes to their objects (`poll`).
    let subscriptions = ChangeSubscriptions()
    let logger: Logger

    var engine: VaultEngine { tree.engine }

    /// A tree over `engine`, optionally limited to some vaults, with `controlLimits` for every caller's control
    /// files.
    public init(engine: VaultEngine, vaults: [String]? = nil, temporaryFilesAbandonedAfter: TimeInterval = 60,
                controlLimits: ControlFileLimits = .standard, logger: Logger = Logger(label: "kvfs.fs")) {
        self.budget = ControlBudget(controlLimits)
        self.tree = TreeContext(engine: engine, vaultFilter: vaults.map { Set($0.map(Names.key)) }, started: Date(),
                                temporaries: TemporaryFiles(abandonAfter: temporaryFilesAbandonedAfter))
        self.logger = logger
    }

    // MARK: names and attributes

    /// A name's node, its attributes for the caller, and — only when all of that succeeded — one counted
    /// lookup of its inode.
    public func lookup(parent: UInt64, name: String, context: OperationContext) throws -> Entry {
        let caller = callers.caller(context)
        let node = try child(of: inodes.node(parent), name, caller: caller, context: context)
        let resolved: (node: any TreeNode, attributes: FileAttributes)
        do {
            resolved = try node.resolved(for: caller, thread: context.pid, in: tree)
        } catch let error as FileSystemError where error == .noSuchEntry {
            guard let pending = handles.writer(of: node, uid: caller.uid) else { throw error }
            resolved = (pending.node, try attributes(of: pending, caller: caller))
        }
        return Entry(resolved.attributes, inode: inodes.lookedUp(resolved.node))
    }

    /// The node `name` names in `parent` for `caller`: in a `secrets/` folder the caller's own temporary file
    /// of that name comes first. A name no secret may have is `EINVAL`, except to an exclusive create
    /// (`O_CREAT|O_EXCL`), which learns `ENOENT` so that the kernel goes on to `create` — where such a name
    /// becomes a temporary file (see `TemporaryFiles`).
    func child(of parent: any TreeNode, _ name: String, caller: Caller, context: OperationContext? = nil) throws -> any TreeNode {
        guard let folder = parent as? CollectionNode, folder.kind == .secret else { return try parent.child(name) }
        if tree.temporaries.find(vault: folder.vault, uid: caller.uid, name: name) != nil {
            return TemporaryNode(key: TemporaryFiles.Key(vault: Names.key(folder.vault), uid: caller.uid, name: name))
        }
        let result = Result { () throws(FileSystemError) -> any TreeNode in try parent.child(name) }
        guard case .failure(let error) = result else { return try result.get() }
        if error == .invalidArgument || error.errno == ENAMETOOLONG, let context,
           name.utf8.count <= TemporaryNode.maxNameBytes, PendingSyscall.isExclusiveCreate(thread: context.pid) {
            throw FileSystemError.noSuchEntry
        }
        throw error
    }

    /// The attributes of `node`, or of the caller's own file created under that name and not yet stored.
    func attributesOrPending(of node: any TreeNode, caller: Caller) throws -> FileAttributes {
        do {
            return try node.attributes(for: caller, in: tree)
        } catch let error as FileSystemError where error == .noSuchEntry {
            guard let pending = handles.writer(of: node, uid: caller.uid) else { throw error }
            return try attributes(of: pending, caller: caller)
        }
    }

    public func forget(inode: UInt64, lookups: UInt64) {
        inodes.forget(inode, lookups: lookups)
    }

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
        if let temporary = open.temporary {
            return open.node.file(ModeBits.newFile, for: caller, size: UInt64(temporary.size), modified: temporary.created)
        }
        var attributes: FileAttributes
        do {
            attributes = try open.node.attributes(for: caller, in: tree)
        } catch let error as FileSystemError where error == .noSuchEntry && open.writable && open.isSecretValue {
            attributes = open.node.file(ModeBits.newFile, for: caller, modified: Date())
        }
        if open.control == nil, open.temporary == nil { attributes.size = UInt64(open.size) }
        return attributes
    }

    // MARK: directories

    public func opendir(inode: UInt64, flags: Int32, context: OperationContext) throws -> UInt64 {
        guard try inodes.node(inode).isDirectory else { throw FileSystemError.notDirectory }
        return 0
    }

    /// A listing counts no lookup (plain readdir): its entries show each node's own inode number.
    public func readdir(inode: UInt64, handle: UInt64, context: OperationContext) throws -> [DirectoryEntry] {
        let node = try inodes.node(inode)
        let listed = try node.entries(for: callers.caller(context), in: tree)
        return [DirectoryEntry(name: ".", inode: node.inodeNumber, type: .directory),
                DirectoryEntry(name: "..", inode: InodeTable.rootInode, type: .directory)]
            + listed.map { DirectoryEntry(name: $0.name, inode: $0.node.inodeNumber, type: $0.node.isDirectory ? .directory : .regularFile) }
    }

    public func releasedir(inode: UInt64, handle: UInt64, context: OperationContext) throws {}

    public func mkdir(parent: UInt64, name: String, mode: mode_t, context: OperationContext) throws -> Entry {
        throw FileSystemError.notPermitted
    }

    // MARK: whole-file system

    public func statfs(inode: UInt64, context: OperationContext) throws -> FileSystemStatistics {
        FileSystemStatistics(blockSize: 4096, maximumNameLength: 255)
    }

    public func access(inode: UInt64, mask: Int32, context: OperationContext) throws {
        let attributes = try inodes.node(inode).attributes(for: callers.caller(context), in: tree)
        let granted = Int32(attributes.permissions >> 6) & 0o7
        guard mask & ~granted == 0 else { throw FileSystemError.accessDenied }
    }
}
