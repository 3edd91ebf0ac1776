extension FuseMount {
    /// How a file system is mounted and served.
    public struct Options: Sendable, Hashable {
        /// Let every user reach the mount (`-o allow_other`). A non-root mounter needs
        /// `user_allow_other` in `/etc/fuse.conf` (``FuseMount/checkPrivileges(allowOther:)``). On by default:
        /// kvfs serves many users.
        public var allowOther: Bool = true
        /// The mount source shown by `mount` and `df` (`-o fsname=`).
        public var fileSystemName: String = "kvfs"
        /// The type suffix: the mount shows as `fuse.<subtype>` (`-o subtype=`).
        public var subtype: String = "kvfs"
        /// More `-o` options, passed through as written. `default_permissions` is deliberately not set by
        /// default: the file system decides access per caller.
        public var additionalOptions: [String] = []
        /// Idle worker threads libfuse keeps around.
        public var maxIdleThreads: UInt32 = 10
        /// Upper bound on worker threads.
        public var maxThreads: UInt32 = 16
        /// One `/dev/fuse` descriptor per worker (`clone_fd`). Off: one shared descriptor.
        public var cloneFD: Bool = false
        /// Install SIGINT/SIGTERM/SIGHUP handlers that end the loop and unmount cleanly, and unblock those
        /// signals on the thread that calls ``FuseMount/run(readiness:)`` while it serves (a process may
        /// inherit them blocked). Call `run` from the main thread, so a signal sent to the process finds
        /// it. Only one mount per process may handle signals at a time. A signal the process inherited as
        /// ignored (`nohup`) stays ignored: libfuse installs its handler only over the default action.
        public var handlesSignals: Bool = true
        /// libfuse's debug output on stderr (`-d`).
        public var debug: Bool = false

        /// The defaults: allow_other, fsname and subtype `kvfs`, signal handling on.
        public init() {}

        /// The argument vector for `fuse_session_new`.
        var arguments: [String] {
            var mountOptions = ["fsname=\(fileSystemName)", "subtype=\(subtype)"]
            if allowOther { mountOptions.append("allow_other") }
            // A process that cannot mount by itself goes through the setuid fusermount3: libfuse takes that path
            // for auto_unmount, which also takes the mount away if this process dies.
            if FuseMount.mountsThroughFusermount { mountOptions.append("auto_unmount") }
            mountOptions += additionalOptions
            return ["kvfs", "-o", mountOptions.joined(separator: ",")] + (debug ? ["-d"] : [])
        }
    }
}
