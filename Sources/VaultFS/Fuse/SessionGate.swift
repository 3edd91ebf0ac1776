import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The libfuse session, for work that reaches the kernel from outside a request (notifications): open from
/// mount until teardown, and never used after `fuse_session_destroy`. A notification holds the gate while it
/// writes, so teardown waits for it; the gate is never held while a request is served.
final class SessionGate: Sendable {
    /// The session pointer as a number; 0 when there is none (not yet mounted, or torn down).
    private let session = Mutex<UInt>(0)

    func open(_ pointer: OpaquePointer) { session.withLock { $0 = UInt(bitPattern: pointer) } }

    /// Ends the gate; waits for a notification in progress.
    func close() { session.withLock { $0 = 0 } }

    /// Runs `body` with the live session, or answers `ENOTCONN` (negated, as libfuse does) once it is gone.
    func withSession(_ body: (OpaquePointer) -> Int32) -> Int32 {
        session.withLock { raw in
            guard let pointer = OpaquePointer(bitPattern: raw) else { return -ENOTCONN }
            return body(pointer)
        }
    }
}

