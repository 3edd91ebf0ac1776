import Foundation
import Synchronization
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// A tiny writable in-memory file system for exercising the FUSE bridge: a root directory with
/// `hello.txt`, `notes.txt` and `whoami` (whose content is the reading caller's "uid gid"), files that
/// can be created, written, truncated, renamed and removed, subdirectories, and `user.*` xattrs.
/// Mode and owner changes are refused with EPERM, as kvfs will.
final class MemoryFileSystem: FileSystemOperations {
    static let helloText = "hello, world\n"

    struct Node {
        var type: FileType
        var permissions: mode_t
        var data: [UInt8] = []
        var children: [String: UInt64] = [:]
        var extendedAttributes: [String: [UInt8]] = [:]
        var modificationTime = Date()
    }

    private struct State {
        var nodes: [UInt64: Node] = [:]
        var nextInode: UInt64 = 2
        var openContexts: [OperationContext] = []
    }

    private let state: Mutex<State>
    let whoamiInode: UInt64

    init() {
        var state = State()
        state.nodes[1] = Node(type: .directory, permissions: 0o777)
        func add(_ name: String, _ text: String) -> UInt64 {
            let inode = state.nextInode
            state.nextInode += 1
            state.nodes[inode] = Node(type: .regularFile, permissions: 0o666, data: Array(text.utf8))
            state.nodes[1]!.children[name] = inode
            return inode
        }
        _ = add("hello.txt", Self.helloText)
        _ = add("notes.txt", "")
        whoamiInode = add("whoami", "")
        self.state = Mutex(state)
    }

    /// The contexts of every open and create so far.
    var openContexts: [OperationContext] { state.withLock { $0.openContexts } }

    private func attributes(_ inode: UInt64, _ node: Node, _ context: OperationContext) -> FileAttributes {
        FileAttributes(inode: inode, type: node.type, permissions: node.permissions,
                       linkCount: node.type == .directory ? 2 : 1, uid: 0, gid: 0,
                       size: inode == whoamiInode ? UInt64(whoamiText(context).count) : UInt64(node.data.count),
                       modificationTime: node.modificationTime)
    }

    private func whoamiText(_ context: OperationContext) -> [UInt8] {
        Array("\(context.uid) \(context.gid)\n".utf8)
    }

    private func node(_ inode: UInt64, in state: State) throws -> Node {
        guard let node = state.nodes[inode] else { throw FileSystemError.noSuchEntry }
        return node
    }

    func lookup(parent: UInt64, name: String, context: OperationContext) throws -> Entry {
        try state.withLock { state in
            guard let inode = try node(parent, in: state).children[name] else { throw FileSystemError.noSuchEntry }
            return Entry(attributes(inode, try node(inode, in: state), context))
        }
    }

    func getattr(inode: UInt64, handle: UInt64?, context: OperationContext) throws -> AttributeReply {
        try state.withLock { AttributeReply(attributes(inode, try node(inode, in: $0), context)) }
    }

    func setattr(inode: UInt64, changes: AttributeChanges, handle: UInt64?,
                 context: OperationContext) throws -> AttributeReply {
        if changes.permissions != nil || changes.uid != nil || changes.gid != nil {
            throw FileSystemError.notPermitted
        }
        return try state.withLock { state in
            var node = try node(inode, in: state)
            if let size = changes.size {
                guard node.type == .regularFile else { throw FileSystemError.isDirectory }
                node.data = Array(node.data.prefix(Int(size))) + [UInt8](repeating: 0, count: max(0, Int(size) - node.data.count))
                node.modificationTime = Date()
            }
            if case .at(let date) = changes.modificationTime { node.modificationTime = date }
            if case .now = changes.modificationTime { node.modificationTime = Date() }
            state.nodes[inode] = node
            return AttributeReply(attributes(inode, node, context))
        }
    }

    func readdir(inode: UInt64, handle: UInt64, context: OperationContext) throws -> [DirectoryEntry] {
        try state.withLock { state in
            let directory = try node(inode, in: state)
            guard directory.type == .directory else { throw FileSystemError.notDirectory }
            let dots = [DirectoryEntry(name: ".", inode: inode, type: .directory),
                        DirectoryEntry(name: "..", inode: 1, type: .directory)]
            return dots + directory.children.sorted { $0.key < $1.key }.map { name, child in
                DirectoryEntry(name: name, inode: child, type: state.nodes[child]?.type ?? .regularFile)
            }
        }
    }

    func open(inode: UInt64, flags: Int32, context: OperationContext) throws -> OpenedFile {
        try state.withLock { state in
            guard try node(inode, in: state).type == .regularFile else { throw FileSystemError.isDirectory }
            if flags & O_TRUNC != 0 { state.nodes[inode]!.data = [] }
            state.openContexts.append(context)
        }
        return OpenedFile(handle: inode + 1000)
    }

    func create(parent: UInt64, name: String, mode: mode_t, flags: Int32,
                context: OperationContext) throws -> CreatedFile {
        try state.withLock { state in
            guard try node(parent, in: state).children[name] == nil else { throw FileSystemError.exists }
            let inode = state.nextInode
            state.nextInode += 1
            let node = Node(type: .regularFile, permissions: mode & 0o777)
            state.nodes[inode] = node
            state.nodes[parent]!.children[name] = inode
            state.openContexts.append(context)
            return CreatedFile(entry: Entry(attributes(inode, node, context)), file: OpenedFile(handle: inode + 1000))
        }
    }

    func read(inode: UInt64, handle: UInt64, offset: UInt64, size: Int,
              context: OperationContext) throws -> [UInt8] {
        precondition(handle == inode + 1000, "the bridge must pass back the handle open returned")
        let data = inode == whoamiInode ? whoamiText(context) : try state.withLock { try node(inode, in: $0).data }
        guard offset < UInt64(data.count) else { return [] }
        return Array(data[Int(offset)..<min(data.count, Int(offset) + size)])
    }

    func write(inode: UInt64, handle: UInt64, offset: UInt64, data: UnsafeRawBufferPointer,
               context: OperationContext) throws -> Int {
        try state.withLock { state in
            var node = try node(inode, in: state)
            let end = Int(offset) + data.count
            guard end <= 25 * 1024 else { throw FileSystemError.fileTooLarge }
            if node.data.count < end { node.data += [UInt8](repeating: 0, count: end - node.data.count) }
            node.data.replaceSubrange(Int(offset)..<end, with: data)
            node.modificationTime = Date()
            state.nodes[inode] = node
        }
        return data.count
    }

    func unlink(parent: UInt64, name: String, context: OperationContext) throws {
        try state.withLock { state in
            guard let inode = try node(parent, in: state).children[name] else { throw FileSystemError.noSuchEntry }
            guard state.nodes[inode]?.type == .regularFile else { throw FileSystemError.isDirectory }
            state.nodes[parent]!.children[name] = nil
            state.nodes[inode] = nil
        }
    }

    func mkdir(parent: UInt64, name: String, mode: mode_t, context: OperationContext) throws -> Entry {
        try state.withLock { state in
            guard try node(parent, in: state).children[name] == nil else { throw FileSystemError.exists }
            let inode = state.nextInode
            state.nextInode += 1
            let node = Node(type: .directory, permissions: mode & 0o777)
            state.nodes[inode] = node
            state.nodes[parent]!.children[name] = inode
            return Entry(attributes(inode, node, context))
        }
    }

    func rmdir(parent: UInt64, name: String, context: OperationContext) throws {
        try state.withLock { state in
            guard let inode = try node(parent, in: state).children[name] else { throw FileSystemError.noSuchEntry }
            let directory = try node(inode, in: state)
            guard directory.type == .directory else { throw FileSystemError.notDirectory }
            guard directory.children.isEmpty else { throw FileSystemError.notEmpty }
            state.nodes[parent]!.children[name] = nil
            state.nodes[inode] = nil
        }
    }

    func rename(parent: UInt64, name: String, newParent: UInt64, newName: String, flags: RenameFlags,
                context: OperationContext) throws {
        guard !flags.contains(.exchange) else { throw FileSystemError.invalidArgument }
        try state.withLock { state in
            guard let inode = try node(parent, in: state).children[name] else { throw FileSystemError.noSuchEntry }
            if let existing = try node(newParent, in: state).children[newName] {
                if flags.contains(.noReplace) { throw FileSystemError.exists }
                state.nodes[existing] = nil
            }
            state.nodes[parent]!.children[name] = nil
            state.nodes[newParent]!.children[newName] = inode
        }
    }

    func setxattr(inode: UInt64, name: String, value: [UInt8], mode: ExtendedAttributeSetMode,
                  context: OperationContext) throws {
        guard name.hasPrefix("user.") else { throw FileSystemError.notSupported }
        try state.withLock { state in
            let exists = try node(inode, in: state).extendedAttributes[name] != nil
            if mode == .createOnly && exists { throw FileSystemError.exists }
            if mode == .replaceOnly && !exists { throw FileSystemError.noAttribute }
            state.nodes[inode]!.extendedAttributes[name] = value
        }
    }

    func getxattr(inode: UInt64, name: String, context: OperationContext) throws -> [UInt8] {
        try state.withLock { state in
            guard let value = try node(inode, in: state).extendedAttributes[name] else { throw FileSystemError.noAttribute }
            return value
        }
    }

    func listxattr(inode: UInt64, context: OperationContext) throws -> [String] {
        try state.withLock { try node(inode, in: $0).extendedAttributes.keys.sorted() }
    }

    func removexattr(inode: UInt64, name: String, context: OperationContext) throws {
        try state.withLock { state in
            _ = try node(inode, in: state)
            guard state.nodes[inode]!.extendedAttributes.removeValue(forKey: name) != nil else {
                throw FileSystemError.noAttribute
            }
            state.nodes[inode]!.modificationTime = Date()
        }
    }
}
