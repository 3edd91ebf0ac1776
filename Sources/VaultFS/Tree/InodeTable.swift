import Synchronization

/// The nodes the kernel holds, by the inode (`fuse_ino_t`) it names them with — passthrough_hp's lookup
/// counting. An inode exists from the first successful lookup (or `create`) of its node until `forget` brings
/// the kernel's count of lookups to zero; a failed lookup hands out nothing, so any number of stats of missing
/// names leaves the table as it was. Plain `readdir` (kvfs does not serve readdirplus) counts no lookup, so
/// listings hand out nothing either: their entries show each node's own number (`TreeNode.inodeNumber`),
/// as `stat` does.
///
/// Nodes are keyed on their identity (`TreeNode.identity`): the path, or for a secret one version of it.
/// A node keeps its inode while the kernel holds it, whoever looks it up. Inodes are never reused within a
/// mount (generation 0 stays true); the root is 1 and is never forgotten.
final class InodeTable: Sendable {
    static let rootInode: UInt64 = 1

    private struct Record {
        let node: any TreeNode
        var lookups: UInt64
    }

    private struct State {
        var byIdentity: [String: UInt64] = [:]
        var records: [UInt64: Record] = [:]
        var next: UInt64 = InodeTable.rootInode + 1
    }

    private let root = RootNode()
    private let state = Mutex(State())

    /// The node behind `inode`.
    /// - Throws: `ENOENT` for an inode the kernel does not hold (never given out, or forgotten).
    func node(_ inode: UInt64) throws(FileSystemError) -> any TreeNode {
        if inode == InodeTable.rootInode { return root }
        guard let node = state.withLock({ $0.records[inode]?.node }) else { throw .noSuchEntry }
        return node
    }

    /// Counts one lookup of `node` that is about to reach the kernel, and returns its inode: the one the kernel
    /// holds already, or a new one.
    func lookedUp(_ node: any TreeNode) -> UInt64 {
        if node.path.isEmpty { return InodeTable.rootInode }
        return state.withLock { state in
            if let inode = state.byIdentity[node.identity] {
                state.records[inode]!.lookups += 1
                return inode
            }
            let inode = state.next
            state.next += 1
            state.byIdentity[node.identity] = inode
            state.records[inode] = Record(node: node, lookups: 1)
            return inode
        }
    }

    /// The kernel dropped `lookups` of its references to `inode`; at zero the inode is gone.
    func forget(_ inode: UInt64, lookups: UInt64) {
        guard inode != InodeTable.rootInode else { return }
        state.withLock { state in
            guard var record = state.records[inode] else { return }
            guard record.lookups > lookups else {
                state.records[inode] = nil
                state.byIdentity[record.node.identity] = nil
                return
            }
            record.lookups -= lookups
            state.records[inode] = record
        }
    }

    /// The inodes the kernel holds whose nodes `paths` touches, each with its parent's inode (when the kernel
    /// holds that too) and its name there, for invalidating the kernel's caches; directories that list a
    /// touched node come too (their own name and parent included).
    func held(touchedBy paths: ChangedPaths) -> [(inode: UInt64, parent: UInt64?, name: String)] {
        state.withLock { state in
            state.records.compactMap { inode, record -> (inode: UInt64, parent: UInt64?, name: String)? in
                let path = record.node.path
                guard paths.touches(path) || (record.node.isDirectory && paths.touchesChild(of: path)) else { return nil }
                let slash = path.lastIndex(of: "/")
                let parentPath = slash.map { String(path[path.startIndex..<$0]) } ?? ""
                let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
                // A directory's identity is its path.
                let parent = parentPath.isEmpty ? InodeTable.rootInode : state.byIdentity[parentPath]
                return (inode, parent, name)
            }
        }
    }

    /// How many inodes exist, the root included (for tests).
    var count: Int { state.withLock { $0.records.count } + 1 }

    /// The inode the kernel holds for the node whose identity is `identity` (its path, for most), if any (for tests).
    func inode(ofIdentity identity: String) -> UInt64? {
        identity.isEmpty ? InodeTable.rootInode : state.withLock { $0.byIdentity[identity] }
    }
}
