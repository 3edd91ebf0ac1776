import Synchronization

/// What a front-end learned about the workload a calling process runs in: its systemd unit, its container,
/// its Kubernetes pod and its executable, read for one request while the process was known to be alive.
public struct Workload: Sendable, Hashable, Codable {
    /// The systemd unit (`web.service`, `docker-<id>.scope`): the shallowest unit in the cgroup path.
    public var systemdUnit: String?
    /// The container id (64 lower-case hex characters) of a Docker, containerd or CRI-O container.
    public var containerID: String?
    /// The Kubernetes pod UID, in its canonical form with dashes.
    public var podUID: String?
    /// The pod's namespace and service account, from the mount's pod map (`kvfs mount --pod-map`).
    public var podNamespace: String?
    public var podServiceAccount: String?
    /// The target of `/proc/<pid>/exe`.
    public var executable: String?
    /// The SHA-256 of the executable's content (lower-case hex), when a principal asked for it.
    public var executableSHA256: String?

    public init(systemdUnit: String? = nil, containerID: String? = nil, podUID: String? = nil,
                podNamespace: String? = nil, podServiceAccount: String? = nil,
                executable: String? = nil, executableSHA256: String? = nil) {
        self.systemdUnit = systemdUnit
        self.containerID = containerID
        self.podUID = podUID
        self.podNamespace = podNamespace
        self.podServiceAccount = podServiceAccount
        self.executable = executable
        self.executableSHA256 = executableSHA256
    }
}

/// The outcome of identifying a caller's workload: the workload, or why it could not be told for certain.
public enum WorkloadIdentification: Sendable, Hashable {
    case identified(Workload)
    /// The caller could not be identified without doubt (a vanished process, two container ids, a caller in
    /// a pid namespace the daemon cannot see). A caller that a workload principal might have matched is then
    /// refused, and the reason is audited.
    case unidentified(reason: String)
}

/// Identifies one request's workload on demand, at most once per request (twice when the executable's digest
/// is asked for after a first answer without it). The engine asks only when a workload principal could match
/// the caller's uid, so callers no workload principal names never pay for `/proc` reads.
public final class WorkloadLookup: Sendable, Hashable {
    private let identify: @Sendable (_ withDigest: Bool) -> WorkloadIdentification
    private let state = Mutex<(answer: WorkloadIdentification, withDigest: Bool)?>(nil)

    /// - Parameter identify: reads the workload; `withDigest` asks for the executable's SHA-256 as well.
    public init(_ identify: @escaping @Sendable (_ withDigest: Bool) -> WorkloadIdentification) {
        self.identify = identify
    }

    /// A lookup that always answers `identification` (for a caller identified some other way, and for tests).
    public convenience init(fixed identification: WorkloadIdentification) {
        self.init { _ in identification }
    }

    /// The workload, identified now if it was not yet for this request.
    public func identification(withDigest: Bool) -> WorkloadIdentification {
        if let done = state.withLock({ $0 }), done.withDigest || !withDigest { return done.answer }
        let answer = identify(withDigest)
        state.withLock { $0 = (answer, withDigest) }
        return answer
    }

    /// What was identified so far, without reading anything: the audit names a workload only when the decision
    /// looked at it.
    public var identifiedSoFar: WorkloadIdentification? { state.withLock { $0?.answer } }

    public static func == (lhs: WorkloadLookup, rhs: WorkloadLookup) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
