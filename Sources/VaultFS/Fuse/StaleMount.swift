#if canImport(Glibc)
import Glibc
#endif

/// What is at a mountpoint.
public enum MountState: Sendable, Hashable {
    /// No FUSE file system is mounted there.
    case notMounted
    /// A FUSE file system is mounted and answers.
    case mounted(fileSystemType: String)
    /// A FUSE mount whose daemon is gone: every access fails with `ENOTCONN`.
    case stale(fileSystemType: String?)
}

/// Finding and clearing dead FUSE mounts ("Transport endpoint is not connected"), which a crashed
/// daemon leaves behind and which block a new mount at the same place.
public enum StaleMount {
    /// What is mounted at `path`. A stale mount is one where `stat` fails with `ENOTCONN`; the kernel
    /// answers that without asking any daemon. Note that `stat` on a live mount whose daemon hangs blocks.
    public static func state(of path: String) -> MountState {
        let target = MountTable.canonicalPath(path)
        let listed = MountTable.mount(at: target)
        var status = stat()
        if stat(target, &status) != 0 && errno == ENOTCONN {
            return .stale(fileSystemType: listed?.fileSystemType)
        }
        if let listed, listed.isFuse {
            return .mounted(fileSystemType: listed.fileSystemType)
        }
        return .notMounted
    }

    /// True if `path` holds a dead FUSE mount.
    public static func isStale(_ path: String) -> Bool {
        if case .stale = state(of: path) { return true }
        return false
    }

    /// Lazily unmounts a dead FUSE mount at `path` (`fusermount3 -u -z`, falling back to `umount -l`).
    /// Does nothing when the path is not stale.
    /// - Throws: ``FuseMountError/Code/unmountFailed`` when neither tool could detach it.
    public static func recover(_ path: String) throws(FuseMountError) {
        let target = MountTable.canonicalPath(path)
        guard isStale(target) else { return }
        let fusermount = ExternalCommand.run(["fusermount3", "-u", "-z", "--", target])
        if fusermount.succeeded && !isStale(target) { return }
        let umount = ExternalCommand.run(["umount", "-l", target])
        if umount.succeeded && !isStale(target) { return }
        throw FuseMountError(.unmountFailed,
                             "\(target) is a dead FUSE mount (Transport endpoint is not connected) and could not "
                                 + "be detached: fusermount3: \(fusermount.output); umount: \(umount.output). "
                                 + "Run `umount -l \(target)` as root.",
                             path: target)
    }
}
