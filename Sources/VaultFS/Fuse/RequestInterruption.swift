import CFuse

/// Whether the kernel asked kvfs to stop a request: it sends `FUSE_INTERRUPT` when the caller is signalled
/// (a killed client waits for the answer uninterruptibly until the daemon replies), and libfuse marks the
/// request (`fuse_req_interrupted`). Long work asks between its steps and stops with `EINTR`.
///
/// Valid only while its request is being served: the bridge makes one per request and the request's reply
/// ends it.
public struct RequestInterruption: Sendable, Hashable {
    /// The request (`fuse_req_t`) as a number; 0 for work no kernel request stands behind.
    private let request: UInt

    /// Interruption of `request`.
    init(_ request: fuse_req_t?) { self.request = UInt(bitPattern: request) }

    private init(never: Void) { request = 0 }

    /// For work that is never interrupted (tests, calls made outside a request).
    public static let never = RequestInterruption(never: ())

    /// The kernel asked to interrupt the request (the caller got a signal, SIGKILL included).
    public var isRequested: Bool {
        guard request != 0, let pointer = OpaquePointer(bitPattern: request) else { return false }
        return fuse_req_interrupted(pointer) != 0
    }
}
