import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// Tells the kernel that something it may cache changed behind its back (`fuse_lowlevel_notify_inval_inode`,
/// and `_expire_entry` for names): the next `stat` asks again, mapped pages are dropped, and a cached name is
/// looked up afresh. Call it from a thread of your own, never from inside a request handler (libfuse's
/// README.notifications: the kernel may wait for that very request and deadlock). Safe from any thread;
/// after the mount ends every call answers `ENOTCONN` and does nothing.
public final class KernelNotifier: Sendable {
    let gate: SessionGate

    init(gate: SessionGate) { self.gate = gate }

    /// Drops the kernel's cached attributes and pages of `inode`. Returns 0, or a negated errno (`-ENOENT`
    /// when the kernel does not hold the inode, which is fine).
    @discardableResult
    public func invalidateInode(_ inode: UInt64) -> Int32 {
        gate.withSession { fuse_lowlevel_notify_inval_inode($0, fuse_ino_t(inode), 0, 0) }
    }

    /// Marks the kernel's cached entry `name` in directory `parent` expired, so the next path walk through it
    /// looks it up again. Expiry, not `fuse_lowlevel_notify_inval_entry`: an invalidated entry is unhashed,
    /// so a process whose working directory it is gets `ENOENT` from `getcwd` and open files show as
    /// "(deleted)" in `/proc`; an expired one stays in place until looked up. Returns 0, or a negated errno
    /// (`-ENOENT` when no such entry is cached, `-ENOSYS` on a kernel without FUSE_EXPIRE_ONLY, where nothing
    /// is done).
    @discardableResult
    public func expireEntry(parent: UInt64, name: String) -> Int32 {
        gate.withSession { session in
            name.withCString { fuse_lowlevel_notify_expire_entry(session, fuse_ino_t(parent), $0, strlen($0), FUSE_LL_EXPIRE_ONLY) }
        }
    }
}

/// A pending `poll(2)` on an open file (libfuse's `fuse_pollhandle`): the kernel sleeps until ``notify()``
/// and then polls again. Destroyed with the value; a newer waiter on the same file replaces an older one.
public final class PollWaiter: @unchecked Sendable {
    // @unchecked: the handle is only passed to libfuse, whose poll notification is thread-safe, under the gate.
    private let handle: OpaquePointer
    private let gate: SessionGate

    init(_ handle: OpaquePointer, gate: SessionGate) {
        self.handle = handle
        self.gate = gate
    }

    deinit { fuse_pollhandle_destroy(handle) }

    /// Wakes the poller: the kernel asks for the file's events again.
    public func notify() {
        _ = gate.withSession { _ in fuse_lowlevel_notify_poll(handle) }
    }
}

/// `poll(2)` event bits a file reports.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Readable and writable without blocking: what every regular file reports (the kernel's default).
    public static let ready = PollEvents(rawValue: UInt32(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM))
    /// "Priority" data: kvfs reports it once per change of the object behind the open file (sysfs's way).
    public static let priority = PollEvents(rawValue: UInt32(POLLPRI))
}
