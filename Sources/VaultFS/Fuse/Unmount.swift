#if canImport(Glibc)
import Glibc
#endif

/// Unmounting FUSE mountpoints and recovering dead ones.
public enum FuseUnmount {
    /// Unmounts the FUSE file system at `path`: `fusermount3 -u` (with `-z` when `lazy`), falling back to
    /// `umount2` when running as root. A lazy unmount detaches the mount even while files are open.
    /// - Throws: ``FuseMountError/Code/unmountFailed`` with both tools' messages.
    public static func unmount(_ path: String, lazy: Bool = false) throws(FuseMountError) {
        let target = MountTable.canonicalPath(path)
        let fusermount = ExternalCommand.run(["fusermount3", "-u"] + (lazy ? ["-z"] : []) + ["--", target])
        if fusermount.succeeded { return }
        var reasons = ["fusermount3: \(fusermount.output)"]
        if geteuid() == 0 {
            // MNT_DETACH = 2 (sys/mount.h), not imported into Swift.
            if umount2(target, lazy ? 2 : 0) == 0 { return }
            reasons.append("umount2: \(String(cString: strerror(errno)))")
        }
        throw FuseMountError(.unmountFailed,
                             "Cannot unmount \(target) (\(reasons.joined(separator: "; "))). "
                                 + (lazy ? "" : "If files are still open there, close them or unmount lazily."),
                             path: target)
    }
}
