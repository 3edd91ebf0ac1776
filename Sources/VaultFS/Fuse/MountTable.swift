import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The mounts the kernel lists in `/proc/self/mountinfo`.
public enum MountTable {
    /// One line of mountinfo.
    public struct Mount: Sendable, Hashable {
        /// The absolute mountpoint, unescaped.
        public var mountpoint: String
        /// The file system type, e.g. `fuse.kvfs`.
        public var fileSystemType: String
        /// The mount source, e.g. `kvfs`.
        public var source: String
        /// The device as `major:minor`; for FUSE the minor number names the connection in
        /// `/sys/fs/fuse/connections/`.
        public var device: String

        /// True for any FUSE mount (`fuse`, `fuse.<subtype>`, `fuseblk`).
        public var isFuse: Bool { fileSystemType == "fuse" || fileSystemType.hasPrefix("fuse.") || fileSystemType == "fuseblk" }
    }

    /// All current mounts, in kernel order (later lines are mounted on top of earlier ones).
    public static func mounts() -> [Mount] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap(parse)
    }

    /// The topmost mount at `path` (canonicalised), if any.
    public static func mount(at path: String) -> Mount? {
        let target = canonicalPath(path)
        return mounts().last { $0.mountpoint == target }
    }

    /// `path` made absolute, with `.`/`..` removed and symlinks resolved in its parent, without touching
    /// the last component: that may be a FUSE mount whose daemon is dead, hung, or this very process, and
    /// any `stat` on it could fail or block.
    public static func canonicalPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var components: [Substring] = []
        for component in absolute.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        guard let last = components.popLast() else { return "/" }
        let parent = "/" + components.joined(separator: "/")
        guard let resolved = realpath(parent, nil) else { return parent == "/" ? "/" + last : parent + "/" + last }
        defer { free(resolved) }
        let parentPath = String(cString: resolved)
        return parentPath == "/" ? "/" + last : parentPath + "/" + last
    }

    /// Parses `id parent major:minor root mountpoint options [optional...] - fstype source superoptions`.
    static func parse(_ line: Substring) -> Mount? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 7, let separator = fields.firstIndex(of: "-"), separator + 2 < fields.count else {
            return nil
        }
        return Mount(mountpoint: unescape(fields[4]), fileSystemType: String(fields[separator + 1]),
                     source: unescape(fields[separator + 2]), device: String(fields[2]))
    }

    /// Undoes mountinfo's octal escapes (`\040` for space, `\011`, `\012`, `\134`).
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
               let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
