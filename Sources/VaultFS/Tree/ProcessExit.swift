#if canImport(Glibc)
import Glibc
#endif

/// Whether the thread behind a request is dying from a signal. A process killed before it closes its files
/// closes them as it exits, and the kernel's `FLUSH` then looks like a clean `close()`; `/proc/<tid>/stat`
/// tells them apart: the task is exiting (`PF_EXITING` in field 9) and its exit code (field 52, waitpid's
/// form, set before the files are closed) names a signal. A normal `exit()` without `close()` is a clean
/// close. Anything unreadable answers `false` (the write is stored, as before).
enum ProcessExit {
    private static let exiting: UInt = 0x4 // PF_EXITING

    static func isKilledBySignal(thread tid: Int32) -> Bool {
        guard tid > 0 else { return false }
        let fd = open("/proc/\(tid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0, let close = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")) else { return false }
        // Fields from 3 (state) on, after the command name in parentheses.
        let fields = String(decoding: buffer[(close + 1)..<count], as: UTF8.self).split(separator: " ")
        guard fields.count >= 50, let flags = UInt(fields[9 - 3]), let exitCode = Int(fields[52 - 3].prefix { $0.isNumber }) else {
            return false
        }
        return flags & exiting != 0 && exitCode & 0x7f != 0
    }
}
