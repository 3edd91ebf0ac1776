import Foundation
import Synchronization
import VaultFS
#if canImport(Glibc)
import Glibc
#endif

/// A `kvfs mount --foreground` child process, ready when it says so on its readiness pipe (`--ready-fd 3`)
/// and stopped with SIGTERM.
///
/// It starts with SIGINT, SIGTERM and SIGHUP blocked, as a test runner's worker threads hand them down,
/// so every mount test also checks that the daemon unblocks the signals it stops on. Spawned with
/// `posix_spawn` rather than `Process`: the readiness pipe must reach the child as descriptor 3, and
/// nothing else of the test process may (`closefrom`).
final class MountDaemon: Sendable {
    /// How the daemon ended.
    struct Ending: CustomStringConvertible {
        /// From SIGTERM to the exit, or to the SIGKILL that ended it.
        var seconds: Double
        /// Whether SIGTERM was not enough.
        var killed: Bool
        /// The raw wait status.
        var status: Int32

        var exitCode: Int32? { status & 0x7f == 0 ? (status >> 8) & 0xff : nil }
        var signal: Int32? { status & 0x7f != 0 && status & 0x7f != 0x7f ? status & 0x7f : nil }
        /// Exited by itself, with status 0.
        var isClean: Bool { !killed && exitCode == 0 }

        var description: String {
            let how = exitCode.map { "exit \($0)" } ?? signal.map { "signal \($0)" } ?? "status \(status)"
            return "\(how) after \(String(format: "%.2f", seconds)) s\(killed ? " (needed SIGKILL)" : "")"
        }
    }

    let pid: pid_t
    private let status = Mutex<Int32?>(nil)
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `kvfs arguments... --ready-fd 3` with stdout and stderr appended to `log`, and waits until it
    /// reports the mount ready.
    /// - Throws: when it cannot start, reports a failure, exits, or is not ready within `timeout`; the
    ///   process is stopped again before the error is thrown.
    /// `launcher`, when given, is a command that runs `kvfs` in the same process (`prlimit --core=unlimited`).
    init(kvfs: String, _ arguments: [String], log: String, environment: [String: String], launcher: [String] = [],
         timeout: Duration = .seconds(20)) throws {
        let (readFD, pipeFD) = try MountReadiness.makePipe()
        // The write end is the child's descriptor 3 only; in the parent it stays out of every other child.
        var writeFD = pipeFD
        if writeFD == 3 {
            writeFD = fcntl(pipeFD, F_DUPFD_CLOEXEC, 10)
            close(pipeFD)
        }
        _ = fcntl(writeFD, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, writeFD, 3)
        guard MountDaemon.addCloseFrom(&actions, 4) == 0 else {
            close(readFD)
            close(writeFD)
            throw VaultTestError("posix_spawn_file_actions_addclosefrom_np failed")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, signal) }
        posix_spawnattr_setsigmask(&attributes, &blocked)
        posix_spawnattr_setsigdefault(&attributes, &blocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let program = launcher.first ?? kvfs
        let argv = (launcher + [kvfs] + arguments + ["--ready-fd", "3"]).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, program, &actions, &attributes, argv, envp)
        close(writeFD)
        guard spawned == 0 else {
            close(readFD)
            throw VaultTestError("cannot start \(kvfs): \(String(cString: strerror(spawned)))")
        }
        pid = child
        let thread = Thread { [self, child] in
            var raw: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(child, &raw, 0) } while result < 0 && errno == EINTR
            status.withLock { $0 = result == child ? raw : -1 }
            exited.signal()
        }
        thread.name = "kvfs-test-daemon-\(child)"
        thread.start()
        do {
            try MountReadiness.wait(on: readFD, timeout: timeout, mountpoint: arguments.dropFirst().first ?? "")
        } catch {
            let ending = stop()
            throw VaultTestError("kvfs mount was not ready (\(error.message)); it ended with \(ending)")
        }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), which the Swift importer does not see:
    /// the child gets no descriptor of the test process beyond 0-3, so it cannot hold another child's pipe
    /// open.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        // A nil handle is RTLD_DEFAULT: the symbol as the program itself would find it.
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later is needed)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Whether the process has not exited yet.
    var isRunning: Bool { status.withLock { $0 } == nil }

    /// Waits up to `timeout` for the process to exit and returns its wait status, or nil if it still runs.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        if let done = status.withLock({ $0 }) { return done }
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        exited.signal()   // later waiters return at once
        return status.withLock { $0 }
    }

    /// Sends `signal`, waits up to `grace` seconds for the exit, then SIGKILLs. Safe to call again: a
    /// process that already exited is not signalled.
    @discardableResult
    func stop(with signal: Int32 = SIGTERM, grace: TimeInterval = 5) -> Ending {
        let start = ContinuousClock.now
        func elapsed() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        if let done = status.withLock({ $0 }) { return Ending(seconds: 0, killed: false, status: done) }
        kill(pid, signal)
        if let done = waitForExit(timeout: grace) { return Ending(seconds: elapsed(), killed: false, status: done) }
        kill(pid, SIGKILL)
        let done = waitForExit(timeout: 30) ?? -1
        return Ending(seconds: elapsed(), killed: true, status: done)
    }
}
