import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wakes a process when a transaction commits in the store, in any process, without reading the database:
/// the push half of the change feed (the feed itself is the catch-up read). The SQLite store watches its
/// change signal file with inotify (every write transaction rewrites it after it commits); a PostgreSQL
/// store would LISTEN on a channel its feed triggers NOTIFY.
protocol StoreChangeListener: Sendable {
    /// Blocks until a commit may have happened since the last call (true), `timeout` passes (false; `nil`
    /// waits for ever), or `close()` is called (false).
    func wait(timeout: TimeInterval?) -> Bool
    /// Ends every wait, now and later.
    func close()
}

/// ``StoreChangeListener`` over inotify on `kvfs.signal`: `IN_MODIFY` arrives once per rewrite of the token.
/// A wake may be spurious (the rewrite before a transaction begins); readers then find nothing new.
final class SignalFileListener: StoreChangeListener, @unchecked Sendable {
    // @unchecked: the descriptors are set once in init; reads of inotify events happen on the one waiting
    // thread, and `close()` only writes the wake pipe.
    private let inotify: Int32
    private let wake: Int32
    private let wakeWriter: Int32

    /// Starts watching the signal file at `path`.
    /// - Throws: `VaultError.storeFailure` when inotify cannot be set up (out of watches, for example).
    init(path: String) throws {
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else {
            throw VaultError(.storeFailure, "Cannot watch the store for changes: inotify_init1 failed: \(String(cString: strerror(errno))).")
        }
        guard inotify_add_watch(inotify, path, UInt32(IN_MODIFY | IN_CLOSE_WRITE)) >= 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(inotify)
            throw VaultError(.storeFailure, "Cannot watch the store's change signal '\(path)': \(message). Raise fs.inotify.max_user_watches if it is exhausted.")
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            Glibc.close(inotify)
            throw VaultError(.storeFailure, "Cannot watch the store for changes: pipe2 failed: \(String(cString: strerror(errno))).")
        }
        wake = pipeEnds[0]
        wakeWriter = pipeEnds[1]
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(wakeWriter, F_SETFL, O_NONBLOCK)
    }

    deinit {
        Glibc.close(inotify)
        Glibc.close(wake)
        Glibc.close(wakeWriter)
    }

    func wait(timeout: TimeInterval?) -> Bool {
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        let milliseconds = timeout.map { Int32(max(0, min($0 * 1000, Double(Int32.max)))) } ?? -1
        while true {
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return false }
            break
        }
        if fds[1].revents != 0 { return false }
        // Drain every queued event: one wake stands for all commits so far.
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(inotify, $0.baseAddress, $0.count) }) > 0 {}
        return true
    }

    func close() {
        var one: UInt8 = 1
        _ = write(wakeWriter, &one, 1)
    }
}
