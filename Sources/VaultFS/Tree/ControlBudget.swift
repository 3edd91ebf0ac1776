import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What each caller (uid) may hold through control files in a mount (see `ControlBudget`).
public struct ControlFileLimits: Sendable, Equatable {
    /// Control files one uid may have open at once.
    public var openFiles: Int
    /// Bytes of requests and responses one uid's open control files may hold.
    public var pendingBytes: Int

    /// 64 open control files and 16 MiB per uid.
    public static let standard = ControlFileLimits(openFiles: 64, pendingBytes: 16 << 20)

    public init(openFiles: Int, pendingBytes: Int) {
        self.openFiles = openFiles
        self.pendingBytes = pendingBytes
    }
}

/// What each caller (uid) may hold in the mount's memory through control files, so that no role can exhaust
/// the daemon: at most `ControlFileLimits.openFiles` control files open at once (the next open is `EMFILE`), and at most
/// `ControlFileLimits.pendingBytes` of requests being written and responses not yet replaced across them (a write that
/// would pass it is `EAGAIN`; reading a response and closing the file, or writing the next request on it, gives
/// the room back). A response is kept whole even when it passes the bound, so a caller holds at most the bound
/// plus one response. Callers never share a budget: one caller at its limit leaves every other unaffected.
///
/// Lock order: a handle's lock before this one; this lock is never held while taking another.
final class ControlBudget: Sendable {
    private struct Usage {
        var files = 0
        var bytes = 0
    }

    let limits: ControlFileLimits
    private let usage = Mutex<[UInt32: Usage]>([:])

    init(_ limits: ControlFileLimits) { self.limits = limits }

    /// Counts one more open control file of `uid`.
    /// - Throws: `EMFILE` when `uid` already has `openFiles` open.
    func admit(uid: UInt32) throws(FileSystemError) {
        try usage.withLock { table throws(FileSystemError) in
            var entry = table[uid] ?? Usage()
            guard entry.files < limits.openFiles else { throw FileSystemError(EMFILE) }
            entry.files += 1
            table[uid] = entry
        }
    }

    /// Gives back one control file of `uid` and the `bytes` it held.
    func release(uid: UInt32, bytes: Int) {
        usage.withLock { table in
            guard var entry = table[uid] else { return }
            entry.files -= 1
            entry.bytes -= bytes
            table[uid] = entry.files <= 0 ? nil : entry
        }
    }

    /// Takes `growth` more bytes for `uid` (nothing when it is not positive).
    /// - Throws: `EAGAIN` when that would pass `pendingBytes`; nothing is taken.
    func reserve(uid: UInt32, growth: Int) throws(FileSystemError) {
        guard growth > 0 else { return }
        try usage.withLock { table throws(FileSystemError) in
            var entry = table[uid] ?? Usage()
            guard entry.bytes + growth <= limits.pendingBytes else { throw FileSystemError(EAGAIN) }
            entry.bytes += growth
            table[uid] = entry
        }
    }

    /// Records that `uid` now holds `delta` bytes more (or fewer, when negative), without refusing.
    func adjust(uid: UInt32, by delta: Int) {
        guard delta != 0 else { return }
        usage.withLock { table in
            guard var entry = table[uid] else { return }
            entry.bytes += delta
            table[uid] = entry
        }
    }

    /// What `uid` holds now (for tests and the daemon's figures).
    func held(by uid: UInt32) -> (files: Int, bytes: Int) {
        usage.withLock { table in (table[uid]?.files ?? 0, table[uid]?.bytes ?? 0) }
    }
}
