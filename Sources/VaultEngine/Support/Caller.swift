import Foundation

/// The process asking: the kernel's uid, gid and pid for a mount request, or the CLI's own process.
/// Supplementary groups come from `/proc/<pid>/status`; the executable from `/proc/<pid>/exe`.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary group ids (the primary gid may or may not be among them).
    public var groups: [UInt32]
    public var pid: Int32
    /// The caller's executable path, when it could be read; for the audit log only. When `nil` and `pid` is
    /// set, the audit reads `/proc/<pid>/exe` as it writes the line.
    public var executable: String?
    /// Whether `groups` still has to be read from `/proc/<pid>/status`. A filesystem request carries no
    /// supplementary groups; reading them costs a `/proc` read, so it is done only when a group principal
    /// exists to match them against.
    public var groupsDeferred: Bool = false
    /// The process that wrote this request on a file the caller opened, when that is another process (a
    /// descriptor passed over a Unix socket, or inherited across `fork`). The request is decided for the
    /// caller — the opener: the open is the authority, as with any Unix descriptor — and the audit line names
    /// both.
    public var writer: Writer?
    /// Identifies the caller's workload (systemd unit, container, pod, executable) when a workload principal
    /// could match it; set by the mount, `nil` for callers identified only by uid and gid (the CLI).
    public var workload: WorkloadLookup?

    /// A process that wrote on a file another process opened: what the audit says of it.
    public struct Writer: Sendable, Hashable {
        public var uid: UInt32
        public var gid: UInt32
        public var pid: Int32
        /// Read from `/proc/<pid>/exe` when the writer is recorded.
        public var executable: String?

        public init(uid: UInt32, gid: UInt32, pid: Int32, executable: String? = nil) {
            self.uid = uid
            self.gid = gid
            self.pid = pid
            self.executable = executable
        }
    }

    public init(uid: UInt32, gid: UInt32, groups: [UInt32] = [], pid: Int32 = 0, executable: String? = nil) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.pid = pid
        self.executable = executable
    }

    /// Whether the caller is `gid` or a member of it.
    public func isMember(ofGroup id: UInt32) -> Bool { gid == id || groups.contains(id) }

    /// The engine's own housekeeping (automatic purge), recorded as such in the audit log.
    public static let system = Caller(uid: UInt32.max, gid: UInt32.max, pid: 0, executable: "kvfs (automatic purge)")

    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }
}

extension Caller {
    /// A filesystem request's caller: the kernel's uid, gid and pid; supplementary groups are read from
    /// `/proc/<pid>/status` only if a decision needs them, the executable only when an audit line is written.
    /// `workload` identifies the process's workload when the engine asks.
    public static func fromRequest(uid: UInt32, gid: UInt32, pid: Int32, workload: WorkloadLookup? = nil) -> Caller {
        var caller = Caller(uid: uid, gid: gid, pid: pid)
        caller.groupsDeferred = pid > 0
        caller.workload = workload
        return caller
    }

    /// This caller as it is now, fixed for later requests on a file it opened: supplementary groups and
    /// executable read from `/proc` at once, so that a request written later — by this process, or by one it
    /// handed the descriptor to, after this one exited and its pid was reused — is decided and audited for the
    /// process that opened the file.
    public func pinned() -> Caller {
        var pinned = resolvingGroups()
        if pinned.executable == nil { pinned.executable = Caller.procExecutable(of: pid) }
        return pinned
    }

    /// This caller (the opener of a file) with `writer` recorded as the process that wrote the request, when
    /// that is another process or identity; the decision stays the opener's.
    public func written(by writer: Caller) -> Caller {
        guard writer.pid != pid || writer.uid != uid || writer.gid != gid else { return self }
        var written = self
        written.writer = Writer(uid: writer.uid, gid: writer.gid, pid: writer.pid,
                                executable: writer.executable ?? Caller.procExecutable(of: writer.pid))
        return written
    }

    /// This caller with its supplementary groups read from `/proc/<pid>/status` now.
    public func resolvingGroups() -> Caller {
        guard groupsDeferred else { return self }
        var resolved = self
        resolved.groups = Caller.procGroups(of: pid)
        resolved.groupsDeferred = false
        return resolved
    }

    /// The `Groups:` line of `/proc/<pid>/status`, read with plain system calls (a few microseconds).
    static func procGroups(of pid: Int32) -> [UInt32] {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let start = buffer[0..<count].firstRange(of: Array("\nGroups:".utf8))?.upperBound else { return [] }
        var groups: [UInt32] = []
        var current: UInt32?
        for byte in buffer[start..<count] {
            if byte >= 48 && byte <= 57 {
                current = (current ?? 0) &* 10 &+ UInt32(byte - 48)
            } else {
                if let value = current { groups.append(value) }
                current = nil
                if byte == 0x0a { break }
            }
        }
        return groups
    }

    /// The target of `/proc/<pid>/exe`, when readable.
    static func procExecutable(of pid: Int32) -> String? {
        guard pid > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The current process, for the CLI.
    public static func currentProcess() -> Caller {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let got = getgroups(count, &groups)
        let pid = getpid()
        return Caller(uid: getuid(), gid: getgid(), groups: got > 0 ? Array(groups.prefix(Int(got))) : [],
                      pid: pid, executable: try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    }
}
