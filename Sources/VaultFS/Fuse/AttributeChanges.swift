import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a setattr request asks to change (chmod, chown, truncate, utimens). `nil` means "leave as is".
/// The implementation decides what it allows; kvfs refuses mode and owner changes with `EPERM`.
public struct AttributeChanges: Sendable, Hashable {
    /// A new time for atime or mtime.
    public enum TimeChange: Sendable, Hashable {
        /// The time the kernel handled the request (`UTIME_NOW`).
        case now
        case at(Date)
    }

    /// New permission bits (`chmod`), type bits removed.
    public var permissions: mode_t?
    /// New owner (`chown`).
    public var uid: uid_t?
    /// New group (`chown`/`chgrp`).
    public var gid: gid_t?
    /// New size (`truncate`, `O_TRUNC`).
    public var size: UInt64?
    public var accessTime: TimeChange?
    public var modificationTime: TimeChange?

    /// Changes, none by default.
    public init(permissions: mode_t? = nil, uid: uid_t? = nil, gid: gid_t? = nil, size: UInt64? = nil,
                accessTime: TimeChange? = nil, modificationTime: TimeChange? = nil) {
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.size = size
        self.accessTime = accessTime
        self.modificationTime = modificationTime
    }

    /// True when the request changes nothing the bridge understands.
    public var isEmpty: Bool {
        permissions == nil && uid == nil && gid == nil && size == nil && accessTime == nil && modificationTime == nil
    }
}
