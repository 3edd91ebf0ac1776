#if canImport(Glibc)
import Glibc
#endif

extension FuseMount {
    /// The signals that stop a mount when ``Options/handlesSignals`` is on: libfuse's handlers end the loop,
    /// and ``run(readiness:)`` unmounts.
    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Unblocks the stop signals on the calling thread and returns the mask it had.
    ///
    /// A process inherits its signal mask from whoever started it: a test runner spawning from one of its
    /// worker threads, a supervisor, a shell that blocked them. libfuse installs its handlers but leaves the
    /// mask alone, so a daemon started with the stop signals blocked never sees SIGTERM and can only be
    /// killed, leaving a dead mount behind. The loop's calling thread is the one libfuse waits on, and the
    /// one the kernel prefers for a signal sent to the process (its main thread, in `kvfs mount`); libfuse's
    /// worker threads block the signals themselves.
    static func unblockStopSignals() -> sigset_t {
        var stop = sigset_t()
        sigemptyset(&stop)
        for signal in stopSignals { sigaddset(&stop, signal) }
        var previous = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &stop, &previous)
        return previous
    }

    /// Puts back the mask ``unblockStopSignals()`` returned.
    static func restoreSignalMask(_ previous: sigset_t) {
        var previous = previous
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}
