import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// Turns a request's uid, gid and pid into a `Caller`, with the supplementary groups and the executable read
/// from `/proc/<pid>` on every request: a process that drops a group loses what the group granted at once,
/// and the audit names the program the process runs now (after an `exec`). The kernel's uid and gid always
/// win. Reads use plain system calls into a stack buffer; they cost a few microseconds.
struct CallerResolver: Sendable {
    func caller(_ context: OperationContext) -> Caller {
        var caller = Caller(uid: context.uid, gid: context.gid, pid: context.pid)
        guard context.pid > 0 else { return caller }
        caller.groups = CallerResolver.groups(of: context.pid)
        caller.executable = CallerResolver.executable(of: context.pid)
        return caller
    }

    /// The `Groups:` line of `/proc/<pid>/status`.
    static func groups(of pid: Int32) -> [UInt32] {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return [] }
        let text = buffer[0..<count]
        let label = Array("\nGroups:".utf8)
        guard let start = text.firstRange(of: label)?.upperBound else { return [] }
        var groups: [UInt32] = []
        var current: UInt32?
        for byte in text[start...] {
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
    static func executable(of pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/\(pid)/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
