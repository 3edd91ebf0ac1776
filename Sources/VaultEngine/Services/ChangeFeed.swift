import Foundation

/// The store's change feed (docs/store-format.md): every committed change to a vault or an object, by any
/// process — a mount, `kvfs secret set`, later a REST server or another host on a shared database — numbered
/// in commit order. A long-lived front-end (the mount) remembers the last number it saw, waits on a
/// ``ChangeFeed/Listener`` (woken by commits, never polling the database) and reads what came after.
///
/// The feed names what changed (vault, family, name) and holds no value. It serves the process that opened
/// the store; it decides nothing for callers and writes no audit line, as a `stat` does not.
public struct ChangeFeed: Sendable {
    let context: EngineContext

    /// The newest sequence number in the feed (0 when it is empty).
    /// - Throws: store errors.
    public func latest() throws -> Int64 {
        try context.backend.read { try $0.changes(afterSeq: Int64.max - 1, limit: 0).latest }
    }

    /// The changes committed after `sequence`, oldest first, at most `limit` of them.
    /// - Throws: store errors.
    public func changes(after sequence: Int64, limit: Int = 1024) throws -> StoreChangePage {
        try context.backend.read { try $0.changes(afterSeq: sequence, limit: max(1, limit)) }
    }

    /// Starts listening for commits to the store.
    /// - Throws: `VaultError.storeFailure` when the store cannot be watched.
    public func listen() throws -> Listener {
        Listener(source: try context.backend.changeListener())
    }

    /// Wakes when a transaction commits in the store, from any process. Wakes may be spurious; read the feed
    /// after each to learn what changed.
    public final class Listener: Sendable {
        let source: any StoreChangeListener

        init(source: any StoreChangeListener) { self.source = source }

        /// Blocks until a commit may have happened since the last call (true), `timeout` seconds pass (false;
        /// `nil` waits for ever), or ``close()`` is called (false).
        public func wait(timeout: TimeInterval? = nil) -> Bool { source.wait(timeout: timeout) }

        /// Ends every wait, now and later. Safe from any thread.
        public func close() { source.close() }
    }
}
