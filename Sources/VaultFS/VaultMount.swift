import Foundation
import Logging
import Synchronization
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// A kvfs mount: the vault tree over an engine, served through libfuse until unmounted or signalled, with
/// the engine's automatic purge running on a timer.
public enum VaultMount {
    /// Mounts `engine` at `mountpoint` and serves it on the calling thread until the mount ends; every caller's
    /// control files are bounded by `controlLimits` (`ControlBudget`); `podMap` names the file that maps pod UIDs
    /// to Kubernetes namespace and service account, for workload principals (docs/workloads.md). A dead
    /// kvfs mount left at the mountpoint by a killed daemon is detached first (and said so on the logger).
    /// - Throws: `FuseMountError` when the mount cannot be made or served.
    public static func serve(engine: VaultEngine, at mountpoint: String, vaults: [String]?, options: FuseMount.Options,
                             readiness: MountReadiness.Notifier?, purgeInterval: TimeInterval = 60,
                             controlLimits: ControlFileLimits = .standard, podMap: String? = nil,
                             systemd: SystemdNotifier? = nil, logger: Logger) throws {
        if StaleMount.isStale(mountpoint) {
            logger.notice("\(mountpoint) held a dead FUSE mount (its daemon was killed); detaching it")
            try StaleMount.recover(mountpoint)
        }
        let tree = VaultTree(engine: engine, vaults: vaults, controlLimits: controlLimits, podMap: podMap, logger: logger)
        let mount: FuseMount
        do {
            mount = try FuseMount(at: mountpoint, operations: tree, options: options, logger: logger)
        } catch {
            readiness?.failed(error.message)
            throw error
        }
        let sweeper = PurgeTimer(engine: engine, interval: purgeInterval, logger: logger)
        // Changes made outside the mount reach the kernel's caches and the files' pollers.
        let watcher: ChangeWatcher?
        do {
            watcher = try ChangeWatcher(engine: engine, tree: tree, kernel: mount.kernel, logger: logger)
        } catch {
            logger.warning("changes made outside this mount will not wake pollers: \(error)")
            watcher = nil
        }
        defer {
            watcher?.stop()
            systemd?.stopping(status: "Unmounted \(mountpoint)")
            sweeper.stop()
            try? engine.flushAudit()
        }
        if let systemd, systemd.isActive { SystemdReadiness.reportWhenServing(mountpoint, to: systemd, logger: logger) }
        try mount.run(readiness: readiness)
    }
}

/// Runs the engine's automatic purge every `interval` seconds on a background thread, and frees idle key
/// material five times a second, so that a parsed private key never outstays the key cache's lifetime.
final class PurgeTimer: Sendable {
    private let stopped = Mutex(false)

    init(engine: VaultEngine, interval: TimeInterval, logger: Logger) {
        let thread = Thread { [self] in
            var next = Date().addingTimeInterval(interval)
            while !stopped.withLock({ $0 }) {
                if Date() >= next {
                    do { try engine.housekeeping.run() } catch { logger.error("automatic purge failed", metadata: ["error": "\(error)"]) }
                    next = Date().addingTimeInterval(interval)
                }
                engine.housekeeping.dropIdleKeys()
                usleep(200_000)
            }
        }
        thread.name = "kvfs-purge"
        thread.start()
    }

    func stop() { stopped.withLock { $0 = true } }
}


/// Tells systemd `READY=1` once the mount answers: a thread `stat`s the mount's root, which the serving loop
/// must answer (the kernel holds the request until it does), and reports when that succeeded on a FUSE mount.
enum SystemdReadiness {
    static func reportWhenServing(_ mountpoint: String, to systemd: SystemdNotifier, logger: Logger) {
        let target = MountTable.canonicalPath(mountpoint)
        let thread = Thread {
            var status = stat()
            guard stat(target, &status) == 0, MountTable.mount(at: target)?.isFuse == true else {
                logger.warning("the mount at \(mountpoint) did not answer; not reporting readiness to systemd")
                return
            }
            systemd.ready(status: "Serving \(mountpoint)")
        }
        thread.name = "kvfs-sd-notify"
        thread.start()
    }
}
