import CFuse
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One FUSE mount served by a ``FileSystemOperations`` implementation through libfuse's low-level API.
///
/// ```swift
/// let mount = try FuseMount(at: "/run/kvfs", operations: tree)   // the kernel has the mount now
/// try mount.run(readiness: notifier)                            // serves until unmounted or signalled
/// ```
///
/// `init` checks the mountpoint and mounts; ``run(readiness:)`` serves requests on libfuse's worker
/// threads until the file system is unmounted (``unmount(lazy:)``, `fusermount3 -u`, `umount`) or, when
/// ``Options/handlesSignals`` is on, SIGINT/SIGTERM/SIGHUP arrive (unblocked on the serving thread
/// whatever mask the process inherited); it then unmounts and destroys the session. A mount that is never run is unmounted by ``close()`` or when it is released.
///
/// Do no file I/O on the mount from the serving process itself: it can deadlock (unmount, exhausted
/// workers). Tests and tools act on it from child processes.
public final class FuseMount: @unchecked Sendable {
    // @unchecked: `session` and `dispatcher` are set once in init and torn down exactly once, guarded by `phase`.

    private enum Phase {
        case mounted, running, finished
    }

    /// The canonical mountpoint.
    public let mountpoint: String
    /// The options the mount was made with.
    public let options: Options
    private let session: OpaquePointer
    private let dispatcher: Unmanaged<FuseDispatcher>
    private let phase = Mutex(Phase.mounted)
    private let logger: Logger
    private let gate: SessionGate
    /// Invalidates what the kernel caches, from outside requests (changes made elsewhere).
    public let kernel: KernelNotifier

    /// Checks `mountpoint` and mounts `operations` there. When this returns, the kernel has the mount and
    /// queues requests until ``run(readiness:)`` serves them.
    /// - Throws: ``FuseMountError`` with code `mountpointMissing`, `notADirectory`, `alreadyMounted`,
    ///   `staleMount`, `deviceUnavailable`, `invalidOptions` or `mountFailed`, and a message saying what to do.
    public init(at mountpoint: String, operations: some FileSystemOperations, options: Options = Options(),
                logger: Logger = Logger(label: "kvfs.fuse")) throws(FuseMountError) {
        let target = MountTable.canonicalPath(mountpoint)
        do {
            try Self.checkPrivileges(allowOther: options.allowOther)
        } catch {
            throw FuseMountError(error.code, error.message, path: target)
        }
        try Self.checkMountpoint(target)

        let gate = SessionGate()
        let dispatcher = Unmanaged.passRetained(FuseDispatcher(operations: operations, gate: gate, logger: logger))
        var table = makeLowLevelOperations()
        let arguments = options.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let created = argv.withUnsafeMutableBufferPointer { buffer -> OpaquePointer? in
            var args = kvfs_args_init(Int32(arguments.count), buffer.baseAddress)
            defer { fuse_opt_free_args(&args) }
            return kvfs_session_new(&args, &table, dispatcher.toOpaque())
        }
        argv.forEach { free($0) }
        guard let session = created else {
            dispatcher.release()
            throw FuseMountError(.invalidOptions,
                                 "libfuse refused the mount options \(arguments.dropFirst().joined(separator: " ")).",
                                 path: target)
        }
        guard fuse_session_mount(session, target) == 0 else {
            fuse_session_destroy(session)
            dispatcher.release()
            let by = Self.mountsThroughFusermount ? "fusermount3 refused" : "The kernel refused"
            throw FuseMountError(.mountFailed,
                                 "\(by) to mount a FUSE file system at \(target) (libfuse printed why).",
                                 path: target)
        }
        // Direct I/O files may then be mapped MAP_SHARED too (Python's mmap default); see the shim.
        _ = kvfs_session_allow_direct_io_mmap(session)
        gate.open(session)
        self.gate = gate
        self.kernel = KernelNotifier(gate: gate)
        self.mountpoint = target
        self.options = options
        self.session = session
        self.dispatcher = dispatcher
        self.logger = logger
    }

    deinit {
        if phase.withLock({ $0 }) == .mounted {
            tearDown()
        }
    }

    /// Serves requests on a multithreaded loop until the file system is unmounted or a handled signal
    /// arrives, then unmounts and destroys the session. Reports readiness just before serving.
    /// Call it once, from a thread that may block.
    /// - Throws: ``FuseMountError/Code/loopFailed`` if the mount was already run or the loop failed.
    public func run(readiness: MountReadiness.Notifier? = nil) throws(FuseMountError) {
        let mayRun = phase.withLock { phase -> Bool in
            guard phase == .mounted else { return false }
            phase = .running
            return true
        }
        guard mayRun else {
            throw FuseMountError(.loopFailed, "The mount at \(mountpoint) was already served or closed.", path: mountpoint)
        }
        let handlesSignals = options.handlesSignals && fuse_set_signal_handlers(session) == 0
        if options.handlesSignals && !handlesSignals {
            logger.warning("could not install signal handlers for \(mountpoint); stop it with `kvfs unmount`")
        }
        // Whatever mask this process inherited, the stop signals reach the handlers while the loop runs.
        let inheritedMask = handlesSignals ? FuseMount.unblockStopSignals() : nil
        readiness?.ready()
        let result = kvfs_session_loop_mt(session, options.maxIdleThreads, options.maxThreads, options.cloneFD ? 1 : 0)
        if handlesSignals {
            // Block them again before the handlers go, so a second signal during teardown cannot kill the
            // process with the mount half torn down.
            inheritedMask.map(FuseMount.restoreSignalMask)
            fuse_remove_signal_handlers(session)
        }
        phase.withLock { $0 = .finished }
        tearDown()
        // A positive result is the signal that ended the loop; 0 is an unmount.
        if result < 0 {
            throw FuseMountError(.loopFailed,
                                 "Serving \(mountpoint) failed: \(String(cString: strerror(-result))).", path: mountpoint)
        }
    }

    /// Asks the kernel to end this mount (``FuseUnmount/unmount(_:lazy:)``); a running ``run(readiness:)``
    /// then returns. Safe from any thread.
    /// - Throws: ``FuseMountError/Code/unmountFailed`` (for example `EBUSY` while files are open and
    ///   `lazy` is false).
    public func unmount(lazy: Bool = false) throws(FuseMountError) {
        if phase.withLock({ $0 }) == .finished { return }
        try FuseUnmount.unmount(mountpoint, lazy: lazy)
    }

    /// Unmounts and destroys a mount that was never run. Does nothing once ``run(readiness:)`` started.
    public func close() {
        let wasIdle = phase.withLock { phase -> Bool in
            guard phase == .mounted else { return false }
            phase = .finished
            return true
        }
        if wasIdle {
            tearDown()
        }
    }

    private func tearDown() {
        gate.close()
        fuse_session_unmount(session)
        fuse_session_destroy(session)
        dispatcher.release()
    }

    /// Refuses places the kernel would mount over badly or not at all, with messages that say what to do.
    static func checkMountpoint(_ target: String) throws(FuseMountError) {
        var status = stat()
        if stat(target, &status) != 0 {
            let error = errno
            switch error {
            case ENOENT:
                throw FuseMountError(.mountpointMissing,
                                     "Mountpoint \(target) does not exist; create it with `mkdir -p \(target)`.",
                                     path: target)
            case ENOTCONN:
                throw FuseMountError(.staleMount,
                                     "\(target) is a dead FUSE mount (Transport endpoint is not connected); "
                                         + "detach it with `fusermount3 -u -z \(target)` and mount again.",
                                     path: target)
            default:
                throw FuseMountError(.mountFailed, "Cannot use \(target) as a mountpoint: \(String(cString: strerror(error))).",
                                     path: target)
            }
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw FuseMountError(.notADirectory, "Mountpoint \(target) is not a directory.", path: target)
        }
        if let existing = MountTable.mount(at: target), existing.isFuse {
            throw FuseMountError(.alreadyMounted,
                                 "A FUSE file system (\(existing.fileSystemType)) is already mounted at \(target); "
                                     + "unmount it first (`fusermount3 -u \(target)`).",
                                 path: target)
        }
    }
}
