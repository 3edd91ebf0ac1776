import Synchronization

/// What open files learn of changes to the objects behind them: `poll(2)` on a secret's or a key's or a
/// certificate's file reports `POLLPRI` once for each batch of changes to that object after the file was
/// opened (or since it last reported one), whoever made the change — this mount, `kvfs secret set`, another
/// host. That is the signal `kvfs watch` waits on; nothing polls the database.
///
/// Lock order: taken alone; waiters are woken after it is released.
final class ChangeSubscriptions: Sendable {
    private struct Subscription {
        var path: String
        /// The feed's sequence number of the last change to this object (or the number when it was opened).
        var latest: Int64
        /// The number last reported to a poll.
        var reported: Int64
        var waiter: PollWaiter?
    }

    private struct State {
        /// The newest sequence number the mount has applied.
        var sequence: Int64 = 0
        var byHandle: [UInt64: Subscription] = [:]
    }

    private let state = Mutex(State())

    /// Starts counting changes for an open file of the node at `path`.
    func opened(handle: UInt64, path: String) {
        state.withLock { state in
            state.byHandle[handle] = Subscription(path: path, latest: state.sequence, reported: state.sequence)
        }
    }

    /// The file was released.
    func released(handle: UInt64) {
        let gone = state.withLock { $0.byHandle.removeValue(forKey: handle) }
        _ = gone // its waiter, if any, is destroyed here, outside the lock
    }

    /// The feed was applied up to `sequence`, and `paths` changed in it: wakes the pollers of those files.
    func changed(_ paths: ChangedPaths, at sequence: Int64) {
        let woken = state.withLock { state -> [PollWaiter] in
            state.sequence = max(state.sequence, sequence)
            var woken: [PollWaiter] = []
            for (handle, var subscription) in state.byHandle where paths.touches(subscription.path) {
                subscription.latest = sequence
                if let waiter = subscription.waiter { woken.append(waiter) }
                subscription.waiter = nil
                state.byHandle[handle] = subscription
            }
            return woken
        }
        for waiter in woken { waiter.notify() }
    }

    /// The mount starts from `sequence` (the feed's newest number at mount time).
    func start(at sequence: Int64) { state.withLock { $0.sequence = sequence } }

    /// Whether the object behind `handle` changed since the last report (then reported now); otherwise
    /// `waiter` (if any) is kept to be woken by the next change. `nil` for a handle that is not subscribed.
    func poll(handle: UInt64, waiter: PollWaiter?) -> Bool? {
        let (changed, replaced) = state.withLock { state -> (Bool?, PollWaiter?) in
            guard var subscription = state.byHandle[handle] else { return (nil, nil) }
            defer { state.byHandle[handle] = subscription }
            if subscription.latest > subscription.reported {
                subscription.reported = subscription.latest
                return (true, nil)
            }
            guard let waiter else { return (false, nil) }
            let replaced = subscription.waiter
            subscription.waiter = waiter
            return (false, replaced)
        }
        _ = replaced // an older waiter on the same file is destroyed outside the lock
        return changed
    }

    /// How many files are subscribed (for tests).
    var count: Int { state.withLock { $0.byHandle.count } }
}
