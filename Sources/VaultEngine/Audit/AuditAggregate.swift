import Foundation

/// Identical audit lines of one caller folded into one line with a count, so that a tool that asks the same
/// thing many times (`getfattr -d` reads every attribute, `ls -l` stats and lists) or a loop that is refused
/// over and over writes one line per window, not one per request, and the trail stays exact: the counts of the
/// lines add up to the requests made.
///
/// Two lines are identical when everything but their time and pid is: caller uid, gid and executable, the
/// operation, vault, collection, object, version, algorithm, result, error code and reason, principal,
/// assignment and role. The folded line is the first request's line (its time, its pid) with `count`,
/// `lastTime` and the other pids that asked (`otherPids`, `pidCount`).
struct AuditAggregate {
    /// How many pids a line names (its own and `otherPids`); past that, only how many there were (`pidCount`).
    static let maxPids = 16

    /// The first request's line; `count`, `lastTime` and the pids are filled in by `closed`.
    private(set) var record: AuditRecord
    private(set) var count: Int64 = 1
    private var lastTime: String
    /// Distinct pids in the order they first asked, the first one being `record.caller.pid`.
    private(set) var pids: [Int32]
    private var pidCount: Int64 = 1
    /// When the window opened (monotonic).
    let opened: ContinuousClock.Instant
    /// The order in which aggregates opened, so lines closed together are written in that order.
    let order: UInt64
    /// Whether the line may be written as soon as every process it names has exited (a success, or the first
    /// refusal or failure of its kind in a window; repeats of a refusal that just closed wait for the window, so
    /// a refused loop that starts a process per request still writes one line per window).
    let closesOnExit: Bool

    init(_ record: AuditRecord, opened: ContinuousClock.Instant, order: UInt64, closesOnExit: Bool) {
        self.record = record
        self.lastTime = record.time
        self.pids = [record.caller.pid]
        self.opened = opened
        self.order = order
        self.closesOnExit = closesOnExit
    }

    /// What decides whether two lines fold: the line without its time, sequence, link and pid.
    static func key(of record: AuditRecord) -> AuditRecord {
        var key = record
        key.time = ""
        key.seq = 0
        key.prev = ""
        key.caller.pid = 0
        return key
    }

    /// Folds one more identical request in.
    mutating func add(_ other: AuditRecord) {
        count += 1
        lastTime = other.time
        if !pids.contains(other.caller.pid) {
            pidCount += 1
            if pids.count < AuditAggregate.maxPids { pids.append(other.caller.pid) }
        }
    }

    /// Whether every process this line names has exited (only checked while it names all of them).
    var everyProcessExited: Bool {
        guard Int64(pids.count) == pidCount else { return false }
        return pids.allSatisfy { pid in pid > 0 && kill(pid, 0) != 0 && errno == ESRCH }
    }

    /// The line to write: the first request's, with the count and the others when there was more than one.
    var closed: AuditRecord {
        var line = record
        guard count > 1 else { return line }
        line.count = count
        line.lastTime = lastTime
        let others = Array(pids.dropFirst())
        if !others.isEmpty { line.otherPids = others }
        if pidCount > Int64(pids.count) { line.pidCount = pidCount }
        return line
    }
}

/// The lines of one batch of requests (a control file's array of key operations), folded as they come and
/// handed to the queue together when the batch ends: a batch of a thousand verifies writes one line per
/// operation, algorithm and outcome, however long it runs.
final class AuditBatch: @unchecked Sendable {
    /// The batch the current thread is running, if any.
    @TaskLocal static var current: AuditBatch?

    // Only the thread running the batch touches these (the batch runs synchronously on it).
    private var aggregates: [AuditRecord: AuditAggregate] = [:]
    private var next: UInt64 = 0

    /// Folds `record` into the batch.
    func add(_ record: AuditRecord) {
        let key = AuditAggregate.key(of: record)
        if aggregates[key] != nil {
            aggregates[key]!.add(record)
        } else {
            aggregates[key] = AuditAggregate(record, opened: .now, order: next, closesOnExit: false)
            next += 1
        }
    }

    /// The batch's aggregates in the order their first request came.
    var folded: [AuditAggregate] { aggregates.values.sorted { $0.order < $1.order } }
}
