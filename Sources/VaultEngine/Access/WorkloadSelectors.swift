/// What a workload principal requires of a caller besides its uid: every selector that is set must match.
public struct WorkloadSelectors: Sendable, Hashable, Codable {
    /// The caller's primary or a supplementary group must be this gid.
    public var gid: UInt32?
    /// The systemd unit the caller runs in (`web.service`).
    public var systemdUnit: String?
    /// The container id (64 lower-case hex characters).
    public var containerID: String?
    /// The Kubernetes pod UID (canonical, with dashes, lower case).
    public var podUID: String?
    /// The Kubernetes namespace of the caller's pod (from the mount's pod map).
    public var podNamespace: String?
    /// The Kubernetes service account of the caller's pod (from the mount's pod map).
    public var podServiceAccount: String?
    /// The caller's executable, an absolute path.
    public var executable: String?
    /// The SHA-256 of the executable's content, lower-case hex; needs `executable`.
    public var executableSHA256: String?

    public init(gid: UInt32? = nil, systemdUnit: String? = nil, containerID: String? = nil, podUID: String? = nil,
                podNamespace: String? = nil, podServiceAccount: String? = nil,
                executable: String? = nil, executableSHA256: String? = nil) {
        self.gid = gid
        self.systemdUnit = systemdUnit
        self.containerID = containerID
        self.podUID = podUID
        self.podNamespace = podNamespace
        self.podServiceAccount = podServiceAccount
        self.executable = executable
        self.executableSHA256 = executableSHA256
    }

    /// Whether a selector names the workload itself (unit, container, pod or executable), which is what makes
    /// a principal a workload principal rather than a user.
    public var namesWorkload: Bool {
        systemdUnit != nil || containerID != nil || podUID != nil || podNamespace != nil || podServiceAccount != nil
            || executable != nil
    }

    /// Whether deciding needs the executable's digest.
    var needsDigest: Bool { executableSHA256 != nil }

    /// Whether `workload` satisfies every selector that names the workload (the gid is checked on the caller).
    func matches(_ workload: Workload) -> Bool {
        if let systemdUnit, workload.systemdUnit != systemdUnit { return false }
        if let containerID, workload.containerID != containerID { return false }
        if let podUID, workload.podUID != podUID { return false }
        if let podNamespace, workload.podNamespace != podNamespace { return false }
        if let podServiceAccount, workload.podServiceAccount != podServiceAccount { return false }
        if let executable, workload.executable != executable { return false }
        if let executableSHA256, workload.executableSHA256 != executableSHA256 { return false }
        return true
    }

    /// The selectors as `key=value` words, for listings and messages (no value here is secret).
    public var summary: String {
        var words: [String] = []
        if let gid { words.append("gid=\(gid)") }
        if let systemdUnit { words.append("systemd-unit=\(systemdUnit)") }
        if let containerID { words.append("container-id=\(containerID)") }
        if let podUID { words.append("pod-uid=\(podUID)") }
        if let podNamespace { words.append("pod-namespace=\(podNamespace)") }
        if let podServiceAccount { words.append("pod-service-account=\(podServiceAccount)") }
        if let executable { words.append("exe=\(executable)") }
        if let executableSHA256 { words.append("exe-sha256=\(executableSHA256)") }
        return words.joined(separator: " ")
    }
}
