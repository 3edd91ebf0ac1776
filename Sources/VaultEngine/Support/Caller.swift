import Foundation

/// The process asking: the kernel's uid, gid and pid for a mount request, or the CLI's own process.
/// Supplementary groups come from `/proc/<pid>/status`; the executable from `/proc/<pid>/exe`.
public struct Caller: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary group ids (the primary gid may or may not be among them).
    public var groups: [UInt32]
    public var pid: Int32
    /// The caller's executable path, when it could be read; for the audit log only.
    public var executable: String?

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
    /// The caller as seen through `/proc/<pid>`: supplementary groups and executable filled in when the
    /// process still exists and its status is readable. The kernel-provided uid and gid always win.
    public static func fromProcess(uid: UInt32, gid: UInt32, pid: Int32) -> Caller {
        var caller = Caller(uid: uid, gid: gid, pid: pid)
        guard pid > 0 else { return caller }
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
                caller.groups = line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
            }
        }
        caller.executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        return caller
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
