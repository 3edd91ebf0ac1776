import Foundation
import Logging
import Synchronization

/// Audit lines of operations that changed nothing (reads, listings, denials, failures) wait here briefly and
/// are written in batches, so a read costs no write transaction of its own. Operations that change the store
/// write their line in their own transaction, after draining this queue, so the chain keeps the order in
/// which things happened. The queue is flushed every 20 ms, when the engine is released, and before the log
/// is read or verified; a process killed outright can lose at most the last 20 ms of read records, never the
/// record of a change.
final class AuditQueue: Sendable {
    private let pending = Mutex<[AuditRecord]>([])
    /// Held while a flush writes, so a flush that finds the queue empty also waits for lines another
    /// thread took from it and is still writing (a reader of the log then sees them).
    private let flushing = Mutex<Void>(())
    private let stopped = Atomic<Bool>(false)
    private let backend: any StoreBackend
    private let key: HMACSHA256Key
    private let logger: Logger

    init(backend: any StoreBackend, key: HMACSHA256Key, logger: Logger) {
        self.backend = backend
        self.key = key
        self.logger = logger
        let thread = Thread { [weak self] in
            while let queue = self, !queue.stopped.load(ordering: .relaxed) {
                queue.flushLogged()
                withExtendedLifetime(queue) {}
                usleep(20_000)
            }
        }
        thread.name = "kvfs-audit"
        thread.start()
    }

    /// Queues a line for the next batch.
    func enqueue(_ record: AuditRecord) {
        pending.withLock { $0.append(record) }
    }

    /// Writes every queued line inside `tx` (used by changing operations before their own line).
    func drain(in tx: any StoreTransaction) throws {
        let records = pending.withLock { queue -> [AuditRecord] in
            defer { queue.removeAll() }
            return queue
        }
        do {
            try AuditChain.append(records, key: key, in: tx)
        } catch {
            pending.withLock { $0.insert(contentsOf: records, at: 0) }
            throw error
        }
    }

    /// Writes every queued line now.
    func flush() throws {
        try flushing.withLock { _ in
            guard pending.withLock({ !$0.isEmpty }) else { return }
            try backend.appendAudit { tx in try drain(in: tx) }
        }
    }

    private func flushLogged() {
        do { try flush() } catch { logger.error("could not write audit lines; will retry", metadata: ["error": "\(error)"]) }
    }

    /// Flushes and stops the background writer.
    func close() {
        stopped.store(true, ordering: .relaxed)
        flushLogged()
    }
}
