import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The kind of a file system object, as far as the bridge needs to tell the kernel.
public enum FileType: Sendable, Hashable {
    case regularFile
    case directory
    case symbolicLink

    /// The `S_IFMT` bits for this type.
    var modeBits: mode_t {
        switch self {
        case .regularFile: S_IFREG
        case .directory: S_IFDIR
        case .symbolicLink: S_IFLNK
        }
    }
}

/// What `stat` shows for one inode. Converted to `struct stat` by the bridge.
public struct FileAttributes: Sendable, Hashable {
    /// The inode number `stat` shows (`st_ino`); 1 is the root. In an ``Entry`` the kernel's handle for the
    /// name is ``Entry/inode``, which may differ.
    public var inode: UInt64
    /// File or directory.
    public var type: FileType
    /// Permission bits only (`0o640`); the type bits come from `type`.
    public var permissions: mode_t
    /// The link count: 1 for files, 2 + subdirectories for directories.
    public var linkCount: UInt32
    public var uid: uid_t
    public var gid: gid_t
    /// The size in bytes.
    public var size: UInt64
    public var modificationTime: Date
    public var changeTime: Date
    public var accessTime: Date

    /// Builds attributes; times default to the modification time.
    public init(inode: UInt64, type: FileType, permissions: mode_t, linkCount: UInt32? = nil,
                uid: uid_t, gid: gid_t, size: UInt64 = 0, modificationTime: Date,
                changeTime: Date? = nil, accessTime: Date? = nil) {
        self.inode = inode
        self.type = type
        self.permissions = permissions & 0o7777
        self.linkCount = linkCount ?? (type == .directory ? 2 : 1)
        self.uid = uid
        self.gid = gid
        self.size = size
        self.modificationTime = modificationTime
        self.changeTime = changeTime ?? modificationTime
        self.accessTime = accessTime ?? modificationTime
    }

    /// The full mode: type bits and permission bits.
    public var mode: mode_t { type.modeBits | (permissions & 0o7777) }

    /// This value as a `struct stat`. `fuse_ino_t` is `UInt64` and `ino_t` is `UInt`: converted explicitly.
    var statValue: stat {
        var value = stat()
        value.st_ino = ino_t(truncatingIfNeeded: inode)
        value.st_mode = mode
        value.st_nlink = nlink_t(linkCount)
        value.st_uid = uid
        value.st_gid = gid
        value.st_size = off_t(clamping: size)
        value.st_blksize = 4096
        value.st_blocks = blkcnt_t(clamping: (size + 511) / 512)
        value.st_mtim = timespec(modificationTime)
        value.st_ctim = timespec(changeTime)
        value.st_atim = timespec(accessTime)
        return value
    }
}

extension timespec {
    /// A `timespec` for a `Date`, with nanoseconds in 0..<1e9 also before 1970.
    init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let nanoseconds = min(Int((interval - seconds) * 1_000_000_000), 999_999_999)
        self.init(tv_sec: Int(seconds), tv_nsec: nanoseconds)
    }

    /// This `timespec` as a `Date`.
    var date: Date {
        Date(timeIntervalSince1970: TimeInterval(tv_sec) + TimeInterval(tv_nsec) / 1_000_000_000)
    }
}
