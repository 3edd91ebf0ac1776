import Foundation
import Logging
import Synchronization
import VaultEngine

/// Keeps a mount true to changes made anywhere — `kvfs secret set` from another process, later a REST server
/// or another host on a shared store — without polling the database: a thread waits on the store's commit
/// listener (inotify on the change signal), reads the change feed after the last sequence number it applied,
/// and then, for what changed, invalidates the kernel's caches of the inodes it holds (attributes, mapped
/// pages, names: expired, never unhashed) and wakes the `poll(2)` waiters of open files (``ChangeSubscriptions``).
///
/// Reads need none of this to be right: entries and attributes are replied with timeout 0 and every open
/// reads the store afresh. The invalidation covers what the kernel does keep (mapped pages, a name a
/// process holds), and the wake is the rotation signal `kvfs watch` waits on. Runs on a thread of its own,
/// never inside a request handler (libfuse: a notification from a handler may deadlock).
final class ChangeWatcher: Sendable {
    private let engine: VaultEngine
    private let tree: VaultTree
    private let kernel: KernelNotifier
    private let logger: Logger
    private let listener: ChangeFeed.Listener
    private let stopped = Atomic<Bool>(false)
    /// Batches applied (for tests and the log).
    let applied = Atomic<Int>(0)

    /// Starts watching from the feed's newest change.
    /// - Throws: store errors (the store cannot be watched).
    init(engine: VaultEngine, tree: VaultTree, kernel: KernelNotifier, logger: Logger) throws {
        self.engine = engine
        self.tree = tree
        self.kernel = kernel
        self.logger = logger
        listener = try engine.changes.listen()
        let start = try engine.changes.latest()
        tree.subscriptions.start(at: start)
        let thread = Thread { [self] in run(from: start) }
        thread.name = "kvfs-changes"
        thread.start()
    }

    /// Ends the watch; the thread finishes its batch and returns.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        listener.close()
    }

    private func run(from start: Int64) {
        var sequence = start
        while !stopped.load(ordering: .relaxed) {
            guard listener.wait() else { continue }
            do {
                sequence = try apply(after: sequence)
            } catch {
                logger.error("could not read the store's change feed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Reads every change after `sequence` and applies it; returns the last sequence number applied.
    private func apply(after sequence: Int64) throws -> Int64 {
        var paths = ChangedPaths()
        var last = sequence
        while true {
            let page = try engine.changes.changes(after: last)
            if page.gap {
                logger.notice("the store's change feed moved on past this mount's place; treating everything as changed")
                paths = .all
            }
            for change in page.changes { paths.add(change) }
            last = page.changes.last?.sequence ?? max(last, page.latest)
            if !page.hasMore { break }
        }
        guard !paths.isEmpty else { return last }
        tree.subscriptions.changed(paths, at: last)
        for held in tree.inodes.held(touchedBy: paths) {
            let inode = kernel.invalidateInode(held.inode)
            let entry = held.parent.map { kernel.expireEntry(parent: $0, name: held.name) }
            logger.debug("invalidated a changed node", metadata: ["inode": "\(held.inode)", "inode-result": "\(inode)",
                                                                "entry-result": "\(entry.map(String.init) ?? "-")"])
        }
        applied.add(1, ordering: .relaxed)
        return last
    }
}
