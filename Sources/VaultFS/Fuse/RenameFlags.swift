/// The flags of `renameat2(2)` as FUSE passes them.
public struct RenameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32

    /// Wraps raw flags.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `RENAME_NOREPLACE`: fail with `EEXIST` if the target exists.
    public static let noReplace = RenameFlags(rawValue: 1 << 0)
    /// `RENAME_EXCHANGE`: swap source and target atomically.
    public static let exchange = RenameFlags(rawValue: 1 << 1)
}

/// How `setxattr(2)` treats an existing attribute.
public enum ExtendedAttributeSetMode: Sendable, Hashable {
    /// Create it or replace it (flags 0).
    case createOrReplace
    /// `XATTR_CREATE`: fail with `EEXIST` if it exists.
    case createOnly
    /// `XATTR_REPLACE`: fail with `ENODATA` if it does not exist.
    case replaceOnly

    init(flags: Int32) {
        switch flags & 0x3 {
        case 0x1: self = .createOnly
        case 0x2: self = .replaceOnly
        default: self = .createOrReplace
        }
    }
}
