import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the system call a request's thread is blocked in asks for, read from `/proc/<tid>/syscall` (the
/// thread waits for our reply, so the kernel shows its call and arguments; the daemon runs as root). A FUSE
/// `LOOKUP` carries no intent; this tells a lookup made for an exclusive create (`open(…, O_CREAT|O_EXCL)`,
/// as `mkstemp` and every temporary-file API do it) from a `stat`. Anything unreadable answers `false`.
enum PendingSyscall {
    #if arch(x86_64)
    /// (syscall number, index of the flags argument)
    private static let opens: [(number: Int, flagsArgument: Int)] = [(2, 1), (257, 2)]
    #elseif arch(arm64)
    private static let opens: [(number: Int, flagsArgument: Int)] = [(56, 2)]
    #else
    private static let opens: [(number: Int, flagsArgument: Int)] = []
    #endif

    /// Whether thread `tid` is in an `open`/`openat` with `O_CREAT|O_EXCL`.
    static func isExclusiveCreate(thread tid: Int32) -> Bool {
        guard tid > 0, let flags = openFlags(thread: tid) else { return false }
        let exclusive = Int(O_CREAT | O_EXCL)
        return flags & exclusive == exclusive
    }

    /// Whether thread `tid` is in an `open`/`openat` that may write the file (`O_WRONLY`, `O_RDWR`, `O_TRUNC`).
    static func isOpenForWriting(thread tid: Int32) -> Bool {
        guard tid > 0, let flags = openFlags(thread: tid) else { return false }
        return flags & Int(O_ACCMODE) != Int(O_RDONLY) || flags & Int(O_TRUNC) != 0
    }

    private static func openFlags(thread tid: Int32) -> Int? {
        let fd = Glibc.open("/proc/\(tid)/syscall", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let fields = String(decoding: buffer[0..<count], as: UTF8.self).split(separator: " ")
        guard let number = fields.first.flatMap({ Int($0) }),
              let call = opens.first(where: { $0.number == number }), fields.count > call.flagsArgument + 1 else { return nil }
        let argument = fields[call.flagsArgument + 1]
        return Int(argument.hasPrefix("0x") ? argument.dropFirst(2) : argument[...], radix: 16)
    }
}
