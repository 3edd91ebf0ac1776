#if canImport(Glibc)
import Glibc
#endif

/// Readiness reporting between a daemonizing `kvfs mount` (the parent) and the process that serves the
/// mount (the child), over a pipe: the child writes `ready` once the kernel has the mount, or
/// `error: <message>` if mounting failed; the parent waits for one line. End of file means the child died.
public enum MountReadiness {
    /// A pipe whose read end stays with the parent (close-on-exec) and whose write end is inherited by
    /// the child; pass `writeFD`'s number to the child (e.g. `--ready-fd 3`) and close it in the parent
    /// after spawning.
    /// - Throws: ``FuseMountError/Code/notReady`` if no pipe can be made.
    public static func makePipe() throws(FuseMountError) -> (readFD: Int32, writeFD: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw FuseMountError(.notReady, "Cannot create a readiness pipe: \(String(cString: strerror(errno)))",
                                 path: "")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// Parent side: waits up to `timeout` for the child's report on `readFD` and closes it.
    /// - Throws: ``FuseMountError/Code/notReady`` with the child's message, on end of file, or on timeout.
    public static func wait(on readFD: Int32, timeout: Duration, mountpoint: String) throws(FuseMountError) {
        defer { close(readFD) }
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        while !received.contains(UInt8(ascii: "\n")) {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw FuseMountError(.notReady, "The mount at \(mountpoint) did not become ready within \(timeout).",
                                     path: mountpoint)
            }
            var descriptor = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000
                + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 512)
            let count = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                throw FuseMountError(.notReady,
                                     "The mounting process for \(mountpoint) exited before the mount was ready.",
                                     path: mountpoint)
            }
            received += chunk[0..<count]
        }
        let line = String(decoding: received.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        if line == "ready" { return }
        let message = line.hasPrefix("error: ") ? String(line.dropFirst(7)) : line
        throw FuseMountError(.notReady, message, path: mountpoint)
    }

    /// Child side: reports once on an inherited pipe, then closes it.
    public struct Notifier: Sendable {
        /// The write end of the readiness pipe.
        public let fd: Int32

        /// Wraps the inherited write end.
        public init(fd: Int32) {
            self.fd = fd
        }

        /// Reports that the mount is ready.
        public func ready() {
            send("ready\n")
        }

        /// Reports why mounting failed (one line).
        public func failed(_ message: String) {
            send("error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n")
        }

        private func send(_ line: String) {
            var bytes = Array(line.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                bytes = bytes.dropFirst(written)
            }
            close(fd)
        }
    }
}
