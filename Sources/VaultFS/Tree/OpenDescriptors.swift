#if canImport(Glibc)
import Glibc
#endif

/// Whether the process behind a `FLUSH` still holds another descriptor on the file it is closing, read from
/// `/proc/<tid>/fd` (the daemon runs as root). The kernel sends `FLUSH` on every `close()` of a descriptor —
/// after taking it out of the table — and `RELEASE` only later and asynchronously, once the last reference is
/// gone. A shell's `cmd > file` opens the file, duplicates the descriptor onto 1 and closes the original before
/// `cmd` writes anything: that first flush is not the end of the file, and the process still holds fd 1 on it.
/// `touch new` or `: > file` close their only descriptor: nothing else on the file is left, and what the open
/// made (an empty value) must be stored now, before `close()` returns, not at the later `RELEASE`.
///
/// Descriptors are matched by the path their link names, which ends in the file's place below the mount
/// (compared case-insensitively, as names are). Anything unreadable answers `false` (no other descriptor).
enum OpenDescriptors {
    /// Whether thread `tid`'s process has a descriptor open whose path ends in `/` + `suffix`.
    static func holdsAnother(thread tid: Int32, endingIn suffix: String) -> Bool {
        guard tid > 0, let directory = opendir("/proc/\(tid)/fd") else { return false }
        defer { closedir(directory) }
        let wanted = Array(("/" + suffix).lowercased().utf8)
        var link = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let first = name.utf8.first, (48...57).contains(first) else { continue }
            let count = readlink("/proc/\(tid)/fd/\(name)", &link, link.count - 1)
            guard count >= wanted.count else { continue }
            let tail = link[(count - wanted.count)..<count].map { UInt8(bitPattern: $0) }
            if tail.map({ (65...90).contains($0) ? $0 + 32 : $0 }) == wanted { return true }
        }
        return false
    }
}
