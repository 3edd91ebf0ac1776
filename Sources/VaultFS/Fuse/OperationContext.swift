#if canImport(Glibc)
import Glibc
#endif

/// The process that made a request, as the kernel reports it (`fuse_req_ctx`).
///
/// `pid` is the calling thread's id in the daemon's pid namespace; any field may be 0 when the caller
/// lives outside the daemon's pid or user namespace. Supplementary groups are not part of a FUSE request.
public struct OperationContext: Sendable, Hashable {
    /// The caller's effective user id.
    public var uid: uid_t
    /// The caller's effective group id.
    public var gid: gid_t
    /// The caller's thread id.
    public var pid: pid_t
    /// The caller's umask (meaningful for create and mkdir).
    public var umask: mode_t
    /// Whether the kernel has asked to stop this request (its caller was signalled).
    public var interruption: RequestInterruption

    /// Builds a context; the bridge does this from each request.
    public init(uid: uid_t, gid: gid_t, pid: pid_t, umask: mode_t = 0, interruption: RequestInterruption = .never) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.umask = umask
        self.interruption = interruption
    }
}
