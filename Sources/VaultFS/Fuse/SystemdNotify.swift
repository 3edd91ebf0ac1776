import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// systemd's readiness protocol without libsystemd (`sd_notify(3)`): newline-separated `KEY=VALUE` lines sent
/// as one datagram to the `AF_UNIX` socket named by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract
/// namespace). A unit with `Type=notify` is started once `READY=1` arrives; `STOPPING=1` says the service is
/// shutting down. Without `$NOTIFY_SOCKET` (not under systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    private let address: [UInt8]?

    /// Reads `$NOTIFY_SOCKET` once and removes it from the environment, so processes this one starts (an
    /// audit checkpoint command) cannot speak for the service.
    public static func fromEnvironment() -> SystemdNotifier {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !value.isEmpty else {
            return SystemdNotifier(address: nil)
        }
        unsetenv("NOTIFY_SOCKET")
        guard value.hasPrefix("/") || value.hasPrefix("@") else { return SystemdNotifier(address: nil) }
        return SystemdNotifier(address: Array(value.utf8))
    }

    /// Whether a notification socket was given.
    public var isActive: Bool { address != nil }

    /// Sends `READY=1` with a status line and this process's pid (so systemd accepts it from any thread).
    public func ready(status: String) {
        send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())")
    }

    /// Sends `STOPPING=1`.
    public func stopping(status: String) {
        send("STOPPING=1\nSTATUS=\(status)")
    }

    /// Sends one datagram of `message`; failures are ignored (systemd then times the start out, which is
    /// the right outcome for a service that cannot report).
    /// - Returns: whether the datagram was sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let address else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard address.count < capacity else { return false }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            path.copyBytes(from: address)
            // An abstract socket's name starts with a NUL byte instead of `@`.
            if address.first == UInt8(ascii: "@") { path[0] = 0 }
        }
        // A path is NUL-terminated; an abstract name is exactly its bytes long.
        let length = MemoryLayout<sa_family_t>.size + address.count + (address.first == UInt8(ascii: "@") ? 0 : 1)
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), generic, socklen_t(length)) }
            }
        }
        return sent == bytes.count
    }
}
