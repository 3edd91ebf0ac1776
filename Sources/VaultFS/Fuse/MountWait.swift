import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Waiting for a mount to come up without polling the path: the kernel reports every change of this mount
/// namespace's table (a mount made here, or one propagated in from another namespace) to `poll(2)` on
/// `/proc/self/mountinfo` as `POLLPRI`.
public enum MountWait {
    /// Waits until a live FUSE mount is at `path` — listed in the mount table and answering `stat` — or
    /// `timeout` passes.
    /// - Returns: whether the mount is live.
    public static func untilMounted(_ path: String, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let table = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        defer { if table >= 0 { close(table) } }
        while true {
            // Checked after opening the table, so a mount made in between wakes the poll below.
            if isLive(path) { return true }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero, table >= 0 else { return false }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: table, events: Int16(POLLPRI), revents: 0)
            if poll(&entry, 1, milliseconds) < 0 && errno != EINTR { return false }
        }
    }

    /// Whether a FUSE mount is listed at `path` and its daemon answers (a dead one says `ENOTCONN`).
    public static func isLive(_ path: String) -> Bool {
        if case .mounted = StaleMount.state(of: path) { return true }
        return false
    }
}
