import Foundation
import Logging
import Synchronization

/// Audit lines of operations that changed nothing (reads, listings, denials, failures) wait here briefly and
/// are written in batches, so a read costs no write transaction of its own. Operations that change the store
/// write their line in their own transaction, after draining this queue, so every line queued before a change
/// is in the chain before it.
///
/// Identical lines of one caller are folded (`AuditAggregate`): the first opens a window, repeats within it add
/// to its count, and the line is written when the window closes — `window` after it opened, as soon as every
/// process it names has exited (for a success, and for the first refusal or failure of its kind: a repeat of
/// one that just closed waits for its window, so a refused loop that starts a process per request writes one
/// line per window), before the line of any
/// change, when the log is read or verified in this process, and when the engine is released. The background
/// writer runs every 20 ms; a process killed outright loses at most the window's lines of reads and denials,
/// never the record of a change.
final class AuditQueue: Sendable {
    private struct State {
        var open: [AuditRecord: AuditAggregate] = [:]
        /// Lines whose window closed, in order, waiting to be written.
        var ready: [AuditRecord] = []
        /// Keys whose line was written less than a window ago, with when it closed.
        var recentlyClosed: [AuditRecord: ContinuousClock.Instant] = [:]
        var next: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Held while a flush writes, so a flush that finds the queue empty also waits for lines another
    /// thread took from it and is still writing (a reader of the log then sees them).
    private let flushing = Mutex<Void>(())
    private let stopped = Atomic<Bool>(false)
    /// The aggregation window in milliseconds; 0 writes every line as it comes.
    private let windowMillis: Atomic<Int>
    private let backend: any StoreBackend
    private let key: HMACSHA256Key
    private let logger: Logger

    /// The default aggregation window.
    static let defaultWindow: TimeInterval = 1

    init(backend: any StoreBackend, key: HMACSHA256Key, logger: Logger, window: TimeInterval = AuditQueue.defaultWindow) {
        self.backend = backend
        self.key = key
        self.logger = logger
        self.windowMillis = Atomic(Int((window * 1000).rounded()))
        let thread = Thread { [weak self] in
            while let queue = self, !queue.stopped.load(ordering: .relaxed) {
                queue.flushLogged(closingAll: false)
                withExtendedLifetime(queue) {}
                usleep(20_000)
            }
        }
        thread.name = "kvfs-audit"
        thread.start()
    }

    /// The aggregation window: identical lines within it become one.
    var window: TimeInterval {
        get { TimeInterval(windowMillis.load(ordering: .relaxed)) / 1000 }
        set { windowMillis.store(max(0, Int((newValue * 1000).rounded())), ordering: .relaxed) }
    }

    /// Queues a line: folded into an open one of its kind, or opening a window of its own. Inside a batch
    /// (`AuditBatch.current`) the batch folds it instead.
    func enqueue(_ record: AuditRecord) {
        if let batch = AuditBatch.current {
            batch.add(record)
            return
        }
        guard windowMillis.load(ordering: .relaxed) > 0 else {
            state.withLock { $0.ready.append(record) }
            return
        }
        let key = AuditAggregate.key(of: record)
        state.withLock { state in
            if state.open[key] != nil {
                state.open[key]!.add(record)
                return
            }
            state.open[key] = AuditAggregate(record, opened: .now, order: state.next,
                                             closesOnExit: record.resultType == "Success" || state.recentlyClosed[key] == nil)
            state.next += 1
        }
    }

    /// How many folded lines are still open (waiting for their window to close).
    var openLineCount: Int { state.withLock { $0.open.count } }

    /// Queues a finished batch's lines, each already folded, as closed lines.
    func enqueue(_ batch: AuditBatch) {
        let lines = batch.folded.map(\.closed)
        guard !lines.isEmpty else { return }
        state.withLock { $0.ready.append(contentsOf: lines) }
    }

    /// Runs `body` as one batch: the audit lines of its requests are folded together and queued when it ends.
    func batch<T>(_ body: () throws -> T) rethrows -> T {
        let batch = AuditBatch()
        defer { enqueue(batch) }
        return try AuditBatch.$current.withValue(batch) { try body() }
    }

    /// Takes the lines to write now: every line when `closingAll`, else those whose window is over.
    private func take(closingAll: Bool) -> [AuditRecord] {
        let now = ContinuousClock.now
        let window = Duration.milliseconds(windowMillis.load(ordering: .relaxed))
        return state.withLock { state -> [AuditRecord] in
            var due: [AuditAggregate] = []
            for (key, aggregate) in state.open
            where closingAll || now - aggregate.opened >= window || (aggregate.closesOnExit && aggregate.everyProcessExited) {
                due.append(aggregate)
                state.open.removeValue(forKey: key)
                state.recentlyClosed[key] = now
            }
            state.recentlyClosed = state.recentlyClosed.filter { now - $0.value < window }
            var lines = state.ready
            state.ready.removeAll()
            lines += due.sorted { $0.order < $1.order }.map(\.closed)
            return lines
        }
    }

    /// Puts lines back at the front after a failed write.
    private func putBack(_ lines: [AuditRecord]) {
        state.withLock { $0.ready.insert(contentsOf: lines, at: 0) }
    }

    /// Writes every queued line inside `tx`, open windows included (used by changing operations before their
    /// own line, so the chain keeps every earlier line before the change).
    func drain(in tx: any StoreTransaction) throws {
        try write(take(closingAll: true), in: tx)
    }

    private func write(_ lines: [AuditRecord], in tx: any StoreTransaction) throws {
        do {
            try AuditChain.append(lines, key: key, in: tx)
        } catch {
            putBack(lines)
            throw error
        }
    }

    /// Writes every queued line now, open windows included.
    func flush() throws {
        try flush(closingAll: true)
    }

    private func flush(closingAll: Bool) throws {
        try flushing.withLock { _ in
            let lines = take(closingAll: closingAll)
            guard !lines.isEmpty else { return }
            do {
                try backend.appendAudit { tx in try AuditChain.append(lines, key: key, in: tx) }
            } catch {
                putBack(lines)
                throw error
            }
        }
    }

    private func flushLogged(closingAll: Bool) {
        do { try flush(closingAll: closingAll) } catch {
            logger.error("could not write audit lines; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Flushes every line, open windows included, and stops the background writer.
    func close() {
        stopped.store(true, ordering: .relaxed)
        flushLogged(closingAll: true)
    }
}
