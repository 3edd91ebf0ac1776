/// Why mounting, unmounting or recovering a mountpoint failed, with a message that says how to fix it.
/// Equality compares codes only, so tests can build the expected error.
public struct FuseMountError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case mountpointMissing, notADirectory, alreadyMounted, staleMount, deviceUnavailable, allowOtherNotPermitted
            case invalidOptions, mountFailed, loopFailed, unmountFailed, notReady
        }
        let value: Value
        /// The mountpoint does not exist.
        public static let mountpointMissing = Code(value: .mountpointMissing)
        /// The mountpoint is not a directory.
        public static let notADirectory = Code(value: .notADirectory)
        /// A live FUSE file system is already mounted there.
        public static let alreadyMounted = Code(value: .alreadyMounted)
        /// A dead FUSE mount is there ("Transport endpoint is not connected").
        public static let staleMount = Code(value: .staleMount)
        /// FUSE is not available to this process: `/dev/fuse` is missing or not accessible, or (for a user other
        /// than root) the setuid `fusermount3` is missing or cannot name the user.
        public static let deviceUnavailable = Code(value: .deviceUnavailable)
        /// A mount by a user other than root asks for `allow_other`, which `/etc/fuse.conf` does not allow.
        public static let allowOtherNotPermitted = Code(value: .allowOtherNotPermitted)
        /// libfuse refused the mount options.
        public static let invalidOptions = Code(value: .invalidOptions)
        /// The kernel or `fusermount3` refused the mount.
        public static let mountFailed = Code(value: .mountFailed)
        /// The request loop ended with an error.
        public static let loopFailed = Code(value: .loopFailed)
        /// Unmounting failed.
        public static let unmountFailed = Code(value: .unmountFailed)
        /// A mounting child process did not report readiness.
        public static let notReady = Code(value: .notReady)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The mountpoint concerned.
    public var path: String

    /// Builds an error.
    public init(_ code: Code, _ message: String, path: String) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { message }

    public static func == (lhs: FuseMountError, rhs: FuseMountError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
