import Synchronization

/// Stable inode numbers: each node gets one number the first time it is named and keeps it for the life
/// of the mount, whoever asks. Root is 1.
final class InodeTable: Sendable {
    private struct State {
        var byNode: [Node: UInt64] = [.root: 1]
        var byInode: [UInt64: Node] = [1: .root]
        var next: UInt64 = 2
    }

    private let state = Mutex(State())

    /// The inode for `node`, assigned now if it has none.
    func inode(for node: Node) -> UInt64 {
        state.withLock { state in
            if let inode = state.byNode[node] { return inode }
            let inode = state.next
            state.next += 1
            state.byNode[node] = inode
            state.byInode[inode] = node
            return inode
        }
    }

    /// The node behind `inode`.
    /// - Throws: `ENOENT` for a number this mount never gave out.
    func node(_ inode: UInt64) throws(FileSystemError) -> Node {
        guard let node = state.withLock({ $0.byInode[inode] }) else { throw .noSuchEntry }
        return node
    }
}
