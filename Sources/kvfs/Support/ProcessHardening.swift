import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// What every kvfs process does first, so that the secrets it handles stay in its memory while used and never
/// reach a disk: OpenSSL's frees are wiped, no core file is written, and a crash ends the process at once with
/// one line on stderr that holds no memory contents.
///
/// The mount daemon does more (`hardenDaemon(arguments:)`): it is not dumpable (no core, no ptrace by other
/// users), and it runs with glibc's per-thread cache off and freed memory overwritten, so a value that
/// Foundation or the Swift runtime copied (a decoded JSON string, a temporary array) does not outlive its free.
enum ProcessHardening {
    /// Signals that mean the process is broken; each ends it at once.
    static let fatalSignals: [(Int32, String)] = [
        (SIGSEGV, "SIGSEGV"), (SIGBUS, "SIGBUS"), (SIGILL, "SIGILL"), (SIGFPE, "SIGFPE"),
        (SIGABRT, "SIGABRT"), (SIGTRAP, "SIGTRAP"), (SIGSYS, "SIGSYS"),
    ]

    /// The environment the daemon re-executes itself with once, and the variable that says it did.
    static let marker = "KVFS_MOUNT_HARDENED"
    /// glibc: no per-thread cache (its frees skip the overwrite), and freed blocks overwritten with 0xa5.
    static let mallocTunables = "glibc.malloc.tcache_count=0:glibc.malloc.perturb=165"
    /// The Swift runtime's backtracer prints the bytes at each register: never in kvfs.
    static let backtrace = "enable=no"

    /// For every command, first thing in `main`.
    static func hardenEveryProcess() {
        SecureBytes.wipeOpenSSLAllocations()
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        installFatalSignalHandlers()
    }

    /// For `kvfs mount` (foreground or daemon), right after `hardenEveryProcess()`: re-executes the program
    /// once with the malloc and backtrace settings (the runtime and glibc read them only at start; the pid,
    /// arguments and descriptors stay), then makes the process non-dumpable. Returns when the process runs
    /// hardened, or when the re-execution failed (it then says so on stderr and runs on without them).
    static func hardenDaemon(arguments: [String]) {
        guard arguments.count > 1, arguments[1] == "mount" else { return }
        if getenv(marker) == nil {
            var tunables = mallocTunables
            // A background `kvfs mount` hands its own hardened environment to the daemon it starts.
            if let existing = getenv("GLIBC_TUNABLES").map({ String(cString: $0) }), !existing.isEmpty {
                tunables = existing.contains(mallocTunables) ? existing : existing + ":" + tunables
            }
            setenv("GLIBC_TUNABLES", tunables, 1)
            setenv("SWIFT_BACKTRACE", backtrace, 1)
            setenv(marker, "1", 1)
            let argv = arguments.map { strdup($0) } + [nil]
            execv("/proc/self/exe", argv)
            let reason = String(cString: strerror(errno))
            argv.forEach { free($0) }
            FileHandle.standardError.write(Data("kvfs: cannot re-execute with hardened memory settings (\(reason)); freed memory is not overwritten\n".utf8))
        }
        unsetenv(marker)
        if setDumpable(prSetDumpable, 0, 0, 0, 0) != 0 {
            FileHandle.standardError.write(Data("kvfs: cannot make the daemon non-dumpable (\(String(cString: strerror(errno))))\n".utf8))
        }
    }

    /// `PR_SET_DUMPABLE` of <linux/prctl.h>.
    private static let prSetDumpable: Int32 = 4

    /// glibc's `prctl`, which is variadic and so not imported: its integer arguments pass as fixed ones.
    private static let setDumpable: @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32 = {
        // A nil handle is RTLD_DEFAULT: the symbol as the program itself would find it.
        guard let symbol = dlsym(nil, "prctl") else { return { _, _, _, _, _ in -1 } }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32).self)
    }()

    /// The line each fatal signal writes, made before any handler can run: a handler may only call
    /// async-signal-safe functions, so it neither formats nor allocates.
    private nonisolated(unsafe) static let messages: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: 65)
        table.initialize(repeating: nil, count: 65)
        for (signal, name) in fatalSignals {
            table[Int(signal)] = strdup("kvfs: fatal signal \(signal) (\(name)); exiting at once (no core dump, no memory contents)\n")
        }
        return table
    }()

    private static func installFatalSignalHandlers() {
        _ = messages
        // An alternate stack for the main thread, so that a stack overflow there still runs the handler.
        let size = 64 * 1024
        var stack = stack_t()
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        stack.ss_size = size
        stack.ss_flags = 0
        sigaltstack(&stack, nil)
        for (signal, _) in fatalSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = ProcessHardening.fatalSignalHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_ONSTACK) | Int32(bitPattern: UInt32(truncatingIfNeeded: SA_RESETHAND))
            sigaction(signal, &action, nil)
        }
    }

    /// Writes the signal's line and exits: no backtrace (it would read memory at the registers), no core.
    private static let fatalSignalHandler: @convention(c) (Int32) -> Void = { signal in
        if signal > 0, signal <= 64, let message = ProcessHardening.messages[Int(signal)] {
            _ = write(2, message, strlen(message))
        }
        _exit(128 + signal)
    }
}
